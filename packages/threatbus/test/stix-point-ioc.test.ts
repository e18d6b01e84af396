/**
 * Point-IoC helpers: the shared vectors (spec/vectors/stix-point-ioc.json,
 * produced by running the original Python code) plus the strict `pointIoc`.
 */
import * as fs from 'fs';
import * as path from 'path';

import { isPointEqualityIoc, pointIoc, splitObjectPathAndValue } from '../src/stix/pattern';

const VECTOR_FILE = path.resolve(__dirname, '../../../spec/vectors/stix-point-ioc.json');

interface PointIocVector {
  name: string;
  input: { function: 'is_point_equality_ioc' | 'split_object_path_and_value'; pattern: unknown };
  expected: unknown;
  origin: 'test' | 'derived';
}

function loadVectors(): PointIocVector[] {
  // The vectors live in this repository (spec/vectors); a missing file must fail the run, not skip it.
  if (!fs.existsSync(VECTOR_FILE)) {
    throw new Error(`test vectors not found at ${VECTOR_FILE} (expected spec/vectors in this repository)`);
  }
  return JSON.parse(fs.readFileSync(VECTOR_FILE, 'utf8')) as PointIocVector[];
}

const vectors = loadVectors();

describe('stix-point-ioc.json vectors', () => {
  it('loads all 94 cases', () => {
    expect(vectors).toHaveLength(94);
    expect(vectors.filter((v) => v.origin === 'test')).toHaveLength(22);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const { function: fn, pattern } = vector.input;
    const actual = fn === 'is_point_equality_ioc' ? isPointEqualityIoc(pattern) : splitObjectPathAndValue(pattern);
    expect(actual).toEqual(vector.expected);
  });
});

describe('isPointEqualityIoc quirks beyond the vectors (stix2-patterns 1.3.0 inspector)', () => {
  it.each([
    // `==` is a valid spelling of `=`, but the inspector compares the spelling.
    ["[ipv4-addr:value == '6.6.6.6']", false],
    // EXISTS tests are not recorded by the inspector.
    ['[EXISTS ipv4-addr:value]', false],
    ["[EXISTS domain-name:resolves_to_refs AND ipv4-addr:value = '6.6.6.6']", true],
    ["[ipv4-addr:value = '6.6.6.6' AND EXISTS domain-name:value]", true],
    // NOT EXISTS did not parse in 1.3.0.
    ["[ipv4-addr:value = '6.6.6.6' AND NOT EXISTS ipv4-addr:resolves_to_refs]", false],
    // A negative index crashed the inspector.
    ["[file:names[-1] = 'a.exe']", false],
    ["[file:names[0] = 'a.exe']", true],
    ["[file:names[*] = 'a.exe']", true],
    // Parenthesised comparisons and comments do not matter.
    ["[(ipv4-addr:value = '6.6.6.6')]", true],
    ["[ipv4-addr:value = '6.6.6.6'] /* comment */", true],
    ['[file:size = -5]', true],
    ['[file:size = 7.5]', true],
  ])('%s -> %s', (pattern, expected) => {
    expect(isPointEqualityIoc(pattern)).toBe(expected);
  });

  it('rejects non-strings', () => {
    expect(isPointEqualityIoc(undefined)).toBe(false);
    expect(isPointEqualityIoc({ pattern: "[a:b = 'c']" })).toBe(false);
    expect(isPointEqualityIoc(["[a:b = 'c']"])).toBe(false);
  });
});

describe('splitObjectPathAndValue raw-string behaviour', () => {
  it('keeps the written spelling of the path and splits at the first =', () => {
    expect(splitObjectPathAndValue("[file:hashes . 'SHA-1' = 'ab']")).toEqual(["file:hashes . 'SHA-1'", 'ab']);
  });

  it('strips Python whitespace (U+0085 is STIX and Python whitespace, but JS trim keeps it)', () => {
    expect(splitObjectPathAndValue("[ipv4-addr:value\u0085=\u0085'6.6.6.6']")).toEqual(['ipv4-addr:value', '6.6.6.6']);
    expect(splitObjectPathAndValue("[ipv4-addr:value =\u00a0'6.6.6.6']")).toEqual(['ipv4-addr:value', '6.6.6.6']);
  });

  it('drops whole code points at the ends (Python slicing)', () => {
    expect(splitObjectPathAndValue("[ipv4-addr:value = '6.6.6.6'] //\u{1F600}")).toEqual([
      'ipv4-addr:value',
      "'6.6.6.6'] //",
    ]);
  });
});

