/** Frames from the bus to an app: `<p2p><suffix> <json>` → typed message. */
import { decodeMessage, MessageDecodeError } from 'threatbus';
import type { Indicator, Sighting, SnapshotRequest } from 'threatbus';
import { splitFrame } from '../protocol';

/** What an app receives from the bus. */
export type IncomingMessage = Indicator | Sighting | SnapshotRequest;

export type AppFrameResult = { ok: true; message: IncomingMessage } | { ok: false; reason: string };

/** Decode a frame received on the p2p topic `p2pTopic`; the suffix must agree with the payload's type. */
export function decodeAppFrame(frame: string, p2pTopic: string): AppFrameResult {
  const parts = splitFrame(frame);
  if (!parts) return { ok: false, reason: 'frame has no space between topic and payload' };
  if (!parts.topic.startsWith(p2pTopic)) return { ok: false, reason: `frame for another p2p topic '${parts.topic.slice(0, 40)}'` };
  const suffix = parts.topic.slice(p2pTopic.length);
  if (suffix !== 'indicator' && suffix !== 'sighting' && suffix !== 'snapshotrequest') {
    return { ok: false, reason: `unknown message type suffix '${suffix}'` };
  }
  try {
    const message = decodeMessage(parts.payload);
    if (message.type !== suffix) return { ok: false, reason: `topic says ${suffix} but the payload is a ${message.type}` };
    return { ok: true, message: message as IncomingMessage };
  } catch (e) {
    return { ok: false, reason: `invalid ${suffix}: ${e instanceof MessageDecodeError ? e.message : String(e)}` };
  }
}
