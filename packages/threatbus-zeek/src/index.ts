/**
 * threatbus-zeek: the Zeek app plugin (config key `plugins.apps.zeek`).
 * Zeek listens on its WebSocket API; this plugin connects to it.
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

export { ZeekApp } from './plugin';
export { ZeekConnection } from './connection';
export type { ConnectionOptions, ConnectionHandlers } from './connection';
export { configSchema, endpointUrl, DEFAULT_WEBSOCKET_PATH, DEFAULT_ZEEK_WEBSOCKET_PORT, APPLICATION_NAME_PATTERN } from './config';
export type { ZeekConfig, EndpointConfig } from './config';
export * from './broker-data';
export * from './broker-time';
export * from './messages';
export { parseLosslessJson, JsonNumber, JsonSyntaxError, isJsonObject } from './lossless-json';
export type { LosslessJson } from './lossless-json';
export { brokerToJson } from './to-json';
export type { Json } from './to-json';
export * from './intel-mapping';
export * from './zeek-events';
