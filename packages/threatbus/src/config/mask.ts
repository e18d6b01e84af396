/** Masking of secrets for `--print-config` and log lines. */

const SECRET_KEY = /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credentials?|^key$|^auth)/i;
export const MASK = '********';

/** A deep copy of `value` with secret-looking keys (and the dotted `extra` paths) masked. */
export function maskSecrets(value: unknown, extra: ReadonlySet<string> = new Set(), path: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, extra, [...path, String(i)]));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const here = [...path, k];
    const secret = (SECRET_KEY.test(k) || extra.has(here.join('.'))) && v !== null && v !== undefined && typeof v !== 'object';
    out[k] = secret ? MASK : maskSecrets(v, extra, here);
  }
  return out;
}
