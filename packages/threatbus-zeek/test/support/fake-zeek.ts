/**
 * A WebSocket server that behaves like Zeek 8's `Cluster::listen_websocket`
 * with threatbus.zeek loaded, as spec/zeek-websocket.md describes it:
 *
 * - only `/v1/messages/json`; another path gets `{"type":"error","code":"invalid_uri"}` and close 1008;
 * - `X-Application-Name` outside `[A-Za-z0-9/_\-.=:*@]` gets `invalid_application_name` and close 1008;
 * - the first frame must be an array of strings, else `deserialization_failed`
 *   ("subscriptions not an array" / "individual subscription not a string");
 *   with `silentBadHandshake` it stays silent instead, as Broker's server does;
 * - then `{"type":"ack","endpoint":<uuid>,"version":<zeek version>}`;
 * - data messages are decoded strictly; undecodable → "failed to decode JSON object",
 *   no topic → "no topic in top-level JSON object", not a declared event with
 *   convertible arguments → "failed to create Zeek event";
 * - accepted events on a topic the script subscribed to are recorded in `received`;
 *   every data message goes to the other clients whose subscriptions are a
 *   prefix of its topic, never back to the sender;
 * - a refused subscription list is answered with an error and the connection
 *   stays open (real Zeek does not close it; the client's ack timeout ends it);
 * - `<NS>::intel` events go into a model of Zeek's Intel framework the way
 *   threatbus.zeek puts them there (support/fake-intel.ts), and `seen()`
 *   publishes one `<NS>::sighting` per Threat Bus indicator holding the value,
 *   as the script's `Intel::match` handler does.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { B, decodeBrokerData } from '../../src/broker-data';
import { dataToEvent, encodeEventMessage } from '../../src/messages';
import { isLosslessObject, parseLosslessJson } from '../../src/lossless-json';
import type { BrokerData } from '../../src/broker-data';
import type { ZeekEvent } from '../../src/messages';
import { IntelFramework, applyIntel, sightedIds } from './fake-intel';

/** Zeek types of event parameters, as far as threatbus.zeek needs them. */
export type ZeekType = 'time' | 'string' | 'interval' | 'count' | 'bool' | 'any' | { record: ZeekType[] } | { table: [ZeekType, ZeekType] };

/** The events threatbus.zeek declares (module Tenzir). */
export function threatbusEvents(ns = 'Tenzir'): Record<string, ZeekType[]> {
  return {
    [`${ns}::intel`]: [{ record: ['time', 'string', 'string', 'string', 'string'] }],
    [`${ns}::sighting`]: ['time', 'string', { table: ['string', 'any'] }],
    [`${ns}::subscribe`]: ['string', 'interval'],
    [`${ns}::unsubscribe`]: ['string'],
  };
}

const BROKER_TYPE: Record<string, BrokerData['type']> = { time: 'timestamp', string: 'string', interval: 'timespan', count: 'count', bool: 'boolean' };

function converts(d: BrokerData, t: ZeekType): boolean {
  if (t === 'any') return true;
  if (typeof t === 'string') return d.type === BROKER_TYPE[t];
  if ('record' in t) return d.type === 'vector' && d.value.length === t.record.length && d.value.every((f, i) => f.type === 'none' || converts(f, t.record[i]));
  return d.type === 'table' && d.value.every((e) => converts(e.key, t.table[0]) && converts(e.value, t.table[1]));
}

export interface FakeZeekOptions {
  port?: number;
  /** Declared events; default: threatbus.zeek's in module Tenzir. */
  declared?: Record<string, ZeekType[]>;
  /** Topics the script subscribed to (`Cluster::subscribe`). */
  scriptSubscriptions?: string[];
  silentBadHandshake?: boolean;
  /** Never acknowledge a handshake (to test the client's ack timeout). */
  neverAck?: boolean;
  /** Refuse every subscription list with this `deserialization_failed` context; like Zeek, keep the connection open. */
  refuseSubscriptions?: string;
  version?: string;
  /** Module of the script's events (threatbus.zeek: Tenzir). */
  scriptNamespace?: string;
}

export interface FakeClient {
  ws: WebSocket;
  subscriptions: string[];
  applicationName?: string;
  acked: boolean;
}

const APP_NAME_RE = /^[A-Za-z0-9/_\-.=:*@]+$/;

