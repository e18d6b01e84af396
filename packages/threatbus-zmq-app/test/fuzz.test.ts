/**
 * Property tests of what the zmq app decodes off its sockets (issue 13): the
 * management decoder throws only ManagementRequestError; the endpoint's
 * handler never throws and always answers a JSON status; inbound frames and
 * frames at the client decode or give a reason, never throw.
 */
import fc from 'fast-check';
import { recordingLogger } from 'threatbus/testing';
import { decodeAppFrame } from '../src/client/decode';
import { decodeInboundFrame } from '../src/inbound';
import { ManagementRequestError, parseManagementRequest } from '../src/protocol';
import { LogLimiter } from 'threatbus';
import { ManagementHandler } from '../src/management';
import { SubscriptionRegistry } from '../src/registry';

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

const request = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc
    .record(
      {
        action: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'heartbeat', 'SUBSCRIBE', ''), fc.jsonValue({ maxDepth: 1 })),
        topic: fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 40 }), fc.jsonValue({ maxDepth: 2 })),
        snapshot: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    )
    .map((r) => JSON.stringify(r)),
  fc.integer({ min: 100, max: 30_000 }).map((n) => `{"action": "subscribe", "topic": ${deep(n)}, "snapshot": ${deep(n)}}`),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

test('parseManagementRequest: a request or ManagementRequestError', () => {
  fc.assert(
    fc.property(request, (text) => {
      try {
        parseManagementRequest(text);
      } catch (e) {
        if (!(e instanceof ManagementRequestError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('the management handler answers every frame with a JSON status, within the limits', () => {
  const logger = recordingLogger();
  const bus = { subscribe: () => ({}), unsubscribe: () => undefined, publish: async () => undefined } as unknown as ConstructorParameters<typeof SubscriptionRegistry>[0];
  const registry = new SubscriptionRegistry(bus, logger, { queueSize: 10, subscriptionTimeoutMs: 0, joinTimeoutMs: 60_000 }, () => undefined, () => undefined);
  const handler = new ManagementHandler(registry, { pub: 1, sub: 2 }, logger, new LogLimiter(logger), { maxMessageSize: 4096, maxTopicsPerSubscription: 32, snapshotRequestsPerMinute: 10 });
  fc.assert(
    fc.property(request, (text) => {
      const reply = JSON.parse(handler.handleRequest(Buffer.from(text, 'utf8'))) as { status: unknown };
      expect(['success', 'error', 'unknown request']).toContain(reply.status);
    }),
    { numRuns: 2000 },
  );
  // Every subscription it made names at most 32 topics; logging stayed rate-limited.
  for (const sub of registry.all()) expect(sub.topics.length).toBeLessThanOrEqual(32);
  expect(logger.records.length).toBeLessThan(200);
  registry.removeAll('test');
});

test('inbound frames (apps → bus) and app frames (bus → app) decode or give a reason, never throw', () => {
  const frame = fc.oneof(
    request,
    fc.tuple(fc.constantFrom('stix2/indicator', 'stix2/sighting', 'threatbus/snapshotenvelope', 'stix2/', 'x'), request).map(([t, body]) => `${t} ${body}`),
    fc.tuple(fc.constantFrom('indicator', 'sighting', 'snapshotrequest', ''), request).map(([s, body]) => `${'a'.repeat(32)}${s} ${body}`),
  );
  fc.assert(
    fc.property(frame, (f) => {
      expect(typeof decodeInboundFrame(f).ok).toBe('boolean');
      expect(typeof decodeAppFrame(f, 'a'.repeat(32)).ok).toBe('boolean');
    }),
    { numRuns: 3000 },
  );
});
