/**
 * A set of STIX ids that stays small when it holds millions: the UUID part
 * of `<type>--<uuid>` is kept as 128 bits in an open-addressing table (16
 * bytes a slot, at most half full) instead of as a string in a Set (about
 * 90 bytes each). Ids that are not `<type>--<lower-case uuid>` fall back to
 * a Set of strings. Used to send each object once per snapshot.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INITIAL_SLOTS = 1024;

export class SeenIds {
  /** Four words per slot. */
  private words = new Uint32Array(INITIAL_SLOTS * 4);
  private used = new Uint8Array(INITIAL_SLOTS);
  private count = 0;
  private others?: Set<string>;

  /** Number of ids held. */
  get size(): number {
    return this.count + (this.others?.size ?? 0);
  }

  /** Add `id`; returns false when it was already there. */
  add(id: string): boolean {
    const dashes = id.indexOf('--');
    const uuid = dashes > 0 ? id.slice(dashes + 2) : '';
    if (!UUID_RE.test(uuid) || id.indexOf('--', dashes + 2) !== -1) {
      this.others ??= new Set();
      if (this.others.has(id)) return false;
      this.others.add(id);
      return true;
    }
    // The type is part of the id: fold it into the first word so `indicator--u` and `sighting--u` differ.
    const w0 = (parseInt(uuid.slice(0, 8), 16) ^ typeHash(id, dashes)) >>> 0;
    const w1 = parseInt(uuid.slice(9, 13) + uuid.slice(14, 18), 16) >>> 0;
    const w2 = parseInt(uuid.slice(19, 23) + uuid.slice(24, 28), 16) >>> 0;
    const w3 = parseInt(uuid.slice(28, 36), 16) >>> 0;
    if ((this.count + 1) * 2 > this.used.length) this.grow();
    return this.insert(w0, w1, w2, w3);
  }

  private insert(w0: number, w1: number, w2: number, w3: number): boolean {
    const mask = this.used.length - 1;
    let slot = (w3 ^ Math.imul(w0, 0x9e3779b1)) & mask;
    for (;;) {
      if (this.used[slot] === 0) {
        this.used[slot] = 1;
        const at = slot * 4;
        this.words[at] = w0;
        this.words[at + 1] = w1;
        this.words[at + 2] = w2;
        this.words[at + 3] = w3;
        this.count++;
        return true;
      }
      const at = slot * 4;
      if (this.words[at] === w0 && this.words[at + 1] === w1 && this.words[at + 2] === w2 && this.words[at + 3] === w3) return false;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const oldWords = this.words;
    const oldUsed = this.used;
    this.words = new Uint32Array(oldUsed.length * 8);
    this.used = new Uint8Array(oldUsed.length * 2);
    this.count = 0;
    for (let slot = 0; slot < oldUsed.length; slot++) {
      if (oldUsed[slot] === 0) continue;
      const at = slot * 4;
      this.insert(oldWords[at], oldWords[at + 1], oldWords[at + 2], oldWords[at + 3]);
    }
  }
}

/** FNV-1a of the type prefix. */
function typeHash(id: string, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