export class FakeZeek {
  readonly received: { topic: string; event: ZeekEvent }[] = [];
  readonly errorsSent: string[] = [];
  readonly clients = new Set<FakeClient>();
  /** WebSocket connections accepted, and closed (by either side) while the server runs. */
  readonly connections = { accepted: 0, closed: 0 };
  /** Called when a client completed the handshake (like `Cluster::websocket_client_added`). */
  onClientAdded?: (client: FakeClient) => void;
  readonly endpoint = randomUUID();
  /** Zeek's Intel framework, filled by the script's `<NS>::intel` handler. */
  readonly intel = new IntelFramework();

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly options: FakeZeekOptions,
  ) {
    wss.on('connection', (ws, req) => this.accept(ws, req.url ?? '', req.headers['x-application-name']));
  }

  static async start(options: FakeZeekOptions = {}): Promise<FakeZeek> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return new FakeZeek(wss, options);
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/messages/json`;
  }

  get ackedClients(): FakeClient[] {
    return [...this.clients].filter((c) => c.acked);
  }

  /** What the script's `Cluster::publish(topic, event, …)` does: reach clients subscribed to a prefix of `topic`. */
  publish(topic: string, event: ZeekEvent): number {
    return this.route(topic, encodeEventMessage(topic, event));
  }

  /** Send raw text to every acknowledged client. */
  sendRaw(text: string): void {
    for (const c of this.ackedClients) c.ws.send(text);
  }

  /**
   * Zeek sees `indicator` (`Intel::seen`): one sighting per Threat Bus
   * indicator holding the value, as threatbus.zeek's `Intel::match` handler
   * sends them. Returns the sighted intel ids.
   */
  seen(indicator: string, type: string): string[] {
    const ns = this.options.scriptNamespace ?? 'Tenzir';
    const ids = sightedIds(this.intel.seen(indicator, type));
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const id of ids) {
      this.publish('threatbus/sighting', { name: `${ns}::sighting`, args: [B.timestamp(now), B.string(id), B.table([{ key: B.string('noisy'), value: B.boolean(false) }])] });
    }
    return ids;
  }

  events(name: string): ZeekEvent[] {
    return this.received.filter((r) => r.event.name === name).map((r) => r.event);
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private error(ws: WebSocket, code: string, context: string): void {
    this.errorsSent.push(context || code);
    ws.send(JSON.stringify({ type: 'error', code, context }));
  }

  private accept(ws: WebSocket, url: string, appName: string | string[] | undefined): void {
    if (url.split('?')[0] !== '/v1/messages/json') {
      this.error(ws, 'invalid_uri', `unexpected URI ${url}`);
      ws.close(1008, 'invalid URI');
      return;
    }
    const name = Array.isArray(appName) ? appName[0] : appName;
    if (name !== undefined && !APP_NAME_RE.test(name)) {
      this.error(ws, 'invalid_application_name', `invalid application name ${name}`);
      ws.close(1008, 'invalid application name');
      return;
    }
    const client: FakeClient = { ws, subscriptions: [], applicationName: name, acked: false };
    this.clients.add(client);
    this.connections.accepted++;
    ws.on('close', () => {
      this.connections.closed++;
      this.clients.delete(client);
    });
    ws.on('error', () => this.clients.delete(client));
    let first = true;
    ws.on('message', (raw) => {
      const text = raw.toString();
      if (first) {
        first = false;
        this.handshake(client, text);
      } else if (client.acked) {
        this.onData(client, text);
      }
    });
  }

  private handshake(client: FakeClient, text: string): void {
    let subs: unknown;
    try {
      subs = JSON.parse(text);
    } catch {
      subs = undefined;
    }
    const problem = !Array.isArray(subs) ? 'subscriptions not an array' : subs.some((s) => typeof s !== 'string') ? 'individual subscription not a string' : undefined;
    if (problem || this.options.refuseSubscriptions) {
      // No close: real Zeek leaves a refused client connected.
      if (!this.options.silentBadHandshake) this.error(client.ws, 'deserialization_failed', problem ?? this.options.refuseSubscriptions ?? '');
      return;
    }
    if (this.options.neverAck) return;
    client.subscriptions = subs as string[];
    client.acked = true;
    client.ws.send(JSON.stringify({ type: 'ack', endpoint: this.endpoint, version: this.options.version ?? '8.2.2' }));
    this.onClientAdded?.(client);
  }

  private onData(client: FakeClient, text: string): void {
    let json;
    try {
      json = parseLosslessJson(text);
    } catch {
      return this.error(client.ws, 'deserialization_failed', 'failed to decode JSON object');
    }
    if (!isLosslessObject(json)) return this.error(client.ws, 'deserialization_failed', 'failed to decode JSON object');
    const topic = json.topic;
    if (typeof topic !== 'string') return this.error(client.ws, 'deserialization_failed', 'no topic in top-level JSON object');
    let event: ZeekEvent;
    try {
      event = dataToEvent(decodeBrokerData(json, { strict: true }));
    } catch {
      return this.error(client.ws, 'deserialization_failed', 'failed to create Zeek event');
    }
    const params = (this.options.declared ?? threatbusEvents())[event.name];
    if (!params || params.length !== event.args.length || !event.args.every((a, i) => converts(a, params[i]))) {
      return this.error(client.ws, 'deserialization_failed', 'failed to create Zeek event');
    }
    if ((this.options.scriptSubscriptions ?? ['threatbus/intel']).some((s) => topic.startsWith(s))) {
      this.received.push({ topic, event });
      if (event.name === `${this.options.scriptNamespace ?? 'Tenzir'}::intel`) this.applyIntel(event);
    }
    this.route(topic, text, client);
  }

  /** The script's `<NS>::intel` handler; the event was type-checked against its declaration. */
  private applyIntel(event: ZeekEvent): void {
    const record = event.args[0];
    if (record.type !== 'vector') return;
    const field = (i: number): string => {
      const f = record.value[i];
      return f.type === 'string' ? f.value : '';
    };
    applyIntel(this.intel, { id: field(1), intel_type: field(2), indicator: field(3), operation: field(4) });
  }

  private route(topic: string, text: string, sender?: FakeClient): number {
    let n = 0;
    for (const c of this.ackedClients) {
      if (c === sender || !c.subscriptions.some((s) => topic.startsWith(s))) continue;
      c.ws.send(text);
      n++;
    }
    return n;
  }
}
