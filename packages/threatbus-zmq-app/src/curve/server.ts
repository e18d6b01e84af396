/**
 * The server side of CURVE for the zmq-app's three sockets: the key, a
 * ZeroMQ context of their own (its ZAP endpoint is this plugin's alone, so
 * several buses or clients in one process do not meet), the ZAP handler,
 * handshake failures of clients that are not asked by ZAP, and reloading
 * `authorized_keys_file` on SIGHUP.
 */
import { Context } from 'zeromq';
import type { Observer, Socket } from 'zeromq';
import { ErrorCode, ThreatBusError } from 'threatbus';
import type { Logger, PluginMetrics } from 'threatbus';
import type { CurveConfig } from './config';
import { curvePublicKey, loosePermissions, parseKeyLines, readKeyFile, secretKeyOfFile } from './keys';
import { RejectionLog, ZapHandler } from './zap';

/** Options of a CURVE server socket. */
export interface CurveServerSocketOptions {
  context: Context;
  curveServer: true;
  curveSecretKey: string;
  zapDomain: string;
}

export interface CurveServer {
  socketOptions: CurveServerSocketOptions;
  /** The server's public key, which clients configure as their server key. */
  publicKey: string;
  /** Whether a ZAP handler restricts clients to authorized keys. */
  authenticatesClients: boolean;
  /** Report failed handshakes on `socket` (clients ZAP never hears of: no CURVE, wrong server key). */
  watch(socket: Socket, name: string): void;
  /** Re-read authorized_keys_file; on any problem the previous keys stay. Resolves with the number of keys in force. */
  reload(): number;
  stop(): Promise<void>;
}

function readSecretKey(config: CurveConfig, logger: Logger): string {
  if (config.secret_key !== undefined) return config.secret_key;
  const path = config.secret_key_file as string;
  const loose = loosePermissions(path);
  if (loose) logger.warn(`The CURVE secret key file is not private: ${loose}`);
  return secretKeyOfFile(path, readKeyFile(path, 'CURVE secret key file'));
}

/** The authorized keys of the config (list or file); throws TB_CONFIG_INVALID naming the file and line on a bad key. */
function readAuthorizedKeys(config: CurveConfig, logger: Logger): string[] | undefined {
  if (config.authorized_keys) return config.authorized_keys;
  const path = config.authorized_keys_file;
  if (path === undefined) return undefined;
  const { keys, problems } = parseKeyLines(readKeyFile(path, 'authorized keys file'));
  if (problems.length > 0) throw new ThreatBusError(ErrorCode.CONFIG_INVALID, `authorized keys file ${path}: ${problems.join('; ')}`);
  // Public keys are no secret, but whoever can write the file decides who gets in.
  const loose = loosePermissions(path, 'write');
  if (loose) logger.warn(`The authorized keys file is not protected: ${loose}`);
  return keys;
}

export async function startCurve(config: CurveConfig, logger: Logger, metrics: PluginMetrics): Promise<CurveServer> {
  const secretKey = readSecretKey(config, logger);
  let publicKey: string;
  try {
    publicKey = curvePublicKey(secretKey);
  } catch (e) {
    throw new ThreatBusError(ErrorCode.CONFIG_INVALID, `the CURVE secret key is not a Curve25519 key: ${(e as Error).message}`, { cause: e });
  }
  const counter = metrics.counter('threatbus_zmq_curve_rejected_total', 'ZeroMQ clients refused by CURVE, by reason (unknown_key, mechanism_mismatch, handshake_failed, bad_zap_request)', ['reason']);
  const rejections = new RejectionLog(logger, counter);
  const context = new Context();
  const authorized = readAuthorizedKeys(config, logger);
  const zap = authorized ? new ZapHandler(context, authorized, rejections, logger) : undefined;
  await zap?.start();
  if (!zap) {
    logger.warn('CURVE without client authentication: any client that knows the server public key may subscribe and publish; set authorized_keys or authorized_keys_file to restrict it', { server_public: publicKey });
  } else {
    if (authorized?.length === 0) logger.warn('authorized_keys is empty: every ZeroMQ client is refused');
    logger.info('CURVE on: only authorized client keys may connect', { server_public: publicKey, authorized: authorized?.length ?? 0, file: config.authorized_keys_file });
  }

  const reload = (): number => {
    if (!zap) return 0;
    if (config.authorized_keys_file === undefined) return zap.authorizedCount;
    try {
      const keys = readAuthorizedKeys(config, logger) as string[];
      zap.setAuthorized(keys);
      logger.info('Reloaded the authorized CURVE keys; new connections are checked against them', { file: config.authorized_keys_file, authorized: keys.length });
    } catch (e) {
      logger.error(`Kept the previous ${zap.authorizedCount} authorized keys: ${(e as Error).message}`);
    }
    return zap.authorizedCount;
  };
  const onSighup = (): void => void reload();
  const watchers: Promise<void>[] = [];
  const observers: Observer[] = [];
  if (zap && config.authorized_keys_file !== undefined) process.on('SIGHUP', onSighup);

  return {
    socketOptions: { context, curveServer: true, curveSecretKey: secretKey, zapDomain: config.zap_domain },
    publicKey,
    authenticatesClients: zap !== undefined,
    watch(socket, name) {
      // Hold the observer: the loop awaiting it does not keep it alive, and a collected observer reports nothing.
      const observer = socket.events;
      observers.push(observer);
      watchers.push(watchHandshakes(observer, socket, name, rejections, logger));
    },
    reload,
    async stop() {
      process.off('SIGHUP', onSighup);
      await zap?.stop();
      await Promise.all(watchers);
      observers.length = 0;
    },
  };
}

/**
 * Failed handshakes of one socket, from its monitor (the iterator, not
 * `events.on`, whose internal loop leaves a rejection unhandled at close).
 * ZAP refusals show here as auth failures too; ZAP already counted them.
 * The monitor gives the bound endpoint, not the client's address.
 */
async function watchHandshakes(observer: Observer, socket: Socket, name: string, rejections: RejectionLog, logger: Logger): Promise<void> {
  try {
    for await (const event of observer) {
      // A client without CURVE shows as a mechanism mismatch, or (when it noticed first and hung up) as
      // an error without detail (EPIPE); ZeroMQ does not reconnect after either.
      if (event.type !== 'handshake:error:protocol' && event.type !== 'handshake:error:other') continue;
      const code = (event.error as { code?: string } | undefined)?.code;
      rejections.reject(code === 'ERR_ZMTP_MECHANISM_MISMATCH' ? 'mechanism_mismatch' : 'handshake_failed', { socket: name, why: code });
    }
  } catch (e) {
    if (!socket.closed) logger.debug('Stopped watching CURVE handshakes', { socket: name, error: e });
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Without CURVE: say once that the sockets are open to anyone who reaches them, unless they are bound to loopback. */
export function warnIfUnauthenticated(host: string, logger: Logger): void {
  if (LOOPBACK.test(host)) return;
  logger.warn(`The ZeroMQ app endpoints on ${host} are unauthenticated and unencrypted: anyone who reaches them can read all intelligence and publish; set plugins.apps.zmq.curve (docs/security.md)`);
}
