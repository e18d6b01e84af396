#!/usr/bin/env node
/**
 * `threatbus -c config.yaml`: start the bus; `--check` validates and prints
 * the plan; `--print-config` prints the effective config with secrets masked.
 * Exit codes: 0 ok, 1 config or start-up error, 2 usage error.
 */
import yargs from 'yargs';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from './config/validate';
import { maskSecrets } from './config/mask';
import { normalizeLogLevel } from './logging';
import { planBus } from './plan';
import type { BusPlan } from './plan';
import { rawConfigFrom, startThreatBus } from './start';
import type { StartedBus } from './start';

// require(), not import: package.json lies outside the TypeScript rootDir.
const { version } = require('../package.json') as { version: string };

interface Args {
  config?: string;
  check: boolean;
  'print-config': boolean;
  'log-level'?: string;
}

function parseArgs(argv: string[]): Args {
  return yargs(argv)
    .scriptName('threatbus')
    .usage('$0 [-c config.yaml]\n\nThreat Bus: a publish/subscribe bus for threat intelligence (STIX-2.1).\nWithout -c, ./config.yaml or ./config.yml is used.')
    .option('config', { alias: 'c', type: 'string', describe: 'configuration file (YAML)' })
    .option('check', { type: 'boolean', default: false, describe: 'validate the config, print what would be loaded, exit 0 (valid) or 1' })
    .option('print-config', { type: 'boolean', default: false, describe: 'print the effective config (file + .env + THREATBUS_* variables, defaults) with secrets masked, and exit' })
    .option('log-level', { type: 'string', describe: 'console verbosity: DEBUG, INFO, WARNING, ERROR or CRITICAL (overrides logging.console_verbosity)' })
    .version(version)
    .alias('h', 'help')
    .strict()
    .fail((msg, err) => {
      process.stderr.write(`threatbus: ${msg ?? err?.message}\nRun threatbus --help for usage.\n`);
      process.exit(2);
    })
    .parseSync() as unknown as Args;
}

function describePlan(plan: BusPlan): string {
  const lines = [`Configuration: ${plan.file ?? '(environment only)'} is valid.`];
  for (const b of plan.backbones) lines.push(`  backbone ${b.name.padEnd(10)} ${b.origin}${plan.defaultBackbone ? ' (default)' : ''}`);
  for (const a of plan.apps) lines.push(`  app      ${a.name.padEnd(10)} ${a.origin}`);
  if (plan.apps.length === 0) lines.push('  (no apps configured)');
  for (const p of plan.unconfigured) lines.push(`  not configured, ignored: ${p.kind} '${p.name}' (${p.packageName})`);
  for (const w of plan.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n') + '\n';
}

function fail(e: unknown): never {
  if (e instanceof ConfigError) {
    process.stderr.write(`Invalid config:\n${e.problems.length > 1 ? e.message.split('\n').map((l) => '  ' + l).join('\n') : '  ' + e.message}\n`);
  } else {
    process.stderr.write(`threatbus: ${(e as Error)?.stack ?? String(e)}\n`);
  }
  process.exit(1);
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  let logLevel;
  if (args['log-level'] !== undefined) {
    logLevel = normalizeLogLevel(args['log-level']);
    if (!logLevel) {
      process.stderr.write(`threatbus: --log-level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got '${args['log-level']}'\n`);
      process.exit(2);
    }
  }
  if (args.check || args['print-config']) {
    try {
      const plan = planBus(rawConfigFrom({ configPath: args.config }));
      if (args['print-config']) process.stdout.write(toYaml(maskSecrets(plan.config, plan.secrets)));
      else process.stdout.write(describePlan(plan));
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  }

  // Handlers go in before start-up, so a signal during start-up is not the default "die at once".
  let started: StartedBus | undefined;
  let stopRequested: string | undefined;
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`threatbus: second ${signal}, exiting immediately\n`);
      process.exit(130);
    }
    if (!started) {
      stopRequested = signal; // acted on once start-up finished
      return;
    }
    started.logger.info(`Received ${signal}, shutting down`);
    // A plugin that hangs in stop() must not keep the process alive forever.
    const force = setTimeout(() => {
      process.stderr.write('threatbus: plugins did not stop within 10 s, exiting\n');
      process.exit(1);
    }, 10_000);
    force.unref();
    started.close().then(
      // stderr is asynchronous when it is a pipe: exit once what was logged has been written.
      () => process.stderr.write('', () => process.exit(0)),
      (e) => {
        process.stderr.write(`threatbus: error during shutdown: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    started = await startThreatBus({ configPath: args.config, logLevel });
  } catch (e) {
    fail(e);
  }
  if (stopRequested) {
    signals = 0;
    shutdown(stopRequested);
  }
}

/** Entry point of the `threatbus` command (bin/threatbus.js). */
export function runCli(): void {
  main().catch(fail);
}

if (require.main === module) runCli();
