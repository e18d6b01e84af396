/**
 * MISP attribute type → STIX 2.1 pattern. One rule per type; the README's
 * type table is generated from these rules (`typeTable()`), so what the
 * docs say is what the code does.
 *
 * `since` says where a mapping comes from: `original` = as the Python
 * plugin mapped it (spec/vectors/misp-attribute-type-map.json), `fixed` = the
 * original's mapping with a bug fixed, `added` = new here.
 */
import { isIPv6 } from 'node:net';
import { validatePattern } from 'threatbus';
import { MispMappingError } from './errors';
import type { Comparison, PatternSpec } from './pattern';

export type TypeRule =
  | { mapped: true; since: 'original' | 'fixed' | 'added'; sample: string; build(value: string): PatternSpec; note?: string }
  | { mapped: false; reason: string };

const one = (object: string, ...path: string[]) => (value: string | number): Comparison => ({ object, path, value });

/** A rule whose pattern is a single comparison on the whole value. */
function simple(since: 'original' | 'added', sample: string, object: string, path: string[], check?: (v: string) => void, note?: string): TypeRule {
  return {
    mapped: true,
    since,
    sample,
    note,
    build: (v) => {
      check?.(v);
      return [[one(object, ...path)(v)]];
    },
  };
}

const skip = (reason: string): TypeRule => ({ mapped: false, reason });

// ------------------------------------------------------------ value checks

function hexCheck(name: string, length: number): (v: string) => void {
  const re = new RegExp(`^[0-9a-fA-F]{${length}}$`);
  return (v) => {
    if (!re.test(v)) throw new MispMappingError(`'${v}' is not a valid ${name} hash (${length} hex digits expected)`);
  };
}

/** Python's int(): optional sign, digits, surrounding blanks (spec/misp.md §6.4, `AS`). */
function integer(v: string, what: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new MispMappingError(`'${v}' is not an integer ${what}`);
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n)) throw new MispMappingError(`'${v}' is out of range for ${what}`);
  return n;
}

function port(v: string): number {
  const n = integer(v, 'port');
  if (n < 0 || n > 65535) throw new MispMappingError(`port ${n} is out of range 0-65535`);
  return n;
}

/** IPv6 addresses (optionally with a /prefix) become ipv6-addr; anything else stays ipv4-addr, unvalidated as the original (spec/quirks.md C8 fixed). */
export function ipObjectType(v: string): 'ipv4-addr' | 'ipv6-addr' {
  return isIPv6(v.split('/')[0]) ? 'ipv6-addr' : 'ipv4-addr';
}

const ipComparison = (v: string): Comparison => ({ object: ipObjectType(v), path: ['value'], value: v });

// ------------------------------------------------------------ hashes

/** MISP hash type → STIX hashes key and hex length (undefined: not validated). */
const FILE_HASHES: Record<string, { key: string; hex?: number; note?: string }> = {
  md5: { key: 'MD5', hex: 32 },
  sha1: { key: 'SHA-1', hex: 40 },
  sha224: { key: 'SHA-224', hex: 56, note: "STIX 2.0 hash name; STIX 2.1's vocabulary has no SHA-224" },
  sha256: { key: 'SHA-256', hex: 64 },
  sha384: { key: 'SHA-384', hex: 96, note: "STIX 2.0 hash name; STIX 2.1's vocabulary has no SHA-384" },
  sha512: { key: 'SHA-512', hex: 128 },
  'sha3-224': { key: 'SHA3-224', hex: 56, note: "STIX 2.0 hash name; STIX 2.1's vocabulary has no SHA3-224" },
  'sha3-256': { key: 'SHA3-256', hex: 64 },
  'sha3-384': { key: 'SHA3-384', hex: 96, note: "STIX 2.0 hash name; STIX 2.1's vocabulary has no SHA3-384" },
  'sha3-512': { key: 'SHA3-512', hex: 128 },
  ssdeep: { key: 'SSDEEP' },
  tlsh: { key: 'TLSH' },
};

