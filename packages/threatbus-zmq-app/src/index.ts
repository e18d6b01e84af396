/**
 * threatbus-zmq-app: the ZeroMQ app plugin (config key `plugins.apps.zmq`).
 * The client library for apps speaking its protocol is `threatbus-zmq-app/client`.
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

// The instance type (`bus.plugin<ZmqApp>('zmq')`, e.g. to read its bound ports) and the config types.
export type { ZmqApp, BoundPorts } from './plugin';
export type { ZmqAppConfig } from './config';
export type { CurveConfig } from './curve/config';
