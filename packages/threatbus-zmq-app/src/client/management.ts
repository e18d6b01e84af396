/**
 * Client side of the management protocol, as the original apps do it: a
 * fresh REQ socket per request (a REQ socket that lost its reply is stuck in
 * its state machine), LINGER 0, a deadline for the reply.
 */
import { Request } from 'zeromq';
import type { SubscribeReply } from '../protocol';
import type { CurveClientSocketOptions } from '../curve/client';
import { ErrorCode, ThreatBusError } from 'threatbus';

export class ManagementError extends ThreatBusError {
  override readonly name = 'ManagementError';
  constructor(
    message: string,
    /** `timeout`: no reply (bus down or unreachable); `status`: the bus answered something else than success. */
    readonly kind: 'timeout' | 'status' | 'malformed',
  ) {
    super(kind === 'timeout' ? ErrorCode.PEER_UNREACHABLE : kind === 'status' ? ErrorCode.PEER_REJECTED : ErrorCode.PROTOCOL_VIOLATION, message, { retriable: kind === 'timeout' });
  }
}

/** Send one request object to `tcp://host:port` and return the reply object. */
export async function managementRequest(endpoint: string, request: Record<string, unknown>, timeoutMs: number, curve: CurveClientSocketOptions = {}): Promise<Record<string, unknown>> {
  const socket = new Request({ ...curve, linger: 0, sendTimeout: timeoutMs, receiveTimeout: timeoutMs, ipv6: endpoint.includes('[') });
  try {
    socket.connect(endpoint);
    try {
      await socket.send(JSON.stringify(request));
      const [frame] = await socket.receive();
      let reply: unknown;
      try {
        reply = JSON.parse(frame.toString('utf8'));
      } catch {
        throw new ManagementError(`Threat Bus sent a reply that is not JSON: ${frame.toString('utf8').slice(0, 200)}`, 'malformed');
      }
      if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) throw new ManagementError('Threat Bus sent a reply that is not a JSON object', 'malformed');
      return reply as Record<string, unknown>;
    } catch (e) {
      if (e instanceof ManagementError) throw e;
      throw new ManagementError(`no reply from Threat Bus at ${endpoint} within ${timeoutMs} ms (${(e as Error).message})`, 'timeout');
    }
  } finally {
    socket.close();
  }
}

/** Subscribe; resolves with a validated reply, rejects with ManagementError. */
export async function subscribe(endpoint: string, topics: string | string[], snapshotDays: number, timeoutMs: number, curve?: CurveClientSocketOptions): Promise<SubscribeReply> {
  const reply = await managementRequest(endpoint, { action: 'subscribe', topic: topics, snapshot: snapshotDays }, timeoutMs, curve);
  if (reply.status !== 'success') throw new ManagementError(`subscription refused: ${JSON.stringify(reply)}`, 'status');
  const { topic, pub_port, sub_port } = reply;
  if (typeof topic !== 'string' || topic === '' || !Number.isInteger(pub_port) || !Number.isInteger(sub_port)) {
    throw new ManagementError(`subscription reply lacks topic, pub_port or sub_port: ${JSON.stringify(reply)}`, 'malformed');
  }
  return { topic, pub_port: pub_port as number, sub_port: sub_port as number, status: 'success' };
}

/** Heartbeat or unsubscribe: true on `success`, false on any other status; rejects on timeout. */
export async function p2pAction(endpoint: string, action: 'heartbeat' | 'unsubscribe', p2pTopic: string, timeoutMs: number, curve?: CurveClientSocketOptions): Promise<boolean> {
  const reply = await managementRequest(endpoint, { action, topic: p2pTopic }, timeoutMs, curve);
  return reply.status === 'success';
}
