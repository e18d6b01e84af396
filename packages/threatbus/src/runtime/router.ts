/**
 * The subscription registry: topic string → subscribers, with the original's
 * prefix rule (spec/backbones.md §1): a subscriber of `T` gets every message whose
 * routing topic starts with `T` as a character string.
 *
 * One deliberate change (spec/quirks.md B1): a subscriber registered under several
 * matching topics (`stix2` and `stix2/indicator`) gets each message once, not
 * once per registration.
 *
 * It lives in the core, not in the backbones, so every backbone shares one
 * routing rule: a backbone moves messages, the router hands them out.
 */
import { routingTopic } from '../messages';
import type { Message } from '../messages';
import type { MessageSubscriber } from './queue';
import { pendingDelivery } from './delivery';

export class TopicRouter {
  private readonly byTopic = new Map<string, Set<MessageSubscriber>>();
  /** Resolved subscriber lists per routing topic; cleared on any change. Routing topics are few. */
  private readonly cache = new Map<string, MessageSubscriber[]>();

  /** `onSubscriberError` hears of a subscriber that threw; the others still get the message. */
  constructor(private readonly onSubscriberError: (error: unknown, message: Message) => void = () => {}) {}

  subscribe(topic: string, subscriber: MessageSubscriber): void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(subscriber);
    this.cache.clear();
  }

  /** Remove exactly the registration of `subscriber` under `topic`. Returns whether there was one. */
  unsubscribe(topic: string, subscriber: MessageSubscriber): boolean {
    const set = this.byTopic.get(topic);
    if (!set || !set.delete(subscriber)) return false;
    if (set.size === 0) this.byTopic.delete(topic);
    this.cache.clear();
    return true;
  }

  /** The subscribers that receive a message with routing topic `topic`, each once. */
  subscribersOf(topic: string): MessageSubscriber[] {
    let list = this.cache.get(topic);
    if (!list) {
      const unique = new Set<MessageSubscriber>();
      for (const [t, set] of this.byTopic) if (topic.startsWith(t)) for (const s of set) unique.add(s);
      list = [...unique];
      this.cache.set(topic, list);
    }
    return list;
  }

  /**
   * Hand `message` to every matching subscriber. Returns how many got it.
   * A message published with a delivery listener (delivery.ts) counts one
   * pending delivery per subscriber that tracks delivery; a subscriber that
   * throws has it released on its behalf.
   */
  deliver(message: Message): number {
    const list = this.subscribersOf(routingTopic(message));
    const pending = pendingDelivery(message);
    for (const s of list) {
      const tracked = pending !== undefined && s.tracksDelivery === true;
      if (tracked) pending.count++;
      try {
        s.push(message);
      } catch (e) {
        if (tracked) pending.release();
        this.onSubscriberError(e, message);
      }
    }
    return list.length;
  }

  /** Whether `subscriber` has any registration left. */
  isSubscribed(subscriber: MessageSubscriber): boolean {
    for (const set of this.byTopic.values()) if (set.has(subscriber)) return true;
    return false;
  }
}
