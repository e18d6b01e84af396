/**
 * STIX 2.1 pattern parser: spec examples, AST shapes, formatting round trips
 * and syntax errors with their positions.
 */
import {
  comparisons,
  formatObjectPath,
  formatPattern,
  parsePattern,
  PatternSyntaxError,
  validatePattern,
  type Comparison,
  type Literal,
  type ObjectPath,
  type Pattern,
} from '../src/stix/pattern';

// ---- AST builders, to keep the expected trees readable ----------------------

const SHA256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f';

/** `type:a.b` → ObjectPath with unquoted keys; `'…'` segments become quoted keys, `[n]` indexes. */
function p(text: string): ObjectPath {
  const [objectType, rest] = text.split(/:(.*)/s);
  const components = [...rest.matchAll(/'([^']*)'|\[(\*|-?\d+)\]|([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => {
    if (m[1] !== undefined) return { kind: 'key' as const, name: m[1], quoted: true };
    if (m[2] !== undefined) return { kind: 'index' as const, index: m[2] === '*' ? ('*' as const) : Number(m[2]) };
    return { kind: 'key' as const, name: m[3], quoted: false };
  });
  return { objectType, components };
}
const str = (value: string, raw = `'${value}'`): Literal => ({ kind: 'string', value, raw });
const eq = (path: string, value: Literal): Comparison =>
  ({ kind: 'comparison', path: p(path), operator: '=', negated: false, value }) as Comparison;

// ---- examples ----------------------------------------------------------------

/**
 * The pattern examples of the STIX 2.1 specification (§9 and §9.9, as
 * collected in cti-pattern-validator's test/v21/spec_examples.txt), plus the
 * §9 examples quoted in the task brief.
 */
