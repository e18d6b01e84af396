/**
 * A ZAP 1.0 handler (ZeroMQ RFC 27): libzmq asks it, over
 * `inproc://zeromq.zap.01` in the sockets' context, whether a client that
 * completed the CURVE handshake may connect. It answers 200 for the
 * authorized client keys and 400 for every other key.
 *
 * A request: [routing id, "", "1.0", request id, domain, address, identity,
 * mechanism, credentials...]; for CURVE one credential, the client's 32-byte
 * public key. A reply: [routing id, "", "1.0", request id, status code,
 * status text, user id, metadata].
 */
import { Router } from 'zeromq';
import type { Context } from 'zeromq';
import type { Logger, PluginCounter } from 'threatbus';
import { z85Encode } from './keys';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** Why a client was refused (the `reason` label of threatbus_zmq_curve_rejected_total). */
export type RejectReason = 'unknown_key' | 'mechanism_mismatch' | 'handshake_failed' | 'bad_zap_request';

/** At most one log line per (reason, key) per this many ms; the rest are counted and reported with the next line. */
const LOG_EVERY_MS = 60_000;
/** Distinct (reason, key) pairs remembered for rate limiting; beyond, the memory starts over (a key flood cannot grow it). */
const MAX_REMEMBERED = 1000;

/** Logs refused clients at most once a minute per client key, counts every one. */
export class RejectionLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly counter: PluginCounter,
    private readonly now: () => number = Date.now,
  ) {}

  reject(reason: RejectReason, detail: { client?: string; address?: string; socket?: string; why?: string }): void {
    this.counter.inc({ reason });
    const id = `${reason} ${detail.client ?? detail.socket ?? ''}`;
    const seen = this.last.get(id);
    const now = this.now();
    if (seen && now - seen.at < LOG_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    if (!seen && this.last.size >= MAX_REMEMBERED) this.last.clear();
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(id, { at: now, suppressed: 0 });
    const meta: Record<string, unknown> = { reason, ...detail };
    if (suppressed > 0) meta.refused_since_last_line = suppressed;
    this.logger.warn(MESSAGES[reason], meta);
  }
}

const MESSAGES: Record<RejectReason, string> = {
  unknown_key: 'Refused a ZeroMQ client: its CURVE public key is not in authorized_keys',
  mechanism_mismatch: 'Refused a ZeroMQ client that does not speak CURVE (it needs the server key and a key pair, see docs/security.md)',
  handshake_failed: 'Refused a ZeroMQ client: the CURVE handshake failed (a client without CURVE, or with a wrong server key)',
  bad_zap_request: 'Ignored a malformed ZAP request',
};

export class ZapHandler {
  private readonly router: Router;
  private authorized: ReadonlySet<string>;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    context: Context,
    authorized: Iterable<string>,
    private readonly rejections: RejectionLog,
    private readonly logger: Logger,
  ) {
    this.router = new Router({ context, linger: 0 });
    this.authorized = new Set(authorized);
  }

  /** The keys let in from now on (connections already made stay, docs/security.md). */
  setAuthorized(keys: Iterable<string>): void {
    this.authorized = new Set(keys);
  }

  get authorizedCount(): number {
    return this.authorized.size;
  }

  async start(): Promise<void> {
    await this.router.bind(ZAP_ENDPOINT);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.router.closed) this.router.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    try {
      for await (const frames of this.router) {
        const reply = this.answer(frames);
        if (!reply) continue;
        try {
          await this.router.send(reply);
        } catch (e) {
          // That handshake times out on the client's side; the next request is answered as usual.
          if (!this.stopped) this.logger.warn('Could not answer a ZAP request', { error: e });
        }
      }
    } catch (e) {
      if (!this.stopped) this.logger.error('ZAP handler failed; CURVE clients can no longer connect', { error: e });
    }
  }

  /** The reply frames for one request; undefined when the request cannot even be answered. */
  private answer(frames: Buffer[]): (Buffer | string)[] | undefined {
    const [routingId, delimiter, version, requestId, , address, , mechanism, ...credentials] = frames;
    if (frames.length < 8 || delimiter.length !== 0) {
      this.rejections.reject('bad_zap_request', { why: `${frames.length} frames` });
      return undefined;
    }
    const reply = (code: '200' | '400' | '500', text: string, userId = ''): (Buffer | string)[] => [routingId, '', '1.0', requestId, code, text, userId, ''];
    if (version.toString() !== '1.0') {
      this.rejections.reject('bad_zap_request', { why: `version ${JSON.stringify(version.toString().slice(0, 10))}` });
      return reply('500', 'ZAP version 1.0 only');
    }
    const from = address.toString('utf8');
    if (mechanism.toString() !== 'CURVE' || credentials.length !== 1 || credentials[0].length !== 32) {
      this.rejections.reject('mechanism_mismatch', { address: from, why: `mechanism ${mechanism.toString().slice(0, 10)}` });
      return reply('400', 'CURVE only');
    }
    const client = z85Encode(credentials[0]);
    if (!this.authorized.has(client)) {
      this.rejections.reject('unknown_key', { client, address: from });
      return reply('400', 'unknown client key');
    }
    if (this.logger.isDebugEnabled()) this.logger.debug('Accepted a CURVE client', { client, address: from });
    return reply('200', 'OK', client);
  }
}