const HASH_SAMPLES: Record<number, string> = {
  32: 'd41d8cd98f00b204e9800998ecf8427e',
  40: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  56: 'd14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f',
  64: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  96: '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b',
  128: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
};

function hashComparison(mispHash: string, v: string): Comparison {
  if (mispHash === 'imphash') {
    hexCheck('imphash', 32)(v);
    return one('file', 'extensions', 'windows-pebinary-ext', 'imphash')(v);
  }
  const h = FILE_HASHES[mispHash];
  if (h.hex !== undefined) hexCheck(mispHash, h.hex)(v);
  return one('file', 'hashes', h.key)(v);
}

function hashSample(mispHash: string): string {
  if (mispHash === 'imphash') return HASH_SAMPLES[32];
  const h = FILE_HASHES[mispHash];
  if (h.hex !== undefined) return HASH_SAMPLES[h.hex];
  return mispHash === 'ssdeep' ? '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C' : 'T1A4E0ECD8D1A9A5AE8E49B26E7AD8C2EE4A4C3A17F2A9F6F6C1B4A31F8B1D49D0A0A4C7';
}

// ------------------------------------------------------------ composites

/** Split a composite value at every `|`; a missing part is an error, surplus parts are ignored (as the original). */
export function splitComposite(type: string, value: string): string[] {
  const n = type.split('|').length;
  const parts = value.split('|');
  if (parts.length < n) throw new MispMappingError(`value '${value}' of composite type '${type}' has ${parts.length} part(s), expected ${n}`);
  return parts.slice(0, n);
}

function composite(since: 'original' | 'fixed' | 'added', sample: string, build: (parts: string[]) => PatternSpec, type: string, note?: string): TypeRule {
  return { mapped: true, since, sample, note, build: (v) => build(splitComposite(type, v)) };
}

// ------------------------------------------------------------ the table

const NOT_OBSERVABLE = 'describes a person, organisation, campaign or case, not something a sensor observes';
const OTHER_LANGUAGE = 'a detection rule in another language; Threat Bus carries STIX patterns only';
const FREE_TEXT = 'free text or context, not an indicator';
const NO_STIX = 'STIX 2.1 has no cyber-observable property for it';
const NO_HASH_NAME = "STIX has no name for this hash algorithm (not in hash-algorithm-ov)";
const REGISTRATION = "describes a domain's registration, not observable traffic";

const X509 = (key: string, hex: number, sample: string): TypeRule =>
  simple('original', sample, 'x509-certificate', ['hashes', key], hexCheck(key, hex));

