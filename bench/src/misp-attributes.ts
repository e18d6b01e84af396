/**
 * Realistic MISP attribute notifications, as MISP's ZeroMQ plugin publishes
 * them (`misp_json_attribute {...}`), with the send time carried in the
 * attribute: the uuid encodes a sequence number and the sender's monotonic
 * clock, and the bus maps it verbatim into the indicator id
 * (`indicator--<uuid>`), so a subscriber reads the send time back from what
 * it receives. On Linux `process.hrtime` is CLOCK_MONOTONIC, shared by all
 * processes of the machine.
 */

const TLDS = ['com', 'net', 'org', 'info', 'io', 'ru', 'cn', 'biz'];
const WORDS = ['update', 'secure', 'login', 'cdn', 'mail', 'portal', 'api', 'files', 'sync', 'docs', 'pay', 'cloud'];

function hex(n: bigint | number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/**
 * Sequence numbers from here on mark warm-up frames, sent before the measured
 * run so it sees a warmed-up bus (JIT-compiled code paths, grown buffers) as a
 * long-running one is; receivers do not count them.
 */
export const WARMUP_SEQ = 0xf0000000;

/** `SSSSSSSS-TTTT-4TTT-8TTT-TTTTTTTTTTTT`: S = sequence, T = 22 hex digits of nanoseconds. */
export function timedUuid(seq: number, nanos: bigint): string {
  const t = hex(nanos, 22);
  return `${hex(seq, 8)}-${t.slice(0, 4)}-4${t.slice(4, 7)}-8${t.slice(7, 10)}-${t.slice(10, 22)}`;
}

/** Inverse of timedUuid; undefined when the id was not made by it. */
export function readTimedUuid(idOrUuid: string): { seq: number; nanos: bigint } | undefined {
  const m = /([0-9a-f]{8})-([0-9a-f]{4})-4([0-9a-f]{3})-8([0-9a-f]{3})-([0-9a-f]{12})$/.exec(idOrUuid);
  if (!m) return undefined;
  return { seq: Number.parseInt(m[1], 16), nanos: BigInt('0x' + m[2] + m[3] + m[4] + m[5]) };
}

function pick<T>(list: T[], n: number): T {
  return list[n % list.length];
}

/** A type and value that look like real threat intel, deterministic per sequence number. */
export function sampleValue(seq: number): { type: string; category: string; value: string } {
  const a = (seq * 2654435761) >>> 0;
  switch (seq % 8) {
    case 0: return { type: 'domain', category: 'Network activity', value: `${pick(WORDS, a)}-${a.toString(36)}.${pick(TLDS, a >>> 8)}` };
    case 1: return { type: 'ip-dst', category: 'Network activity', value: `${(a >>> 24) % 223 + 1}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}` };
    case 2: return { type: 'url', category: 'Network activity', value: `http://${pick(WORDS, a)}.${pick(TLDS, a >>> 4)}/${a.toString(36)}/index.php?id=${seq}` };
    case 3: return { type: 'md5', category: 'Payload delivery', value: hex(BigInt(a) * 0x9e3779b97f4a7c15n + BigInt(seq), 32) };
    case 4: return { type: 'sha256', category: 'Payload delivery', value: hex(BigInt(a) * 0x9e3779b97f4a7c15n * 0x100000001b3n + BigInt(seq), 64) };
    case 5: return { type: 'email-src', category: 'Payload delivery', value: `${pick(WORDS, a)}${seq}@${pick(WORDS, a >>> 3)}.${pick(TLDS, a)}` };
    case 6: return { type: 'hostname', category: 'Network activity', value: `${pick(WORDS, a >>> 2)}.${pick(WORDS, a)}-${seq}.${pick(TLDS, a >>> 5)}` };
    default: return { type: 'ip-src', category: 'Network activity', value: `10.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}` };
  }
}

/** One ZeroMQ frame as MISP sends it for an added attribute with to_ids set. */
export function mispFrame(seq: number, nanos: bigint, unixSeconds: number): string {
  return mispFrameFor(seq, timedUuid(seq, nanos), unixSeconds);
}

function mispFrameFor(seq: number, uuid: string, unixSeconds: number): string {
  const { type, category, value } = sampleValue(seq);
  const notification = {
    Attribute: {
      id: String(100000 + seq), event_id: '42', object_id: '0', object_relation: null, category, type, value,
      to_ids: true, uuid, timestamp: String(unixSeconds), distribution: '5', sharing_group_id: '0',
      comment: 'benchmark', deleted: false, disable_correlation: false, first_seen: null, last_seen: null,
      Tag: [{ id: '7', name: 'tlp:green', colour: '#33FF00', exportable: true }],
    },
    Event: { id: '42', orgc_id: '1', org_id: '1', info: 'Threat Bus benchmark', uuid: '5e1f2787-fcfc-4718-a58a-00b4c0a82f06' },
    action: 'add',
  };
  return `misp_json_attribute ${JSON.stringify(notification)}`;
}

const UUID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000';

/**
 * Frames built before the clock starts, so the publisher measures the
 * transport and the bus rather than its own JSON.stringify: `pool` frames
 * (the first `pool` sequence numbers) split around the uuid, which is the
 * only part written per send. Frame `seq` reuses template `seq % pool`, so
 * values repeat after `pool` messages (the bus does not deduplicate, so
 * this changes nothing it does); the uuid stays unique.
 */
export class MispFrameTemplates {
  private readonly before: string[] = [];
  private readonly after: string[] = [];

  constructor(pool: number, unixSeconds: number) {
    for (let seq = 0; seq < pool; seq++) {
      const frame = mispFrameFor(seq, UUID_PLACEHOLDER, unixSeconds);
      const at = frame.indexOf(UUID_PLACEHOLDER);
      // Flatten now (slice of a fresh copy), so a send does not walk a rope.
      this.before.push((' ' + frame.slice(0, at)).slice(1));
      this.after.push((' ' + frame.slice(at + UUID_PLACEHOLDER.length)).slice(1));
    }
  }

  /** The frame for `seq`, stamped with send time `nanos`. */
  frame(seq: number, nanos: bigint): string {
    const i = seq % this.before.length;
    return this.before[i] + timedUuid(seq, nanos) + this.after[i];
  }
}
