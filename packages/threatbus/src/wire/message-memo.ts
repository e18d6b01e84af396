/**
 * A value computed once per bus message and kept on the message itself, for
 * work every outgoing wire would otherwise repeat (the JSON text of a message
 * for every zmq app, the Zeek event for every Zeek).
 *
 * Why not a WeakMap: WeakMap entries are ephemerons, and the garbage
 * collector's work on one entry per message cost more than encoding the
 * message (measured: ~4.5 µs of ~16 µs per MISP indicator). Here the value is
 * a non-enumerable symbol property: invisible to for-in, Object.keys,
 * JSON.stringify, structured clone and deep equality, and gone with the
 * message. Messages are not modified once they are on the bus, so a value
 * computed from one stays valid.
 */
export interface MessageMemo<T> {
  /** The value memoised on `message`, or undefined. */
  get(message: object): T | undefined;
  /** Memoise `value` on `message` (not on frozen objects: those compute again each time). */
  set(message: object, value: T): void;
}

export function createMessageMemo<T>(description: string): MessageMemo<T> {
  const key = Symbol(description);
  return {
    // Own property only: an object made with Object.create(message) must not inherit the value.
    get: (message) => (Object.hasOwn(message, key) ? (message as Record<symbol, T>)[key] : undefined),
    set: (message, value) => {
      if (Object.isExtensible(message)) Object.defineProperty(message, key, { value, configurable: true });
    },
  };
}
