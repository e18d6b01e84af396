/**
 * `npx threatbus-zmq-app keygen [--out PREFIX] [--force]`: a CURVE key pair,
 * as `zmq_curve_keypair` makes it (zeromq.js's `curveKeyPair()`), in Z85.
 *
 * Without --out both keys go to stdout as the YAML the bus (`curve.secret_key`)
 * or a client (`curve.public_key`, `curve.secret_key`) takes. With --out:
 * `PREFIX.secret` (mode 0600, the secret key; secret_key_file takes it) and
 * `PREFIX.public` (mode 0644: a public key is meant to be handed out; one
 * line of authorized_keys, or a client's server_key). Existing files are
 * never overwritten without --force.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { curveKeyPair } from 'zeromq';

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

export interface KeygenResult extends KeyPair {
  /** The files written (with --out). */
  files: string[];
}

const USAGE = 'usage: threatbus-zmq-app keygen [--out PREFIX] [--force]';

/** Write `text` to a new file with `mode` (set at creation, so the secret is never readable by others, not even briefly). */
function writeNew(path: string, text: string, mode: number, force: boolean): void {
  const fd = openSync(path, force ? 'w' : 'wx', mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export function writeKeyPair(prefix: string, force = false, pair: KeyPair = curveKeyPair()): KeygenResult {
  const secretPath = `${prefix}.secret`;
  const publicPath = `${prefix}.public`;
  writeNew(secretPath, `# CURVE secret key (Z85) of the pair whose public key is ${pair.publicKey}; keep it private (mode 0600)\n${pair.secretKey}\n`, 0o600, force);
  writeNew(publicPath, `${pair.publicKey}\n`, 0o644, force);
  return { ...pair, files: [secretPath, publicPath] };
}

/** The CLI: returns the exit code; writes to the given streams. */
export function keygenMain(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let prefix: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a === '-o') prefix = argv[++i];
    else if (a.startsWith('--out=')) prefix = a.slice('--out='.length);
    else if (a === '--force' || a === '-f') force = true;
    else if (a === '--help' || a === '-h') {
      out(USAGE + '\n');
      return 0;
    } else {
      err(`unknown argument ${JSON.stringify(a)}\n${USAGE}\n`);
      return 2;
    }
  }
  if (prefix === '') {
    err(`--out needs a path prefix\n${USAGE}\n`);
    return 2;
  }
  if (prefix === undefined) {
    const pair = curveKeyPair();
    out(`# CURVE key pair (Z85). Keep the secret key private.\npublic_key: "${pair.publicKey}"\nsecret_key: "${pair.secretKey}"\n`);
    return 0;
  }
  try {
    const result = writeKeyPair(prefix, force);
    out(`wrote ${result.files[0]} (secret, mode 0600) and ${result.files[1]} (public)\npublic key: ${result.publicKey}\n`);
    return 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err(code === 'EEXIST' ? `${prefix}.secret or ${prefix}.public exists; pass --force to overwrite\n` : `cannot write the key pair to ${prefix}.*: ${code ?? (e as Error).message}\n`);
    return 1;
  }
}
