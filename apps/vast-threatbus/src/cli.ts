#!/usr/bin/env node
/**
 * `vast-threatbus -c config.yaml [flags]` (spec/vast-app.md §1). Every config
 * key also has a flag; flags win over environment variables, which win over
 * the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, createLogger, normalizeLogLevel } from 'threatbus';
import { VastThreatBusApp } from './app';
import { loadConfig } from './config';
import type { VastThreatBusConfig } from './config';
import { findExecutable } from './process';

/** The package's version (dist/cli.js → ../package.json). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function parseArgs(argv: string[]) {
  return yargs(argv)
    .scriptName('vast-threatbus')
    .usage('$0 [-c config.yaml] [options]\n\nConnects VAST or Tenzir to Threat Bus: live and retro matching of indicators, sightings back to the bus.')
    .option('config', { alias: 'c', type: 'string', description: 'YAML config file (default: ./config.yaml or ./config.yml)' })
    .option('backend', { type: 'string', choices: ['vast', 'tenzir'], description: 'VAST (`vast` CLI) or Tenzir (`tenzir` pipelines) [default: vast]' })
    .option('vast', { type: 'string', description: 'VAST/Tenzir node endpoint host:port [default: localhost:42000]' })
    .option('vast-binary', { type: 'string', description: 'VAST/Tenzir executable [default: vast, or tenzir]' })
    .option('threatbus', { type: 'string', description: 'Threat Bus zmq-app management endpoint host:port [default: localhost:13370]' })
    .option('snapshot', { type: 'number', description: 'days of historic indicators to request at subscription [default: 30]' })
    .option('live-match', { type: 'boolean', description: 'feed indicators into a VAST matcher and report its matches [default: false]' })
    .option('matcher-name', { type: 'string', description: 'name of an existing VAST matcher (required with --live-match)' })
    .option('retro-match', { type: 'boolean', description: 'query VAST for each indicator [default: true]' })
    .option('retro-match-max-events', { type: 'number', description: 'max results per retro query, 0 = unlimited [default: 0]' })
    .option('retro-match-timeout', { type: 'number', description: 'seconds per retro query, 0 = none [default: 3600]' })
    .option('max-background-tasks', { type: 'number', description: 'max concurrent retro queries [default: 500]' })
    .option('metrics-interval', { type: 'number', description: 'seconds between metric lines, 0 = off [default: 10]' })
    .option('metrics-filename', { type: 'string', description: 'metrics file (appended) [default: metrics.log]' })
    .option('transform-context', { type: 'string', description: 'command run per sighting, context on stdin, %ioc and %matchtype substituted' })
    .option('sink', { type: 'string', description: 'STDOUT or a command: receives sighting contexts instead of Threat Bus' })
    .option('loglevel', { type: 'string', description: 'console verbosity: DEBUG, INFO, WARNING, ERROR, CRITICAL' })
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
    .parseSync();
}

type Args = ReturnType<typeof parseArgs>;

/** Flags → a partial config in the file's shape (absent flags stay absent). */
export function overridesFromArgs(a: Args): Record<string, unknown> {
  const o: Record<string, unknown> = {
    backend: a.backend,
    vast: a.vast,
    vast_binary: a['vast-binary'],
    threatbus: a.threatbus,
    snapshot: a.snapshot,
    live_match: a['live-match'],
    matcher_name: a['matcher-name'],
    retro_match: a['retro-match'],
    retro_match_max_events: a['retro-match-max-events'],
    retro_match_timeout: a['retro-match-timeout'],
    max_background_tasks: a['max-background-tasks'],
    transform_context: a['transform-context'],
    sink: a.sink,
  };
  const metrics = { interval: a['metrics-interval'], filename: a['metrics-filename'] };
  if (metrics.interval !== undefined || metrics.filename !== undefined) o.metrics = metrics;
  if (a.loglevel !== undefined) o.logging = { console_verbosity: normalizeLogLevel(a.loglevel) ?? a.loglevel };
  return o;
}

/**
 * The VAST/Tenzir executable must exist before anything starts. A missing
 * binary is a setup error, not an outage: retrying cannot fix it, so the
 * command exits 1 with one line naming `vast_binary` and where it looked, and
 * a supervisor shows the failure instead of a process retrying forever.
 * (VAST being down, by contrast, is retried with back-off.)
 */
export function missingBinaryLine(config: Pick<VastThreatBusConfig, 'vast_binary' | 'backend'>, pathVar = process.env.PATH): string | undefined {
  const { found, searched } = findExecutable(config.vast_binary, pathVar);
  if (found) return undefined;
  const what = config.backend === 'tenzir' ? 'Tenzir' : 'VAST';
  return `the ${what} executable '${config.vast_binary}' (vast_binary, --vast-binary) was not found (searched ${searched}); install ${what} or set vast_binary to its path`;
}

export async function main(argv = hideBin(process.argv)): Promise<number> {
  const args = parseArgs(argv);
  let config;
  try {
    config = loadConfig({ path: args.config, overrides: overridesFromArgs(args) });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Invalid config: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const missing = missingBinaryLine(config);
  if (missing) {
    process.stderr.write(`vast-threatbus: ${missing}\n`);
    return 1;
  }
  const handle = createLogger(config.logging, 'vast-threatbus');
  const app = new VastThreatBusApp({ config, logger: handle.logger });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    handle.logger.info(`Received ${sig}, shutting down`);
    void app.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  try {
    await app.start();
  } finally {
    await handle.close();
  }
  return 0;
}

/** Entry point of the `vast-threatbus` command (bin/vast-threatbus.js). */
export function runCli(): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`vast-threatbus: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
