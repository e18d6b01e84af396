export { ThreatBusClient, parseEndpoint } from './client';
export type { ThreatBusClientOptions, ClientEvents, ClientLogger } from './client';
export { decodeAppFrame } from './decode';
export type { IncomingMessage, AppFrameResult } from './decode';
export { managementRequest, subscribe as subscribeRequest, p2pAction, ManagementError } from './management';
export { OutboxFullError } from './outbox';
// CURVE (docs/security.md): the `curve` option's keys, and checking keys in an app's own config.
export { curveClientSocketOptions } from '../curve/client';
export type { ClientCurveKeys, CurveClientSocketOptions } from '../curve/client';
export { curvePublicKey, isZ85Key } from '../curve/keys';
export { z85KeySchema } from '../curve/config';
