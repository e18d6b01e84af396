/**
 * CURVE keys as ZeroMQ writes them: 32-byte Curve25519 keys in Z85 (40
 * characters, ZeroMQ RFC 32), the format of `zmq_curve_keypair`, pyzmq's
 * `zmq.curve_keypair()` and zeromq.js's `curveKeyPair()`.
 *
 * Key files hold one key per line; blank lines and `#` comments (at the start
 * of a line or after a space: `#` is a Z85 character too) are ignored.
 * A pyzmq certificate (`zmq.auth.create_certificates`: `public-key = "..."`,
 * `secret-key = "..."`) is read too, so Python users can keep their files.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ErrorCode, ThreatBusError } from 'threatbus';

const Z85_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_VALUES = new Map([...Z85_CHARS].map((c, i) => [c, i]));
/** Z85 of a 32-byte key. */
export const Z85_KEY_LENGTH = 40;
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Z85 encoding (ZeroMQ RFC 32); `data.length` must be a multiple of 4. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError(`Z85 encodes multiples of 4 bytes, got ${data.length}`);
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    let value = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85_CHARS[value % 85]);
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Z85 decoding; throws on a bad character or length. */
export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new RangeError(`Z85 text length must be a multiple of 5, got ${text.length}`);
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const v = Z85_VALUES.get(text[i + j]);
      if (v === undefined) throw new RangeError(`not a Z85 character: ${JSON.stringify(text[i + j])}`);
      value = value * 85 + v;
    }
    if (value > 0xffffffff) throw new RangeError('Z85 group out of range');
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}

/** Whether `text` is a Z85-encoded 32-byte key. */
export function isZ85Key(text: string): boolean {
  if (!Z85_KEY.test(text)) return false;
  try {
    z85Decode(text);
    return true;
  } catch {
    return false;
  }
}

// PKCS#8 header of a raw X25519 private key: CURVE's keys are X25519 keys (crypto_scalarmult_base).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key of a Z85 secret key, as `zmq_curve_public` computes it. */
export function curvePublicKey(secretZ85: string): string {
  const secret = z85Decode(secretZ85);
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return z85Encode(spki.subarray(spki.length - 32));
}

/** One line of a key file: the key it holds, or undefined for a blank line or comment. */
function keyOfLine(line: string): string | undefined {
  // `#` is also a Z85 character: a line that is one key is a key; otherwise `#` at the start or after a space opens a comment.
  const whole = line.trim();
  if (isZ85Key(whole)) return whole;
  const text = whole.replace(/(^|\s)#.*$/, '').trim();
  if (text === '') return undefined;
  // pyzmq certificates: `public-key = "..."` / `secret-key = "..."`; the header lines (`curve`, `metadata`) carry no key.
  const zpl = /^(public|secret)-key\s*=\s*"(.*)"$/.exec(text);
  if (zpl) return zpl[2];
  if (text === 'curve' || text === 'metadata') return undefined;
  return text;
}

export interface ParsedKeys {
  keys: string[];
  /** Lines that are not Z85 keys: `line N: why`. */
  problems: string[];
}

/** Keys of a file's text, one per line (`#` comments), each checked to be a Z85 key. */
export function parseKeyLines(text: string): ParsedKeys {
  const keys: string[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const key = keyOfLine(line);
    if (key === undefined) return;
    if (isZ85Key(key)) keys.push(key);
    else problems.push(`line ${i + 1}: not a Z85 CURVE key (40 characters of the Z85 alphabet): ${JSON.stringify(key.length > 12 ? key.slice(0, 6) + '...' : key)}`);
  });
  return { keys, problems };
}

/** The text of a key file, or a TB_CONFIG_INVALID error naming the file and why it cannot be read. */
export function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ThreatBusError(ErrorCode.CONFIG_INVALID, `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/**
 * A warning when group or others may read (`'read'`: a secret key) or write
 * (`'write'`: the authorized keys, which decide who gets in) the file, else
 * undefined.
 */
export function loosePermissions(path: string, guard: 'read' | 'write' = 'read'): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    const mask = guard === 'read' ? 0o077 : 0o022;
    if ((mode & mask) === 0) return undefined;
    const octal = mode.toString(8).padStart(4, '0');
    return guard === 'read'
      ? `${path} is accessible to group or others (mode ${octal}); run chmod 600 ${path}`
      : `${path} is writable by group or others (mode ${octal}), who could add their own keys; run chmod go-w ${path}`;
  } catch {
    return undefined;
  }
}

/** The secret key of a secret key file (the secret-key line of a pyzmq certificate, or the one key in the file). */
export function secretKeyOfFile(path: string, text: string): string {
  const zpl = /^\s*secret-key\s*=\s*"([^"]*)"/m.exec(text);
  const { keys, problems } = zpl ? parseKeyLines(`secret-key = "${zpl[1]}"`) : parseKeyLines(text);
  if (problems.length > 0 || keys.length !== 1) {
    const why = problems.length > 0 ? problems[0] : `holds ${keys.length} keys, expected exactly one`;
    throw new ThreatBusError(ErrorCode.CONFIG_INVALID, `secret key file ${path}: ${why}`);
  }
  return keys[0];
}
