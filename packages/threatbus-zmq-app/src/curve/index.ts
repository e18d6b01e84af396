/** CURVE for the zmq-app and its clients (docs/security.md). */
export { curveConfigSchema, curveConfigProblems, z85KeySchema } from './config';
export type { CurveConfig } from './config';
export { z85Encode, z85Decode, isZ85Key, curvePublicKey, parseKeyLines } from './keys';
export { startCurve, warnIfUnauthenticated } from './server';
export type { CurveServer } from './server';
export { RejectionLog, ZapHandler, ZAP_ENDPOINT } from './zap';
export type { RejectReason } from './zap';
export { curveClientSocketOptions } from './client';
export type { ClientCurveKeys, CurveClientSocketOptions } from './client';
