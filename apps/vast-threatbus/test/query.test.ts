/** Beyond the original: compound patterns, strict point IoCs, escapes, shell-like splitting, lenient timestamps. */
import { createIndicator } from 'threatbus';
import { indicatorToMatcherIocs, indicatorToQueryResult, shlexSplit, templateCommand, toStixTimestamp } from '../src';

const q = (pattern: string) => indicatorToQueryResult(createIndicator({ pattern, pattern_type: 'stix' }));

test.each([
  ["[ipv4-addr:value = '6.6.6.6' OR ipv4-addr:value = '7.7.7.7']", '6.6.6.6 || 7.7.7.7'],
  ["[ipv4-addr:value = '6.6.6.6'] OR [url:value = 'http://a/']", '6.6.6.6 || "http://a/" == net.uri'],
  ["[ipv4-addr:value = '6.6.6.6' AND domain-name:value = 'a.b']", '6.6.6.6 && ("a.b" == net.domain || "a.b" == net.hostname)'],
  ["[(ipv4-addr:value = '1.1.1.1' OR ipv4-addr:value = '2.2.2.2') AND url:value = 'u']", '(1.1.1.1 || 2.2.2.2) && "u" == net.uri'],
  ["[ipv6-addr:value IN ('::1', 'fe80::/10')]", '::1 || fe80::/10'],
  ["[domain-name:value = 'it\\'s']", '"it\'s" == net.domain || "it\'s" == net.hostname'],
  ["[url:value = 'a\\\\b\"c']", '"a\\\\b\\"c" == net.uri'],
])('%s → %s', (pattern, query) => {
  expect(q(pattern)).toMatchObject({ query });
});

test.each([
  ["[ipv4-addr:value = '6.6.6.6'] AND [ipv4-addr:value = '7.7.7.7']", /AND spans several events/],
  ["[ipv4-addr:value = '6.6.6.6'] FOLLOWEDBY [ipv4-addr:value = '7.7.7.7']", /FOLLOWEDBY/],
  ["[ipv4-addr:value = '6.6.6.6'] WITHIN 5 SECONDS", /WITHIN/],
  ["[ipv4-addr:value != '6.6.6.6']", /operator != .*not supported/],
  ["[ipv4-addr:value NOT = '6.6.6.6']", /negated/],
  ["[ipv4-addr:value = '6.6.6.6' OR file:name = 'x']", /file:name' has no VAST mapping/],
  ["[file:hashes.'SHA-256' = 'aa']", /has no VAST mapping/],
  ["[ipv4-addr:value = '6.6.6.6 || 1 == 1']", /not an IPv4 address/],
  ["[ipv6-addr:value = 'x y']", /not an IPv6 address/],
  ["[ipv4-addr:value LIKE '6.6.%']", /operator LIKE/],
])('%s is skipped (%s)', (pattern, why) => {
  const r = q(pattern);
  expect('skipped' in r && r.skipped).toMatch(why);
});

test('matcher IoCs: one per value of a disjunction, none for conjunctions', () => {
  const or = createIndicator({ pattern: "[ipv4-addr:value = '6.6.6.6'] OR [domain-name:value = 'e\\'vil']", pattern_type: 'stix' });
  expect(indicatorToMatcherIocs(or)).toEqual([
    { type: 'ip', value: '6.6.6.6', reference: `threatbus__${or.id}` },
    { type: 'domain', value: "e'vil", reference: `threatbus__${or.id}` },
  ]);
  const and = createIndicator({ pattern: "[ipv4-addr:value = '6.6.6.6' AND domain-name:value = 'x']", pattern_type: 'stix' });
  expect(indicatorToMatcherIocs(and)).toBeNull();
});

test('shlex: quotes, escapes, errors', () => {
  expect(shlexSplit(`fever alertify --alert-prefix 'MY PREFIX' --extra-key my-ioc --ioc %ioc`)).toEqual([
    'fever', 'alertify', '--alert-prefix', 'MY PREFIX', '--extra-key', 'my-ioc', '--ioc', '%ioc',
  ]);
  expect(shlexSplit(`a "b \\"c\\" \\x" c\\ d '' e`)).toEqual(['a', 'b "c" \\x', 'c d', '', 'e']);
  expect(() => shlexSplit(`a 'b`)).toThrow('No closing quotation');
});

test('placeholders are substituted after splitting: an IoC with spaces stays one argument (quirk F9 fixed)', () => {
  expect(templateCommand("cmd --ioc %ioc --t=%matchtype '%ioc x'", "a b' c", 'LIVE')).toEqual({
    file: 'cmd',
    args: ['--ioc', "a b' c", '--t=LIVE', "a b' c x"],
  });
  expect(templateCommand('cmd %matchtype', undefined, undefined).args).toEqual(['%matchtype']);
});

test.each([
  ['2021-05-04 15:15:58.919000+00:00', '2021-05-04T15:15:58.919Z'],
  ['2021-05-04T15:15:58', '2021-05-04T15:15:58Z'],
  ['2017-03-03T23:56:09.652643840', '2017-03-03T23:56:09.652643Z'],
  ['2021-05-04T17:15:58.5+02:00', '2021-05-04T15:15:58.5Z'],
  ['2021-05-04T10:15:58-0500', '2021-05-04T15:15:58Z'],
  ['2021-05-04', '2021-05-04T00:00:00Z'],
  [1620141358.5, '2021-05-04T15:15:58.5Z'],
])('timestamp %p → %s', (input, out) => {
  expect(toStixTimestamp(input)).toBe(out);
});

test.each([['2021-13-01T00:00:00'], ['2021-02-30'], ['yesterday'], [null], [{}]])('timestamp %p is refused', (input) => {
  expect(toStixTimestamp(input)).toBeUndefined();
});
