export { ThreatBusClient, parseEndpoint } from './client';
export type { ThreatBusClientOptions, ClientEvents, ClientLogger } from './client';
export { decodeAppFrame } from './decode';
export type { IncomingMessage, AppFrameResult } from './decode';
export { managementRequest, subscribe as subscribeRequest, p2pAction, ManagementError } from './management';
export { OutboxFullError } from './outbox';
