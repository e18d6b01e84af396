/**
 * `threatbus/testing`: the kit for testing a plugin (docs/plugins.md). Not
 * part of the core's runtime: the bus never imports it, and nothing here
 * needs a test runner except the contract suites, which take `describe`/`it`
 * from the runner's globals when called.
 */
export { recordingLogger } from './logger';
export type { LogRecord, LogRecordLevel, RecordingLogger } from './logger';
export { waitFor, sleep } from './wait';
export { freePort, isReachableSync } from './net';
export { probeApp } from './probe';
export type { Probe, ProbeOptions } from './probe';
export { startTestBus } from './test-bus';
export { metricValue } from './metrics';
export type { TestBus, TestBusOptions } from './test-bus';
export { validatedConfig } from './plugin-context';
export { configErrorLines } from './config';
/** What the bus would run for a config (validated sections, secrets, warnings), or the ConfigError `threatbus --check` would report. */
export { planBus } from '../runtime/plan';
export type { BusPlan, PlannedPlugin } from '../runtime/plan';
export { backboneContract } from './backbone-contract';
export type { BackboneMedium, BackboneMediumFactory } from './backbone-contract';
export { appContract } from './app-contract';
export type { AppSetup, AppSetupFactory } from './app-contract';
export type { ContractOptions } from './suite-globals';
