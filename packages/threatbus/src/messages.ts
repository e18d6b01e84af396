/**
 * What travels on the bus: STIX Indicators and Sightings plus the two
 * internal snapshot messages (spec/core.md §1, §6, §7). Every message has a `type`
 * field, which is also how its routing topic is derived.
 */
import type { Indicator, Sighting } from './stix/types';

/** The integer on the wire that names a message type in snapshot messages (spec/core.md §6.1). */
export const MessageType = { INDICATOR: 1, SIGHTING: 2 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export function messageTypeName(t: MessageType): 'INDICATOR' | 'SIGHTING' {
  return t === MessageType.INDICATOR ? 'INDICATOR' : 'SIGHTING';
}

/** Ask every app that can answer for the data of the last `snapshot` seconds. */
export interface SnapshotRequest {
  type: 'snapshotrequest';
  snapshot_type: MessageType;
  snapshot_id: string;
  /** Time span in seconds, an integer (the original truncated toward zero). */
  snapshot: number;
}

/** One historic item answering a SnapshotRequest; reaches the requester only. */
export interface SnapshotEnvelope {
  type: 'snapshotenvelope';
  snapshot_type: MessageType;
  snapshot_id: string;
  body: Indicator | Sighting;
}

export type Message = Indicator | Sighting | SnapshotRequest | SnapshotEnvelope;
export type MessageKind = Message['type'];

/** Routing topics (spec/core.md §5). */
export const Topic = {
  INDICATOR: 'stix2/indicator',
  SIGHTING: 'stix2/sighting',
  STIX2: 'stix2',
  SNAPSHOT_REQUEST: 'threatbus/snapshotrequest',
  SNAPSHOT_ENVELOPE: 'threatbus/snapshotenvelope',
} as const;

const ROUTING_TOPIC: Record<MessageKind, string> = {
  indicator: Topic.INDICATOR,
  sighting: Topic.SIGHTING,
  snapshotrequest: Topic.SNAPSHOT_REQUEST,
  snapshotenvelope: Topic.SNAPSHOT_ENVELOPE,
};

/** The routing topic of a message is derived from its type, never from what a producer claimed. */
export function routingTopic(message: Message): string {
  return ROUTING_TOPIC[message.type];
}

export function createSnapshotRequest(snapshotType: MessageType, snapshotId: string, seconds: number): SnapshotRequest {
  return { type: 'snapshotrequest', snapshot_type: snapshotType, snapshot_id: snapshotId, snapshot: Math.trunc(seconds) };
}

export function createSnapshotEnvelope(snapshotType: MessageType, snapshotId: string, body: Indicator | Sighting): SnapshotEnvelope {
  return { type: 'snapshotenvelope', snapshot_type: snapshotType, snapshot_id: snapshotId, body };
}

/**
 * Message types a snapshot for `topic` covers (spec/core.md §8.2): `stix2` or
 * `stix2/` → both, a topic ending in `sighting` or `indicator` → that one,
 * anything else → none.
 */
export function snapshotTypesForTopic(topic: string): MessageType[] {
  if (topic === 'stix2' || topic === 'stix2/') return [MessageType.INDICATOR, MessageType.SIGHTING];
  if (topic.endsWith('sighting')) return [MessageType.SIGHTING];
  if (topic.endsWith('indicator')) return [MessageType.INDICATOR];
  return [];
}

export function isIndicator(m: Message): m is Indicator {
  return m.type === 'indicator';
}
export function isSighting(m: Message): m is Sighting {
  return m.type === 'sighting';
}
export function isSnapshotRequest(m: Message): m is SnapshotRequest {
  return m.type === 'snapshotrequest';
}
export function isSnapshotEnvelope(m: Message): m is SnapshotEnvelope {
  return m.type === 'snapshotenvelope';
}
