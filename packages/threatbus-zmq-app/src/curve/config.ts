/**
 * Config section `plugins.apps.zmq.curve` (docs/security.md): the server's
 * CURVE key and, optionally, the client keys it accepts. Absent: no CURVE,
 * the original's plain sockets.
 */
import type { JsonSchema, PluginConfigProblem } from 'threatbus';
import { isZ85Key } from './keys';

export interface CurveConfig {
  /** The server's Z85 secret key (its public key is derived and logged at start). */
  secret_key?: string;
  /** A file holding it instead (one Z85 line, or a pyzmq certificate); must not be group/world readable. */
  secret_key_file?: string;
  /** Z85 public keys of the clients allowed in. Absent (and no file): any client that knows the server's public key. */
  authorized_keys?: string[];
  /** A file of them, one per line, `#` comments; re-read on SIGHUP. */
  authorized_keys_file?: string;
  /** ZAP domain set on the three sockets. */
  zap_domain: string;
}

/** A Z85 CURVE key (40 characters of the Z85 alphabet), for config schemas of the bus and of clients. */
export const z85KeySchema: JsonSchema = { type: 'string', pattern: '^[0-9a-zA-Z.\\-:+=^!/*?&<>()\\[\\]{}@%$#]{40}$' };
const z85Key = z85KeySchema;

export const curveConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    secret_key: z85Key,
    secret_key_file: { type: 'string', minLength: 1 },
    authorized_keys: { type: 'array', items: z85Key },
    authorized_keys_file: { type: 'string', minLength: 1 },
    zap_domain: { type: 'string', minLength: 1, maxLength: 254, default: 'threatbus' },
  },
};

/** Rules a JSON schema cannot say clearly; paths relative to the zmq section. */
export function curveConfigProblems(curve: CurveConfig | undefined): PluginConfigProblem[] {
  if (!curve) return [];
  const problems: PluginConfigProblem[] = [];
  const hasSecret = curve.secret_key !== undefined;
  const hasSecretFile = curve.secret_key_file !== undefined;
  if (hasSecret === hasSecretFile) {
    problems.push({ path: 'curve', message: `needs exactly one of secret_key and secret_key_file (the server's Z85 secret key; npx threatbus-zmq-app keygen makes one)` });
  }
  // The schema's pattern admits 40 characters of the alphabet; some of those exceed 32 bytes.
  if (curve.secret_key !== undefined && !isZ85Key(curve.secret_key)) problems.push({ path: 'curve.secret_key', message: 'is not a Z85-encoded 32-byte key' });
  curve.authorized_keys?.forEach((key, i) => {
    if (!isZ85Key(key)) problems.push({ path: `curve.authorized_keys.${i}`, message: `is not a Z85-encoded 32-byte key: ${JSON.stringify(key)}` });
  });
  if (curve.authorized_keys !== undefined && curve.authorized_keys_file !== undefined) {
    problems.push({ path: 'curve', message: 'takes authorized_keys or authorized_keys_file, not both' });
  }
  return problems;
}