describe('pointIoc (strict)', () => {
  it('returns the decoded constant and the canonical object path', () => {
    const point = pointIoc("[x509-certificate:hashes.'SHA-1' = '6e6187d58483457f86eae49315a0a72d7543459a']");
    expect(point?.comparison).toMatchObject({ kind: 'comparison', operator: '=', negated: false, path: point?.path, value: point?.literal });
    const { comparison: _comparison, ...rest } = point!;
    expect(rest).toEqual({
      objectType: 'x509-certificate',
      objectPath: "x509-certificate:hashes.'SHA-1'",
      path: {
        objectType: 'x509-certificate',
        components: [
          { kind: 'key', name: 'hashes', quoted: false },
          { kind: 'key', name: 'SHA-1', quoted: true },
        ],
      },
      value: '6e6187d58483457f86eae49315a0a72d7543459a',
      literal: { kind: 'string', value: '6e6187d58483457f86eae49315a0a72d7543459a', raw: "'6e6187d58483457f86eae49315a0a72d7543459a'" },
    });
  });

  it.each([
    ["[domain-name:value = 'ev\\'il.com']", 'domain-name:value', "ev'il.com"],
    ["[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo']", 'windows-registry-key:key', 'HKEY_LOCAL_MACHINE\\foo'],
    ["  [ipv4-addr:value = '6.6.6.6']  ", 'ipv4-addr:value', '6.6.6.6'],
    ["([ipv4-addr:value = '6.6.6.6'])", 'ipv4-addr:value', '6.6.6.6'],
    ["[ipv4-addr:value == '6.6.6.6']", 'ipv4-addr:value', '6.6.6.6'],
    ["[url:value = 'http://evil.com/?a=b']", 'url:value', 'http://evil.com/?a=b'],
    ['[autonomous-system:number = 123]', 'autonomous-system:number', 123],
    ['[file:size = -0]', 'file:size', 0],
    ['[x:ratio = .25]', 'x:ratio', 0.25],
    ['[domain-name:value = true]', 'domain-name:value', true],
    ["[domain-name:value = b'ZXZpbC5jb20=']", 'domain-name:value', 'ZXZpbC5jb20='],
    ["[domain-name:value = h'ff']", 'domain-name:value', 'ff'],
    ["[file:created = t'2016-06-01T00:00:00Z']", 'file:created', '2016-06-01T00:00:00Z'],
    ["[network-traffic:dst_ref.value = '6.6.6.6']", 'network-traffic:dst_ref.value', '6.6.6.6'],
    ["[file:names[*] = 'a']", 'file:names[*]', 'a'],
  ])('%s', (pattern, objectPath, value) => {
    const ioc = pointIoc(pattern);
    expect(ioc).not.toBeNull();
    expect(ioc?.objectPath).toBe(objectPath);
    expect(ioc?.value).toBe(value);
  });

  it.each([
    "[ipv4-addr:value = '6.6.6.6' OR ipv4-addr:value = '7.7.7.7']",
    "[ipv4-addr:value = '6.6.6.6' AND ipv4-addr:value != '7.7.7.7']",
    "[ipv4-addr:value != '6.6.6.6']",
    "[ipv4-addr:value NOT = '6.6.6.6']",
    "[ipv4-addr:value IN ('6.6.6.6')]",
    "[domain-name:value LIKE 'evil%']",
    "[ipv4-addr:value = '6.6.6.6'] WITHIN 5 SECONDS",
    "[ipv4-addr:value = '6.6.6.6'] AND [ipv4-addr:value = '7.7.7.7']",
    '[EXISTS ipv4-addr:value]',
    "[ipv4-addr:value = '6.6.6.6'",
    'Some string',
    '',
  ])('rejects %s', (pattern) => {
    expect(pointIoc(pattern)).toBeNull();
  });

  it('rejects non-strings', () => {
    expect(pointIoc(null)).toBeNull();
    expect(pointIoc(23)).toBeNull();
  });
});
