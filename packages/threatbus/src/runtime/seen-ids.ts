/**
 * A set of STIX ids that stays small when it holds millions: the UUID part
 * of `<type>--<uuid>` is kept as 128 bits in an open-addressing table (16
 * bytes a slot, at most half full) instead of as a string in a Set (about
 * 90 bytes each). Ids that are not `<type>--<lower-case uuid>` fall back to
 * a Set of strings. Used to send each object once per snapshot.
 */

/** Where parseUuid leaves the 128 bits of the last UUID it read. */
const uuidWords = new Uint32Array(4);
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
    if (dashes <= 0 || !parseUuid(id, dashes + 2)) {
      this.others ??= new Set();
      if (this.others.has(id)) return false;
      this.others.add(id);
      return true;
    }
    // The type is part of the id: fold it into the first word so `indicator--u` and `sighting--u` differ.
    const w0 = (uuidWords[0] ^ typeHash(id, dashes)) >>> 0;
    if ((this.count + 1) * 2 > this.used.length) this.grow();
    return this.insert(w0, uuidWords[1], uuidWords[2], uuidWords[3]);
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

/**
 * Read a lower-case UUID (`8-4-4-4-12` hex digits) that makes up the rest of
 * `id` from `start` into uuidWords; false when it is not one. By char codes,
 * without a regular expression or substrings: this runs once per object of
 * a snapshot (a regex and five parseInt of slices cost ~1.5 µs per id).
 */
function parseUuid(id: string, start: number): boolean {
  if (id.length - start !== 36) return false;
  let word = 0;
  let digits = 0;
  let w = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45 /* - */) return false;
      continue;
    }
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else return false;
    word = (word << 4) | digit;
    if (++digits === 8) {
      uuidWords[w++] = word >>> 0;
      word = 0;
      digits = 0;
    }
  }
  return true;
}
