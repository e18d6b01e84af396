/**
 * threatbus-zeek: the Zeek app plugin (config key `plugins.apps.zeek`).
 * Zeek listens on its WebSocket API; this plugin connects to it. The package
 * exports the plugin definition and its config types; tests import internals
 * from their files.
 */
import { defineAppPlugin } from 'threatbus';
import { configSchema } from './config';
import type { ZeekConfig } from './config';
import { ZeekApp } from './plugin';

export const plugin = defineAppPlugin<ZeekConfig>({
  name: 'zeek',
  configSchema,
  secrets: [],
  create: (ctx) => new ZeekApp(ctx),
});

export default plugin;
export type { ZeekConfig, EndpointConfig } from './config';
