/**
 * STIX Indicator → `<namespace>::intel` event (spec/zeek.md §6).
 *
 * The event has one argument, the record `Intelligence`
 * `[ts: time, id: string, intel_type: string, indicator: string, operation: string]`
 * (a Zeek record travels as a vector of its fields).
 *
 * Changes from the original, all from spec/quirks.md:
 * - A15: only a pattern that is exactly one `=` comparison is a point IoC,
 *   and its constant is decoded; `[a:b = 'x' OR a:b = 'y']` is skipped
 *   instead of becoming the IoC `x' OR a:b = 'y`.
 * - E3: a URL without a scheme is left alone; the original removed the
 *   first `://` anywhere (`evil.com/redirect?u=http://x` → `…u=httpx`).
 * - E4: STIX's own `user-account:user_id` / `user-account:account_login`
 *   map to USER_NAME too (the original knew only the non-standard `user:`);
 *   SUBNET requires `address/prefix-length`, not just any `/`.
 */
import { isIP } from 'node:net';
import { pointIoc, Operation } from 'threatbus';
import type { Indicator } from 'threatbus';
import { B } from './broker-data';
import { stixToBrokerTimestamp } from './broker-time';
import type { ZeekEvent } from './messages';

/** Zeek `Intel::Type` names (without the `Intel::` prefix) the script knows. */
export type IntelType =
  | 'ADDR' | 'SUBNET' | 'URL' | 'SOFTWARE' | 'EMAIL' | 'DOMAIN' | 'USER_NAME'
  | 'CERT_HASH' | 'PUBKEY_HASH' | 'FILE_NAME' | 'FILE_HASH';

/** STIX object path (canonical, as `pointIoc` formats it) → Zeek intel type. */
export const STIX_PATH_TO_INTEL_TYPE: Readonly<Record<string, IntelType>> = {
  'domain-name:value': 'DOMAIN',
  'email-addr:value': 'EMAIL',
  'file:name': 'FILE_NAME',
  'file:hashes.MD5': 'FILE_HASH',
  "file:hashes.'SHA-1'": 'FILE_HASH',
  "file:hashes.'SHA-256'": 'FILE_HASH',
  "file:hashes.'SHA-512'": 'FILE_HASH',
  "file:hashes.'SHA3-256'": 'FILE_HASH',
  "file:hashes.'SHA3-512'": 'FILE_HASH',
  'file:hashes.SSDEEP': 'FILE_HASH',
  'file:hashes.TLSH': 'FILE_HASH',
  'ipv4-addr:value': 'ADDR',
  'ipv6-addr:value': 'ADDR',
  'software:name': 'SOFTWARE',
  'url:value': 'URL',
  'user:user_id': 'USER_NAME',
  'user:account_login': 'USER_NAME',
  'user-account:user_id': 'USER_NAME',
  'user-account:account_login': 'USER_NAME',
  // Zeek matches CERT_HASH against the certificate's SHA-1 fingerprint only.
  "x509-certificate:hashes.'SHA-1'": 'CERT_HASH',
};

export interface IntelItem {
  /** Indicator `created`, nanoseconds since the epoch. */
  ts: bigint;
  id: string;
  intelType: IntelType;
  indicator: string;
  operation: 'ADD' | 'REMOVE';
}

/** Either the item, or why the indicator cannot go to Zeek (for a debug line). */
export type IntelMappingResult = { ok: true; item: IntelItem } | { ok: false; reason: string };

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * What Zeek's URL intel matches against: the URL without `scheme://`. As the
 * original (Python's urlsplit/urlunsplit), an empty query or fragment marker
 * is dropped; host case is kept.
 */
export function zeekUrl(value: string): string {
  let url = value.replace(SCHEME_RE, '');
  if (url.endsWith('#')) url = url.slice(0, -1);
  if (url.endsWith('?')) url = url.slice(0, -1);
  return url;
}

function isSubnet(value: string): boolean {
  const slash = value.lastIndexOf('/');
  return slash > 0 && isIP(value.slice(0, slash)) !== 0 && /^\d{1,3}$/.test(value.slice(slash + 1));
}

export function indicatorToIntelItem(value: unknown): IntelMappingResult {
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'indicator') {
    return { ok: false, reason: 'not a STIX-2 Indicator' };
  }
  const indicator = value as Indicator;
  if (indicator.pattern_type !== 'stix') return { ok: false, reason: `pattern_type '${indicator.pattern_type}' is not stix` };
  const ioc = pointIoc(indicator.pattern);
  if (!ioc) return { ok: false, reason: 'Zeek only supports point IoCs (one = comparison)' };
  const intelType = STIX_PATH_TO_INTEL_TYPE[ioc.objectPath];
  if (!intelType) return { ok: false, reason: `no Zeek intel type for STIX object path '${ioc.objectPath}'` };
  if (typeof ioc.value !== 'string') return { ok: false, reason: `the value of '${ioc.objectPath}' is not a string` };
  let indicatorValue = ioc.value;
  let type = intelType;
  if (type === 'URL') indicatorValue = zeekUrl(indicatorValue);
  if (type === 'ADDR' && isSubnet(indicatorValue)) type = 'SUBNET';
  let ts: bigint;
  try {
    ts = stixToBrokerTimestamp(indicator.created);
  } catch {
    return { ok: false, reason: `created is not a timestamp: ${JSON.stringify(indicator.created)}` };
  }
  return {
    ok: true,
    item: {
      ts,
      id: indicator.id,
      intelType: type,
      indicator: indicatorValue,
      operation: indicator.x_threatbus_update === Operation.REMOVE ? 'REMOVE' : 'ADD',
    },
  };
}

export function intelEventName(namespace: string): string {
  return namespace ? `${namespace}::intel` : 'intel';
}

export function intelItemToEvent(item: IntelItem, namespace: string): ZeekEvent {
  return {
    name: intelEventName(namespace),
    args: [B.vector([B.timestamp(item.ts), B.string(item.id), B.string(item.intelType), B.string(item.indicator), B.string(item.operation)])],
  };
}