const RULES: Record<string, TypeRule> = {
  // --- as the original (spec/misp.md §6.4)
  ip: { mapped: true, since: 'fixed', sample: '2001:db8::1', build: (v) => [[ipComparison(v)]], note: 'IPv6 values become ipv6-addr (the original wrote ipv4-addr)' },
  'ip-src': { mapped: true, since: 'fixed', sample: '198.51.100.7', build: (v) => [[ipComparison(v)]], note: 'IPv6 values become ipv6-addr (the original wrote ipv4-addr)' },
  'ip-dst': { mapped: true, since: 'fixed', sample: '198.51.100.7', build: (v) => [[ipComparison(v)]], note: 'IPv6 values become ipv6-addr (the original wrote ipv4-addr)' },
  hostname: simple('original', 'www.example.com', 'domain-name', ['value']),
  domain: simple('original', 'example.com', 'domain-name', ['value']),
  'mac-address': simple('original', '00:e0:f0:a0:a1:a2', 'mac-addr', ['value']),
  'mac-eui-64': simple('original', '00:e0:f0:ff:fe:a0:a1:a2', 'mac-addr', ['value']),
  email: simple('original', 'foo@example.com', 'email-addr', ['value']),
  'email-src': simple('original', 'foo@example.com', 'email-addr', ['value']),
  'email-dst': simple('original', 'foo@example.com', 'email-addr', ['value']),
  eppn: simple('original', 'foo@example.com', 'email-addr', ['value']),
  url: simple('original', 'https://example.com/a?b=c', 'url', ['value']),
  uri: simple('original', '/foo/bar', 'url', ['value']),
  AS: { mapped: true, since: 'original', sample: '64496', build: (v) => [[one('autonomous-system', 'number')(integer(v, 'AS number'))]] },
  'x509-fingerprint-md5': X509('MD5', 32, HASH_SAMPLES[32]),
  'x509-fingerprint-sha1': X509('SHA-1', 40, HASH_SAMPLES[40]),
  'x509-fingerprint-sha256': X509('SHA-256', 64, HASH_SAMPLES[64]),
  'domain|ip': composite('fixed', 'example.com|2001:db8::1', ([d, ip]) => [[one('domain-name', 'value')(d)], [ipComparison(ip)]], 'domain|ip', 'two observations, as the original; IPv6 becomes ipv6-addr'),
  // stix2-pattern is handled in buildPattern(); listed here for the table.
  'stix2-pattern': { mapped: true, since: 'original', sample: "[ipv4-addr:value = '198.51.100.7']", build: () => [], note: 'the value itself, brackets added when missing; must be a valid STIX 2.1 pattern' },

  // --- added: network
  'ip-src|port': composite('added', '198.51.100.7|4444', ([ip, p]) => [[one('network-traffic', 'src_ref', 'value')(ip), one('network-traffic', 'src_port')(port(p))]], 'ip-src|port'),
  'ip-dst|port': composite('added', '198.51.100.7|443', ([ip, p]) => [[one('network-traffic', 'dst_ref', 'value')(ip), one('network-traffic', 'dst_port')(port(p))]], 'ip-dst|port'),
  'hostname|port': composite('added', 'www.example.com|8080', ([h, p]) => [[one('network-traffic', 'dst_ref', 'value')(h), one('network-traffic', 'dst_port')(port(p))]], 'hostname|port'),
  'user-agent': simple('added', 'Mozilla/5.0 (evil)', 'network-traffic', ['extensions', 'http-request-ext', 'request_header', 'User-Agent']),

  // --- added: files
  filename: simple('added', 'invoice.exe', 'file', ['name']),
  imphash: { mapped: true, since: 'added', sample: HASH_SAMPLES[32], build: (v) => [[hashComparison('imphash', v)]] },
  'malware-sample': composite('added', `invoice.exe|${HASH_SAMPLES[32]}`, ([f, h]) => [[one('file', 'name')(f), hashComparison('md5', h)]], 'filename|md5', 'MISP sends `<filename>|<md5>`'),

  // --- added: e-mail
  'email-subject': simple('added', 'Your invoice', 'email-message', ['subject']),
  'email-body': simple('added', 'Please open the attachment', 'email-message', ['body']),
  'email-attachment': simple('added', 'invoice.pdf.exe', 'email-message', ['body_multipart', '*', 'body_raw_ref', 'name']),
  'email-message-id': simple('added', '<1234@mail.example.com>', 'email-message', ['message_id']),
  'email-reply-to': simple('added', 'reply@example.com', 'email-message', ['additional_header_fields', 'Reply-To']),
  'email-x-mailer': simple('added', 'EvilMailer 1.0', 'email-message', ['additional_header_fields', 'X-Mailer']),
  'email-src-display-name': simple('added', 'Accounting', 'email-message', ['from_ref', 'display_name']),
  'email-dst-display-name': simple('added', 'Accounting', 'email-message', ['to_refs', '*', 'display_name']),

  // --- added: host
  mutex: simple('added', 'Global\\evil', 'mutex', ['name']),
  regkey: simple('added', 'HKLM\\Software\\Evil', 'windows-registry-key', ['key']),
  'regkey|value': composite('added', 'HKLM\\Software\\Evil|payload', ([k, v]) => [[one('windows-registry-key', 'key')(k), one('windows-registry-key', 'values', '*', 'data')(v)]], 'regkey|value'),
  'windows-service-name': simple('added', 'evilsvc', 'process', ['extensions', 'windows-service-ext', 'service_name']),
  'windows-service-displayname': simple('added', 'Evil Service', 'process', ['extensions', 'windows-service-ext', 'display_name']),
  cpe: simple('added', 'cpe:2.3:a:example:app:1.0:*:*:*:*:*:*:*', 'software', ['cpe']),

  // --- explicitly not mapped by the original, and still not
  port: skip('a port alone is no indicator (matches all traffic to it, direction unknown); use ip-dst|port'),
  'http-method': skip('an HTTP method alone is no indicator'),
  snort: skip(OTHER_LANGUAGE),
  bro: skip(OTHER_LANGUAGE),
  zeek: skip(OTHER_LANGUAGE),
  yara: skip(OTHER_LANGUAGE),
  sigma: skip(OTHER_LANGUAGE),
  gene: skip(OTHER_LANGUAGE),
  'kusto-query': skip(OTHER_LANGUAGE),
  'pattern-in-file': skip('a byte/regex pattern, not expressible as a STIX comparison'),
  'pattern-in-traffic': skip('a byte/regex pattern, not expressible as a STIX comparison'),
  'pattern-in-memory': skip('a byte/regex pattern, not expressible as a STIX comparison'),
  'pattern-filename': skip('a regex pattern, not expressible as a STIX comparison'),
  'filename-pattern': skip('a regex pattern, not expressible as a STIX comparison'),
  attachment: skip('a file content, not an indicator value'),
  comment: skip(FREE_TEXT),
  text: skip(FREE_TEXT),
  other: skip(FREE_TEXT),
  hex: skip(FREE_TEXT),
  cookie: skip(NO_STIX),
  'ja3-fingerprint-md5': skip(NO_STIX + ' (TLS client fingerprint)'),
  'jarm-fingerprint': skip(NO_STIX + ' (TLS server fingerprint)'),
  'hassh-md5': skip(NO_STIX + ' (SSH client fingerprint)'),
  'hasshserver-md5': skip(NO_STIX + ' (SSH server fingerprint)'),
  'community-id': skip(NO_STIX + ' (flow hash)'),
  'favicon-mmh3': skip(NO_STIX),
  btc: skip(NO_STIX + ' (no cryptocurrency-wallet object in 2.1)'),
  xmr: skip(NO_STIX + ' (no cryptocurrency-wallet object in 2.1)'),
  dash: skip(NO_STIX + ' (no cryptocurrency-wallet object in 2.1)'),
  'named pipe': skip(NO_STIX),
  pdb: skip(NO_STIX + ' (PE debug path)'),
  'mime-type': skip('too generic to be an indicator'),
  'email-header': skip('a whole header block, not one comparable value'),
  'email-mime-boundary': skip(NO_STIX),
  'email-thread-index': skip(NO_STIX),
  dkim: skip(NO_STIX),
  'dkim-signature': skip(NO_STIX),
  'windows-scheduled-task': skip(NO_STIX),
  'mobile-application-id': skip(NO_STIX),
  'chrome-extension-id': skip(NO_STIX),
  'git-commit-id': skip(NO_STIX),
  'github-username': skip(NO_STIX + ' (user-account has no service to scope it)'),
  'github-repository': skip(NO_STIX),
  'github-organisation': skip(NO_STIX),
  'jabber-id': skip(NO_STIX),
  'twitter-id': skip(NO_STIX),
  'pgp-public-key': skip(NO_STIX),
  'pgp-private-key': skip(NO_STIX),
  'process-state': skip(NO_STIX),
  'size-in-bytes': skip('a size alone is no indicator'),
  counter: skip(FREE_TEXT),
  float: skip(FREE_TEXT),
  boolean: skip(FREE_TEXT),
  datetime: skip(FREE_TEXT),
  link: skip('a reference to external analysis, not an indicator'),
  vulnerability: skip('a vulnerability is a STIX domain object, not a pattern'),
  weakness: skip('a weakness (CWE) is not observable'),
  'malware-type': skip(FREE_TEXT),
  cortex: skip(FREE_TEXT),
  anonymised: skip(FREE_TEXT),
  'dns-soa-email': skip(REGISTRATION),
  'whois-registrant-email': skip(REGISTRATION),
  'whois-registrant-phone': skip(REGISTRATION),
  'whois-registrant-name': skip(REGISTRATION),
  'whois-registrant-org': skip(REGISTRATION),
  'whois-registrar': skip(REGISTRATION),
  'whois-creation-date': skip(REGISTRATION),
  'sha512/224': skip(NO_HASH_NAME),
  'sha512/256': skip(NO_HASH_NAME),
  authentihash: skip(NO_HASH_NAME),
  vhash: skip(NO_HASH_NAME),
  telfhash: skip(NO_HASH_NAME),
  pehash: skip(NO_HASH_NAME),
  impfuzzy: skip(NO_HASH_NAME),
  cdhash: skip(NO_HASH_NAME),
};

