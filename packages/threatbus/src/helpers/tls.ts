/**
 * The `ssl` key of plugins that call an HTTPS peer (MISP, OpenCTI), read as
 * the original Threat Bus reads it: `true` verifies the certificate against
 * the system's CAs, `false` does not verify it, a string is the path of a
 * CA bundle (PEM) to verify against.
 */
import { readFileSync } from 'node:fs';
import type { PluginConfigProblem } from '../plugin';

export type SslSetting = boolean | string;

/** What `https.request` / `https.Agent` take for an `ssl` setting. */
export interface TlsClientOptions {
  rejectUnauthorized: boolean;
  ca?: Buffer;
}

/** The CA bundle at `path`; the error says which file and why it cannot be read. */
export function readCaBundle(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the CA bundle '${path}': ${(e as Error).message}`);
  }
}

/**
 * TLS options for `ssl`; the CA bundle is read now (once, not per request).
 * An unreadable bundle throws with `configKey` (e.g. `plugins.apps.misp.api.ssl`) in front.
 */
export function tlsOptionsFromSsl(ssl: SslSetting, configKey: string): TlsClientOptions {
  if (typeof ssl !== 'string') return { rejectUnauthorized: ssl !== false };
  try {
    return { rejectUnauthorized: true, ca: readCaBundle(ssl) };
  } catch (e) {
    throw new Error(`${configKey}: ${(e as Error).message}`);
  }
}

/**
 * For a plugin's `validate` hook: an `ssl` naming a CA bundle that cannot be
 * read, reported at `path` (the key within the plugin's section). Over plain
 * http `ssl` is unused and not checked.
 */
export function caBundleProblems(url: string, ssl: SslSetting | undefined, path: string): PluginConfigProblem[] {
  if (typeof ssl !== 'string' || !/^https:/i.test(url)) return [];
  try {
    readCaBundle(ssl);
    return [];
  } catch (e) {
    return [{ path, message: (e as Error).message }];
  }
}