const SPEC_EXAMPLES: string[] = [
  `[file:hashes.'SHA-256' = '${SHA256}']`,
  String.raw`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
  `[file:hashes.'SHA-256' = '${SHA256}' AND file:mime_type = 'application/x-pdf']`,
  `[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = '${SHA256}']`,
  String.raw`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
  `[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
  String.raw`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
  String.raw`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
  `[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
  `[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
  `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
  `[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`,
  `[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
  `[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
  `[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
  String.raw`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
  `[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']`,
  `[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
  `[x-usb-device:usbdrive.serial_number = '575833314133343231313937']`,
  `[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
  `[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
  String.raw`([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']`,
  `[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a69faa']`,
  String.raw`[file:hashes.'SHA-256' = '${SHA256}'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']`,
  `([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32'] AND [domain-name:value = 'example.com']) WITHIN 300 SECONDS`,
  String.raw`[file:name MATCHES '^Final Report.+\\.exe$']`,
  `[x509-certificate:hashes.'SHA-256' = '${SHA256}']`,
  `[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
];

/** More valid patterns covering the rest of the grammar (partly from cti-pattern-validator's pass cases). */
const GRAMMAR_EXAMPLES: string[] = [
  '[file:size != 1280]', '[file:size <> 1280]', '[file:size < 1024]', '[file:size <= 1024]', '[file:size >= -1]',
  '[file:size NOT > 1024]', `[file:extended_properties.'ntfs-ext'.sid = '234']`,
  `[ipv4addr:value NOT ISSUBSET '192.168.0.1/24']`, `[ipv4-addr:value ISSUPERSET '198.51.100.1/32']`,
  `[file:name NOT LIKE 'Report%.exe']`, `[file:file_name IN ('test.txt', 'test2.exe', 'README')]`,
  '[file:size IN (1024, 2048, 4096)]', '[file:size NOT IN ()]', `[x:mixed IN (1, -2.5, true, h'00', b'AAAA')]`,
  `[network-connection:extended_properties[0].source_payload MATCHES 'dGVzdHRlc3R0ZXN0']`,
  `[x_whatever:detected == t'2018-03-22T12:11:14.1Z']`, `[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']`,
  '[foo:bar=1] REPEATS 9 TIMES', '[foo:bar = +1] WITHIN 0.5 SECONDS', '[foo:bar = .5] WITHIN +10 SECONDS',
  '( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])',
  `([win-registry-key:key = 'a']) WITHIN 5 SECONDS WITHIN 6 SECONDS`,
  `[network-traffic:src_port = 37020] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'`,
  `[file:hashes[*] = '8665c8d477534008b3058b72e2dae8ae']`, `[file:names[-1] = 'a'] FOLLOWEDBY [file:names[+2] = 'b']`,
  '[EXISTS windows-registry-key:values]', `[NOT EXISTS file:hashes.'SHA-256' AND file:size > 0]`,
  `[x:'quoted first'.key = 'it\\'s \\\\ ok']`, `[x:created = t'2016-12-31T23:59:60Z'] /* leap second */ // done`,
  '[a:b = 1] OR ([a:b = 2] OR [a:b = 3])', '[a:b = 1 OR (a:b = 2 OR a:b = 3)]', `[a:b = '']`, `[a:b = h'']`,
];

describe('valid patterns', () => {
  it('has enough examples', () => {
    expect(SPEC_EXAMPLES.length).toBeGreaterThanOrEqual(25);
  });

  it.each([...SPEC_EXAMPLES, ...GRAMMAR_EXAMPLES])('parses and round-trips %s', (text) => {
    expect(validatePattern(text)).toBeUndefined();
    const ast = parsePattern(text);
    const formatted = formatPattern(ast);
    expect(parsePattern(formatted)).toEqual(ast);
    expect(formatPattern(parsePattern(formatted))).toBe(formatted);
  });
});

describe('AST shape', () => {
  it('single observation with a quoted hash key', () => {
    expect(parsePattern(`[file:hashes.'SHA-256' = '${SHA256}']`)).toEqual({
      kind: 'observation',
      expression: eq("file:hashes.'SHA-256'", str(SHA256)),
    });
  });

  it('FOLLOWEDBY in parentheses with WITHIN; escapes decoded, raw kept', () => {
    const ast = parsePattern(SPEC_EXAMPLES[4]);
    expect(ast).toEqual({
      kind: 'qualified',
      qualifier: { kind: 'within', seconds: 300 },
      expression: {
        kind: 'followedby',
        left: { kind: 'observation', expression: eq('file:hashes.MD5', str('79054025255fb1a26e4bc422aef54eb4')) },
        right: {
          kind: 'observation',
          expression: eq('win-registry-key:key', str('HKEY_LOCAL_MACHINE\\foo\\bar', String.raw`'HKEY_LOCAL_MACHINE\\foo\\bar'`)),
        },
      },
    });
  });

  it('chained qualifiers nest with the first one innermost', () => {
    const ast = parsePattern(SPEC_EXAMPLES[11]);
    expect(ast.kind).toBe('qualified');
    if (ast.kind !== 'qualified') return;
    expect(ast.qualifier).toEqual({ kind: 'within', seconds: 1800 });
    expect(ast.expression).toMatchObject({ kind: 'qualified', qualifier: { kind: 'repeats', times: 5 } });
  });

  it('a qualifier binds to the observation right before it', () => {
    expect(parsePattern(SPEC_EXAMPLES[19])).toMatchObject({
      kind: 'followedby',
      left: { kind: 'observation' },
      right: { kind: 'qualified', qualifier: { kind: 'within', seconds: 300 }, expression: { kind: 'observation' } },
    });
  });

  it('START/STOP keeps both timestamps', () => {
    expect(parsePattern(SPEC_EXAMPLES[27])).toMatchObject({
      kind: 'qualified',
      qualifier: {
        kind: 'startstop',
        start: { kind: 'timestamp', value: '2016-06-01T00:00:00Z', raw: "t'2016-06-01T00:00:00Z'" },
        stop: { kind: 'timestamp', value: '2016-07-01T00:00:00Z' },
      },
    });
  });

  it('object path with quoted key, wildcard index, and a float', () => {
    expect(parsePattern(SPEC_EXAMPLES[8])).toEqual({
      kind: 'observation',
      expression: {
        kind: 'comparison',
        path: p("file:extensions.'windows-pebinary-ext'.sections[*].entropy"),
        operator: '>',
        negated: false,
        value: { kind: 'float', value: 7, raw: '7.0' },
      },
    });
  });

  it('parenthesised comparison OR inside AND, with a timestamp', () => {
    expect(parsePattern(SPEC_EXAMPLES[16])).toEqual({
      kind: 'observation',
      expression: {
        kind: 'and',
        left: { kind: 'or', left: eq('file:name', str('pdf.exe')), right: eq('file:size', str('371712')) },
        right: eq('file:created', { kind: 'timestamp', value: '2014-01-13T07:03:17Z', raw: "t'2014-01-13T07:03:17Z'" }),
      },
    });
  });

  it('observation-level AND inside OR', () => {
    expect(parsePattern(SPEC_EXAMPLES[21])).toMatchObject({
      kind: 'or',
      left: { kind: 'and', left: { kind: 'observation' }, right: { kind: 'observation' } },
      right: { kind: 'observation', expression: { kind: 'or' } },
    });
  });

  it('precedence FOLLOWEDBY < OR < AND, left-associative', () => {
    const obs = (n: number) => ({ kind: 'observation', expression: eq('a:b', { kind: 'integer', value: n, raw: String(n) }) });
    expect(parsePattern('[a:b = 1] OR [a:b = 2] AND [a:b = 3] FOLLOWEDBY [a:b = 4] FOLLOWEDBY [a:b = 5]')).toEqual({
      kind: 'followedby',
      left: { kind: 'followedby', left: { kind: 'or', left: obs(1), right: { kind: 'and', left: obs(2), right: obs(3) } }, right: obs(4) },
      right: obs(5),
    });
  });

  it('comparison AND binds tighter than OR', () => {
    const c = (n: number) => eq('a:b', { kind: 'integer', value: n, raw: String(n) });
    expect(parsePattern('[a:b = 1 OR a:b = 2 AND a:b = 3 OR a:b = 4]')).toEqual({
      kind: 'observation',
      expression: { kind: 'or', left: { kind: 'or', left: c(1), right: { kind: 'and', left: c(2), right: c(3) } }, right: c(4) },
    });
  });

  it('IN, NOT LIKE, ISSUPERSET, EXISTS and NOT EXISTS', () => {
    const ast = parsePattern(
      "[a:b NOT IN ('x', 2, false) AND a:c NOT LIKE 'x%' AND a:d ISSUPERSET '10.0.0.0/8' AND EXISTS a:e AND NOT EXISTS a:f[0]]",
    );
    expect(comparisons(ast)).toEqual([
      { kind: 'comparison', path: p('a:b'), operator: 'IN', negated: true, value: { kind: 'set', elements: [
        str('x'), { kind: 'integer', value: 2, raw: '2' }, { kind: 'boolean', value: false, raw: 'false' },
      ] } },
      { kind: 'comparison', path: p('a:c'), operator: 'LIKE', negated: true, value: str('x%') },
      { kind: 'comparison', path: p('a:d'), operator: 'ISSUPERSET', negated: false, value: str('10.0.0.0/8') },
      { kind: 'comparison', path: p('a:e'), operator: 'EXISTS', negated: false },
      { kind: 'comparison', path: p('a:f[0]'), operator: 'EXISTS', negated: true },
    ]);
  });

  it('literals: signed numbers, binary, hex, alternative operator spellings', () => {
    const values = comparisons(parsePattern("[a:b = -5 AND a:b == +7 AND a:b <> -.5 AND a:b = b'AAA=' AND a:b != h'0aFF']"));
    expect(values.map((c) => (c.operator === 'EXISTS' ? undefined : c.value))).toEqual([
      { kind: 'integer', value: -5, raw: '-5' },
      { kind: 'integer', value: 7, raw: '+7' },
      { kind: 'float', value: -0.5, raw: '-.5' },
      { kind: 'binary', value: 'AAA=', raw: "b'AAA='" },
      { kind: 'hex', value: '0aFF', raw: "h'0aFF'" },
    ]);
    expect(values.map((c) => [c.operator, c.operator === 'EXISTS' || c.operator === 'IN' ? undefined : c.operatorSpelling]))
      .toEqual([['=', undefined], ['=', '=='], ['!=', '<>'], ['=', undefined], ['!=', undefined]]);
  });

  it('whitespace (incl. Unicode spaces) and comments are skipped', () => {
    expect(parsePattern("/*c*/\u3000[ a : b\n=\t'x' ]\u00a0// end")).toEqual(parsePattern("[a:b = 'x']"));
  });
});

describe('formatPattern / formatObjectPath', () => {
  it.each([
    ["( [a:b=1] AND [a:b=2] ) WITHIN 5 SECONDS", '([a:b = 1] AND [a:b = 2]) WITHIN 5 SECONDS'],
    ['[a:b=1] AND ([a:b=2] OR [a:b=3])', '[a:b = 1] AND ([a:b = 2] OR [a:b = 3])'],
    ['([a:b=1] AND [a:b=2]) OR [a:b=3]', '[a:b = 1] AND [a:b = 2] OR [a:b = 3]'],
    ['[a:b=1] OR ([a:b=2] OR [a:b=3])', '[a:b = 1] OR ([a:b = 2] OR [a:b = 3])'],
    ['[(a:b=1 OR a:b=2) AND NOT EXISTS a:c]', '[(a:b = 1 OR a:b = 2) AND NOT EXISTS a:c]'],
    ["[a:b NOT IN('x',1)] REPEATS +2 TIMES START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.5Z'",
      "[a:b NOT IN ('x', 1)] REPEATS 2 TIMES START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.5Z'"],
    ["[a:b == 'x' AND a:c<>1]", "[a:b == 'x' AND a:c <> 1]"],
  ])('%s -> %s', (input, expected) => {
    expect(formatPattern(parsePattern(input))).toBe(expected);
  });

  it('writes numbers without exponents', () => {
    const pattern: Pattern = {
      kind: 'qualified',
      qualifier: { kind: 'within', seconds: 1e-7 },
      expression: { kind: 'qualified', qualifier: { kind: 'repeats', times: 1e21 }, expression: parsePattern('[a:b = 1]') },
    };
    expect(formatPattern(pattern)).toBe('[a:b = 1] REPEATS 1000000000000000000000 TIMES WITHIN 0.0000001 SECONDS');
  });

  it('quotes keys that were quoted or cannot be bare', () => {
    expect(formatObjectPath(p("file:hashes.'SHA-256'"))).toBe("file:hashes.'SHA-256'");
    expect(formatObjectPath(p("x:'simple'.a[*][-1]"))).toBe("x:'simple'.a[*][-1]");
    const built: ObjectPath = { objectType: 'x', components: [
      { kind: 'key', name: "it's", quoted: false }, { kind: 'key', name: 'AND', quoted: false }, { kind: 'key', name: 'ok', quoted: false },
    ] };
    expect(formatObjectPath(built)).toBe("x:'it\\'s'.'AND'.ok");
    expect(parsePattern(`[${formatObjectPath(built)} = 1]`)).toMatchObject({ expression: { path: { components: [
      { name: "it's" }, { name: 'AND' }, { name: 'ok' },
    ] } } });
  });
});

describe('large inputs', () => {
  it('handles long operator chains without recursion limits', () => {
    const ips = Array.from({ length: 20000 }, (_, i) => `ipv4-addr:value = '10.${i >> 8}.${i & 255}.1'`);
    const text = `[${ips.join(' OR ')}] REPEATS 2 TIMES`.replace('] REPEATS', ']' + ' WITHIN 1 SECONDS'.repeat(5000) + ' REPEATS');
    const ast = parsePattern(text);
    expect(comparisons(ast)).toHaveLength(20000);
    expect(comparisons(ast)[19999].operator).toBe('=');
    expect(formatPattern(ast)).toBe(text);
  });

  it('limits nesting depth with a syntax error instead of a stack overflow', () => {
    expect(validatePattern(`${'('.repeat(200)}[a:b = 1]${')'.repeat(200)}`)).toBeUndefined();
    const error = validatePattern(`${'('.repeat(100000)}[a:b = 1]${')'.repeat(100000)}`);
    expect(error).toBeInstanceOf(PatternSyntaxError);
    expect(error?.position).toBe(256);
    expect(error?.message).toBe('nesting deeper than 256 levels at position 256');
    expect(validatePattern(`[${'('.repeat(300)}a:b = 1${')'.repeat(300)}]`)?.position).toBe(256);
  });
});

describe('syntax errors', () => {
  it.each([
    ["[ipv4-addr:value = '6.6.6.6'", 28, "expected ']' at position 28, found end of input"],
    ["[file:name 'x']", 11, "expected a comparison operator at position 11, found string 'x'"],
    ["[x:created = t'2024-13-01T12:00:00Z']", 13, 'invalid timestamp literal'],
    ["[x:created = t'2024-01-15T12:30:45']", 13, 'invalid timestamp literal'],
    ["[x_whatever:detected == t'2457-73-22T32:81:84.1Z']", 24, 'invalid timestamp literal'],
    ["[file:name = 'abc]", 13, 'unterminated string literal at position 13'],
    ["[file:name = 'abc'] garbage", 20, "expected AND, OR, FOLLOWEDBY, a qualifier or end of input at position 20, found 'garbage'"],
    ["[ipv4-addr:value = '6.6.6.6' and domain-name:value = 'x']", 29, "expected ']' at position 29, found 'and' (keywords are case-sensitive: write 'AND')"],
    ['[foo:bar=1] within 2 seconds', 12, "found 'within'"],
    ['[]', 1, "expected an object path, '(' or EXISTS at position 1, found ']'"],
    ['file:size = 1280', 0, "expected '[' or '(' at position 0, found 'file'"],
    ['[file:size = ]', 13, "expected a constant at position 13, found ']'"],
    ['[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]', 19, 'expected a constant at position 19'],
    ['[file.size = 1280]', 5, "expected ':' at position 5, found '.'"],
    [String.raw`[file:name MATCHES /.*\.dll/]`, 19, "unexpected character '/' at position 19"],
    ["[k:key = 'x'] WITHIN ]", 21, 'expected a non-negative number of seconds at position 21'],
    ["[k:key = 'x'] WITHIN 5 HOURS", 23, "expected SECONDS at position 23, found 'HOURS'"],
    ["[k:key = 'x'] WITHIN -5 SECONDS", 21, 'found integer -5'],
    ['[a:b = 1] REPEATS 2.5 TIMES', 18, 'expected a non-negative integer at position 18, found float 2.5'],
    ["[a:b = 1] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 16, "expected a timestamp t'…' at position 16"],
    ['[network-traffic:dst_ref.value ISSUBSET ]', 40, 'expected a string constant at position 40'],
    ["[file:hashes.MD5 =? 'cead']", 18, "unexpected character '?'"],
    ["[artifact:payload_bin = b'====']", 24, 'invalid binary literal'],
    ["[a:b = h'abc']", 7, 'invalid hex literal'],
    ["[file:hashes.SHA-256 = 'x']", 13, "property names containing '-' must be quoted"],
    [String.raw`[file:name = 'a\x']`, 15, String.raw`invalid escape sequence '\x' at position 15`],
    ['[file:size = 007]', 13, 'leading zeros are not allowed'],
    ['[ipv4-addr:value = 6.6.6.6]', 22, "expected ']' at position 22, found float .6"],
    ["[ipv4-addr:value = '6.6.6.6'] AND", 33, "expected '[' or '(' at position 33, found end of input"],
    ['([a:b = 1]', 10, "expected ')' at position 10"],
    ['[a:b > true]', 7, 'expected an orderable constant (not a boolean)'],
    ['[a:b LIKE 5]', 10, 'expected a string constant at position 10, found integer 5'],
    ["[a:b IN ('x' 'y')]", 13, "expected ',' or ')' at position 13"],
    ['[a:b[x] = 1]', 5, "expected a list index (integer or '*')"],
    ['[NOT a:b = 1]', 5, 'expected EXISTS at position 5'],
    ['[a:b NOT EXISTS]', 9, 'expected a comparison operator after NOT'],
    ['[a:b = 1] /* open', 10, 'unterminated comment'],
    ['[a:LAST = 1]', 3, "expected a property name at position 3, found 'LAST'"],
    ['[a:b = 1] [c:d = 2]', 10, "found '['"],
    ['[a:b = True]', 7, "expected a constant at position 7, found 'True'"],
    ["[a:b = b'']", 7, 'invalid binary literal'],
  ])('%s -> position %d', (text, position, message) => {
    const error = validatePattern(text);
    expect(error).toBeInstanceOf(PatternSyntaxError);
    expect(error?.position).toBe(position);
    expect(error?.message).toContain(message);
    expect(() => parsePattern(text)).toThrow(PatternSyntaxError);
  });

  it('rejects non-string input with a PatternSyntaxError', () => {
    // Deliberately bypass the type to mimic untyped JSON input.
    const error = validatePattern(42 as unknown as string);
    expect(error).toBeInstanceOf(PatternSyntaxError);
    expect(error?.position).toBe(0);
  });
});