for (const hash of Object.keys(FILE_HASHES)) {
  const note = FILE_HASHES[hash].note;
  RULES[hash] = { mapped: true, since: 'added', sample: hashSample(hash), note, build: (v) => [[hashComparison(hash, v)]] };
  RULES[`filename|${hash}`] = composite('added', `invoice.exe|${hashSample(hash)}`, ([f, h]) => [[one('file', 'name')(f), hashComparison(hash, h)]], `filename|${hash}`, note);
}
RULES['filename|imphash'] = composite('added', `invoice.exe|${HASH_SAMPLES[32]}`, ([f, h]) => [[one('file', 'name')(f), hashComparison('imphash', h)]], 'filename|imphash');
for (const t of ['identity-card-number', 'iban', 'bic', 'bank-account-nr', 'aba-rtn', 'bin', 'cc-number', 'prtn', 'phone-number', 'threat-actor', 'campaign-name', 'campaign-id', 'first-name', 'middle-name', 'last-name', 'full-name', 'date-of-birth', 'place-of-birth', 'gender', 'passport-number', 'passport-country', 'passport-expiration', 'redress-number', 'nationality', 'visa-number', 'issue-date-of-the-visa', 'primary-residence', 'country-of-residence', 'special-service-request', 'frequent-flyer-number', 'travel-details', 'payment-details', 'place-port-of-original-embarkation', 'place-port-of-clearance', 'place-port-of-onward-foreign-destination', 'passenger-name-record-locator-number', 'target-user', 'target-email', 'target-machine', 'target-org', 'target-location', 'target-external']) {
  RULES[t] = skip(NOT_OBSERVABLE);
}

