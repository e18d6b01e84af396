/**
 * Masking of secrets for `--print-config` and log lines. A key is secret when
 * its name contains key, pem, password/passwd/passphrase, secret, token or
 * credential (any case, anywhere in the name), at any depth, including inside
 * pass-through maps such as `kafka.config` (`ssl.key.pem`, `sasl.password`).
 * Everything under a secret key is masked, whatever its shape. This masks
 * some harmless values too (`key_file`, a path): printing a secret is worse.
 */

const SECRET_KEY = /key|pem|pass(word|wd|phrase)|secret|token|credential|^auth/i;
export const MASK = '********';

/** Whether a config or log key names a secret. */
export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name);
}

/** `value` (a secret's value) with every scalar replaced by the mask (null stays null: "not set" is no secret). */
export function maskAll(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(maskAll);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return MASK;
}

/** A deep copy of `value` with secret-looking keys (and the dotted `extra` paths) masked. */
export function maskSecrets(value: unknown, extra: ReadonlySet<string> = new Set(), path: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, extra, [...path, String(i)]));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const here = [...path, k];
    out[k] = isSecretKey(k) || extra.has(here.join('.')) ? maskAll(v) : maskSecrets(v, extra, here);
  }
  return out;
}
