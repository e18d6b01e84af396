/**
 * The publishing socket: an XPUB in manual subscription mode
 * (ZMQ_XPUB_MANUAL), which serves only subscriptions naming a registered
 * p2p topic.
 *
 * Why (issue 13.6): the socket refuses a frame (ZMQ_XPUB_NODROP, EAGAIN)
 * when *any* connection whose subscription matches it is at its high-water
 * mark. With ZeroMQ's automatic mode a SUB socket subscribed to the empty
 * prefix matches every frame; once it stops reading, its buffer fills
 * (pub_hwm frames plus the TCP buffers: a normal app had received 3,500 of
 * 40,000 with pub_hwm 1000) and from then on every frame, for every app, is
 * refused. In manual mode a connection's subscription has effect only once
 * the plugin applies it (ZMQ_SUBSCRIBE on the XPUB, for the connection
 * whose subscription message was read last), and the plugin applies only
 * prefixes that start with a p2p topic it handed out. A stalled app then
 * holds back its own subscription only, whose bounded queue takes the
 * pressure.
 *
 * The cost: an app whose SUB socket subscribes to a shorter prefix (or to
 * everything) receives nothing. The original apps and the client library
 * subscribe to their p2p topic, as the protocol says (spec/zmq-app.md §4).
 */
import { XPublisher } from 'zeromq';
import type { SocketOptions } from 'zeromq';
import type { LogLimiter } from 'threatbus';
import { P2P_TOPIC_LENGTH } from './protocol';
import type { SubscriptionRegistry } from './registry';

/** libzmq option numbers (zmq.h); zeromq.js exposes no XPUB subscribe in manual mode. */
const ZMQ_SUBSCRIBE = 6;
const ZMQ_UNSUBSCRIBE = 7;

export class ManualXPublisher extends XPublisher {
  constructor(options: SocketOptions<XPublisher>) {
    super({ ...options, manual: true });
  }

  /** Apply `prefix` for the connection whose subscription message was received last. */
  apply(prefix: Buffer): void {
    this.setStringOption(ZMQ_SUBSCRIBE, prefix);
  }

  /** Take `prefix` back for that connection (a no-op when it was never applied). */
  revoke(prefix: Buffer): void {
    this.setStringOption(ZMQ_UNSUBSCRIBE, prefix);
  }
}

/**
 * One XPUB event (byte 1/0 + prefix): apply or revoke the subscription and
 * tell the registry when an app's SUB socket joins or leaves its p2p topic.
 * Must run before the next receive on the socket (the XPUB applies to the
 * connection of the last message read).
 */
export function handleSubscriptionEvent(event: Buffer, socket: ManualXPublisher, registry: SubscriptionRegistry, limited: LogLimiter): void {
  if (event.length < 1 || event[0] > 1) {
    limited.debug('pub.not-a-subscription', 'Ignoring a message on the publishing socket that is not a (un)subscription');
    return;
  }
  const prefix = event.subarray(1);
  const p2p = prefix.length >= P2P_TOPIC_LENGTH ? prefix.toString('latin1', 0, P2P_TOPIC_LENGTH) : undefined;
  const known = p2p !== undefined && registry.get(p2p) !== undefined;
  if (event[0] === 0) {
    socket.revoke(prefix);
    if (known) registry.appSocket(p2p, false);
    return;
  }
  if (!known) {
    limited.warn('pub.foreign-subscription', 'Ignoring a subscription on the publishing socket that names no current p2p topic; that connection receives nothing', {
      prefix: prefix.toString('latin1', 0, Math.min(prefix.length, 40)),
      bytes: prefix.length,
    });
    return;
  }
  socket.apply(prefix);
  registry.appSocket(p2p, true);
}