/**
 * The rule for a type. Composite types without an explicit rule fall back to
 * the original's behaviour: one observation per part, if every part maps.
 */
export function ruleFor(type: string): TypeRule {
  const rule = Object.prototype.hasOwnProperty.call(RULES, type) ? RULES[type] : undefined;
  if (rule) return rule;
  if (type.includes('|')) {
    const parts = type.split('|');
    const partRules = parts.map((p) => ruleFor(p));
    const bad = parts.find((_, i) => !partRules[i].mapped || parts[i] === 'stix2-pattern');
    if (bad !== undefined) return skip(`part '${bad}' has no mapping`);
    return {
      mapped: true,
      since: 'original',
      sample: parts.map((_, i) => (partRules[i] as { sample: string }).sample).join('|'),
      build: (v) => splitComposite(type, v).flatMap((value, i) => (partRules[i] as { build(v: string): PatternSpec }).build(value)),
    };
  }
  return skip('unknown MISP attribute type');
}

/** Bracket handling of `stix2-pattern` values (spec/misp.md §6.4), then syntax validation. */
export function stix2PatternValue(value: string): string {
  const inner = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const pattern = `[${inner}]`;
  const error = validatePattern(pattern);
  if (error) throw new MispMappingError(`stix2-pattern value is not a valid STIX 2.1 pattern: ${error.message}`);
  return pattern;
}
