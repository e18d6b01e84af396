/**
 * The regular-expression fast path for point-IoC patterns must never accept
 * what the full parser rejects. Checked on every pattern in the spec vectors,
 * on hand-written near misses, and on many random mutations of valid patterns.
 */
import { readdirSync } from 'node:fs';
import { loadVectors, VECTORS_DIR } from '../../../tools/vectors';
import { isSimpleValidPattern, parseIndicator, validatePattern } from '../src';

function patternsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string' && value.startsWith('[')) found.push(value);
  else if (Array.isArray(value)) for (const v of value) patternsIn(v, found);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) patternsIn(v, found);
  return found;
}

const vectorPatterns = readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json')).flatMap((f) => patternsIn(loadVectors(f)));

const handWritten: [string, boolean][] = [
  ["[domain-name:value = 'evil.example']", true],
  ["[file:hashes.'SHA-256' = 'abc']", true],
  ["[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x']", true],
  ["[url:value = 'it\\'s \\\\ fine']", true],
  ["[email-addr:value = 'ü中\u2028\n']", true],
  ["[domain-name:value = 'bad \\n escape']", false],
  ["[domain-name:value = 'unterminated]", false],
  ["[domain-name:value = 'a'b']", false],
  ["[true:value = 'x']", false],
  ["[x:false = 'x']", false],
  ["[x:value-y = 'x']", false],
  ["[x:value = 'x'", false],
  ["[x:value = 'x'] OR [y:value = 'z']", false],
  ["[X:value = 'x']", false],
  ["[x:Value = 'x']", true],
  ["[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", true],
  ["[x:IN = 'x']", false],
  ["[x:value.AND = 'x']", false],
  ["[x:INx = 'x']", true],
  ["[x:value.'' = 'x']", false],
  ["[x:value = 'x'] AND", false],
  ["[x:value = 'x']AND[y:value = 'x']", false],
];

/** Deterministic pseudo-random mutations: insert, delete or replace one character with a pattern-ish one. */
function mutations(seed: string, count: number): string[] {
  const alphabet = "[]':.= \\-_aAzZ09tf,()<>!*";
  let x = 12345;
  const rand = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) % n);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = seed;
    for (let k = 0; k <= rand(3); k++) {
      const at = rand(s.length + 1);
      const c = alphabet[rand(alphabet.length)];
      const op = rand(3);
      s = op === 0 ? s.slice(0, at) + c + s.slice(at) : op === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + c + s.slice(at + 1);
    }
    out.push(s);
  }
  return out;
}

describe('isSimpleValidPattern', () => {
  test('the vectors hold patterns, and the fast path takes most of them', () => {
    expect(vectorPatterns.length).toBeGreaterThan(20);
    expect(vectorPatterns.filter(isSimpleValidPattern).length).toBeGreaterThan(10);
  });

  test('every vector pattern it accepts parses', () => {
    for (const p of vectorPatterns) if (isSimpleValidPattern(p)) expect([p, validatePattern(p)?.message]).toEqual([p, undefined]);
  });

  test.each(handWritten)('%s', (p, simple) => {
    expect(isSimpleValidPattern(p)).toBe(simple);
    if (simple) expect(validatePattern(p)).toBeUndefined();
  });

  test('no mutation of a valid pattern is accepted unless it parses', () => {
    let accepted = 0;
    let rejectedByParser = 0;
    for (const seed of [...vectorPatterns.filter(isSimpleValidPattern), ...handWritten.filter(([, ok]) => ok).map(([p]) => p)]) {
      for (const m of mutations(seed, 300)) {
        const error = validatePattern(m);
        if (error) rejectedByParser++;
        if (!isSimpleValidPattern(m)) continue;
        accepted++;
        expect([m, error?.message]).toEqual([m, undefined]);
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(rejectedByParser).toBeGreaterThan(100);
  });

  test('parseIndicator still rejects invalid patterns the fast path passes on', () => {
    expect(() => parseIndicator({ type: 'indicator', spec_version: '2.1', pattern: "[x:value = 'a\\n']", pattern_type: 'stix' })).toThrow(/invalid STIX pattern/);
  });
});
