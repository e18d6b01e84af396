/**
 * The client side of CURVE: the socket options a client (ThreatBusClient,
 * vast-threatbus, any zeromq.js app) sets on each socket it connects to the
 * bus. The pyzmq equivalent is four lines per socket (docs/security.md).
 */
import { curvePublicKey, isZ85Key } from './keys';

/** A client's CURVE keys, all Z85 (`npx threatbus-zmq-app keygen`). */
export interface ClientCurveKeys {
  /** The bus's public key (logged by the bus at start as `server_public`). */
  server_key: string;
  /** This client's public key (the line in the bus's authorized_keys). */
  public_key: string;
  /** This client's secret key. */
  secret_key: string;
}

/** zeromq.js socket options for a CURVE client. */
export interface CurveClientSocketOptions {
  curveServerKey?: string;
  curvePublicKey?: string;
  curveSecretKey?: string;
}

/** Socket options for `keys` (none when undefined); throws a TypeError naming the bad key (never its value). */
export function curveClientSocketOptions(keys: ClientCurveKeys | undefined): CurveClientSocketOptions {
  if (!keys) return {};
  for (const name of ['server_key', 'public_key', 'secret_key'] as const) {
    if (typeof keys[name] !== 'string' || !isZ85Key(keys[name])) throw new TypeError(`curve.${name} must be a Z85 CURVE key (40 characters)`);
  }
  if (curvePublicKey(keys.secret_key) !== keys.public_key) throw new TypeError('curve.public_key is not the public key of curve.secret_key');
  return { curveServerKey: keys.server_key, curvePublicKey: keys.public_key, curveSecretKey: keys.secret_key };
}
