/**
 * One management request → one reply (spec §3). Never throws: whatever goes
 * wrong becomes `{"status": "error"}` and a log line, and the endpoint goes
 * on to the next request.
 */
import type { Logger } from 'threatbus';
import { encodeStatusReply, encodeSubscribeReply, ManagementRequestError, parseManagementRequest } from './protocol';
import type { SubscriptionRegistry } from './registry';

const MAX_SHOWN = 200;

export function handleManagementFrame(
  frame: Buffer,
  registry: SubscriptionRegistry,
  ports: { pub: number; sub: number },
  logger: Logger,
): string {
  const text = frame.toString('utf8');
  try {
    const request = parseManagementRequest(text);
    switch (request.action) {
      case 'subscribe': {
        const sub = registry.subscribe(request.topics, request.snapshotDays);
        return encodeSubscribeReply(sub.p2pTopic, ports.pub, ports.sub);
      }
      case 'unsubscribe':
        if (registry.unsubscribe(request.p2pTopic)) return encodeStatusReply('success');
        logger.warn('No one was subscribed for that topic. Skipping.', { p2p_topic: request.p2pTopic });
        return encodeStatusReply('error');
      case 'heartbeat':
        if (registry.heartbeat(request.p2pTopic)) return encodeStatusReply('success');
        logger.debug('Heartbeat for an unknown p2p topic; the app should subscribe again', { p2p_topic: request.p2pTopic });
        return encodeStatusReply('error');
    }
  } catch (e) {
    const shown = text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN) + '...' : text;
    if (e instanceof ManagementRequestError) {
      logger.warn(`Bad management request: ${e.message}`, { request: shown, reply: e.reply });
      return encodeStatusReply(e.reply);
    }
    logger.error('Error handling management message', { request: shown, error: e });
    return encodeStatusReply('error');
  }
}
