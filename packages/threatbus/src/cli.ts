#!/usr/bin/env node
/**
 * `threatbus -c config.yaml`: start the bus; `--check` validates and prints
 * the plan; `--print-config` prints the effective config with secrets masked.
 * Exit codes: 0 ok (also after a graceful stop on SIGINT/SIGTERM or when the
 * parent process exited), 1 config or start-up error or an uncaught exception,
 * 2 usage error, 130 a second signal during shutdown.
 */
import yargs from 'yargs';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from './config/validate';
import { maskSecrets } from './config/mask';
import { normalizeLogLevel } from './logging';
import { planBus } from './runtime/plan';
import type { BusPlan } from './runtime/plan';
import { rawConfigFrom, startThreatBus } from './runtime/start';
import { describeFailure, looksLikeBug } from './runtime/failure';
import { errorText, installLastResortHandlers, keepAliveWatchingParent } from './runtime/lifecycle';
import type { StartedBus } from './runtime/start';

// require(), not import: package.json lies outside the TypeScript rootDir.
const { version } = require('../package.json') as { version: string };

interface Args {
  config?: string;
  check: boolean;
  'print-config': boolean;
  'log-level'?: string;
  'watch-parent': boolean;
}

function parseArgs(argv: string[]): Args {
  return yargs(argv)
    .scriptName('threatbus')
    .usage('$0 [-c config.yaml]\n\nThreat Bus: a publish/subscribe bus for threat intelligence (STIX-2.1).\nWithout -c, ./config.yaml or ./config.yml is used.')
    .option('config', { alias: 'c', type: 'string', describe: 'configuration file (YAML)' })
    .option('check', { type: 'boolean', default: false, describe: 'validate the config, print what would be loaded, exit 0 (valid) or 1' })
    .option('print-config', { type: 'boolean', default: false, describe: 'print the effective config (file + .env + THREATBUS_* variables, defaults) with secrets masked, and exit' })
    .option('log-level', { type: 'string', describe: 'console verbosity: DEBUG, INFO, WARNING, ERROR or CRITICAL (overrides logging.console_verbosity)' })
    .option('watch-parent', { type: 'boolean', default: true, describe: 'shut down gracefully when the parent process (e.g. npx) exits; --no-watch-parent to keep running' })
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

/** Print one line for an expected failure (a stack trace for a bug, or with --log-level debug) and exit 1. */
function fail(e: unknown, debug = false): never {
  const bug = looksLikeBug(e);
  const stack = (bug || debug) && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  const prefix = e instanceof ConfigError ? '' : bug ? 'threatbus: unexpected error (a bug, please report it): ' : 'threatbus: cannot start: ';
  process.stderr.write(`${prefix}${describeFailure(e)}${stack}\n`);
  process.exit(1);
}

/** Exit once everything written to stderr and stdout has reached them (they are asynchronous when they are pipes on some systems). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
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
  const debug = logLevel === 'DEBUG';
  if (args.check || args['print-config']) {
    try {
      const plan = planBus(rawConfigFrom({ configPath: args.config }));
      if (args['print-config']) process.stdout.write(toYaml(maskSecrets(plan.config, plan.secrets)));
      else process.stdout.write(describePlan(plan));
    } catch (e) {
      fail(e, debug);
    }
    exitAfterFlush(0);
    return;
  }

  // Handlers go in before start-up, so a signal during start-up is not the default "die at once".
  let started: StartedBus | undefined;
  let stopRequested: { reason: string; code: number } | undefined;
  let stopping = false;
  let signals = 0;
  const shutdown = (reason: string, exitCode = 0) => {
    if (stopping) return;
    if (!started) {
      // Acted on once start-up finished; a start-up that hangs (a silent peer) must not ignore the stop.
      if (!stopRequested) {
        setTimeout(() => {
          process.stderr.write(`threatbus: ${reason}, and start-up did not finish within 10 s; exiting\n`);
          process.exit(1);
        }, 10_000).unref();
      }
      stopRequested ??= { reason, code: exitCode };
      return;
    }
    stopping = true;
    stopWatching();
    started.logger.info(`${reason}, shutting down`);
    // A plugin that hangs in stop() must not keep the process alive forever.
    const force = setTimeout(() => {
      process.stderr.write('threatbus: plugins did not stop within 10 s, exiting\n');
      process.exit(1);
    }, 10_000);
    force.unref();
    started.close().then(
      () => exitAfterFlush(exitCode),
      (e) => {
        process.stderr.write(`threatbus: error during shutdown: ${describeFailure(e)}\n`);
        exitAfterFlush(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (++signals > 1) {
      process.stderr.write(`threatbus: second ${signal}, exiting immediately\n`);
      process.exit(130);
    }
    shutdown(`Received ${signal}`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Runs until told to stop (also with nothing configured that holds a socket), and not past its parent.
  const stopWatching = keepAliveWatchingParent((parent) => shutdown(`Parent process ${parent} exited`), undefined, args['watch-parent']);
  installLastResortHandlers({
    onRejection: (reason, count) => {
      const line = `Unhandled promise rejection (${count} so far), a bug in Threat Bus or a plugin; the bus keeps running`;
      if (started) started.logger.error(line, { error: errorText(reason), ...(debug && reason instanceof Error ? { stack: reason.stack } : {}) });
      else process.stderr.write(`threatbus: ${line}: ${errorText(reason)}\n`);
    },
    onException: (error, count) => {
      const line = `Uncaught exception (${count} so far), a bug in Threat Bus or a plugin; state may be inconsistent, stopping`;
      if (started && !stopping) {
        started.logger.critical(line, { error: errorText(error), ...(error instanceof Error ? { stack: error.stack } : {}) });
        shutdown('Uncaught exception', 1);
      } else {
        process.stderr.write(`threatbus: ${line}: ${error instanceof Error ? error.stack : errorText(error)}\n`);
        if (!started) process.exit(1);
      }
    },
  });
  try {
    started = await startThreatBus({ configPath: args.config, logLevel });
  } catch (e) {
    fail(e, debug);
  }
  if (stopRequested) shutdown(stopRequested.reason, stopRequested.code);
}

/** Entry point of the `threatbus` command (bin/threatbus.js). */
export function runCli(): void {
  main().catch((e) => fail(e));
}

if (require.main === module) runCli();
