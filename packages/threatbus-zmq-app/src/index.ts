/**
 * threatbus-zmq-app: the ZeroMQ app plugin (config key `plugins.apps.zmq`)
 * and a client library for apps speaking its protocol.
 */
import { defineAppPlugin } from 'threatbus';
import { configSchema } from './config';
import type { ZmqAppConfig } from './config';
import { ZmqApp } from './plugin';
import { curveConfigProblems } from './curve/config';

export const plugin = defineAppPlugin<ZmqAppConfig>({
  name: 'zmq',
  configSchema,
  secrets: ['curve.secret_key'],
  validate: (config) => curveConfigProblems(config.curve),
  create: (ctx) => new ZmqApp(ctx),
});
export default plugin;

export { ZmqApp } from './plugin';
export type { BoundPorts } from './plugin';
export { configSchema } from './config';
export type { ZmqAppConfig } from './config';
export * from './protocol';
export { decodeInboundFrame } from './inbound';
export type { InboundResult } from './inbound';
export * from './client';
export * from './curve';
