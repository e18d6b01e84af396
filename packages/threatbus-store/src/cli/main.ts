/**
 * `threatbus-store export|import|stats [-c config.yaml]`: back up, migrate
 * and seed the store of a bus. The config is the bus's own; the database is
 * the one `plugins.apps.store.path` names. Exit codes: 0 ok, 1 error (or
 * objects refused by an import), 2 usage error.
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError } from 'threatbus';
import { StoreError } from '../errors';
import { exportStore } from './export';
import { importFile } from './import';
import { formatStats, readStats, statsJson } from './stats';
import { loadStoreConfig, parseSince } from './store-config';

const USAGE = `Usage: threatbus-store <command> [-c config.yaml] [options]

Commands:
  export [--since TIME|SPAN] [--jsonl]   write the store as a STIX 2.1 bundle (or JSON lines) to stdout
  import FILE                            add a STIX 2.1 bundle or JSON-lines file (validated; removals honoured)
  stats [--json]                         counts by type, size on disk, oldest and newest object

Options:
  -c, --config FILE   the bus's configuration (default ./config.yaml or ./config.yml);
                      the database is plugins.apps.store.path
  --since VALUE       export only objects created or modified since a time (2026-01-31T00:00:00Z) or a span (7d, 12h, 30m)
  --jsonl             export one object per line instead of a bundle
  --json              stats as one JSON object
  -h, --help          this text
`;

class UsageError extends Error {}

interface Io {
  stdout: Writable;
  stderr: { write(s: string): boolean };
}

/** Run a command; resolves with the exit code. */
export async function run(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        since: { type: 'string' },
        jsonl: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.stderr.write(`threatbus-store: ${(e as Error).message}\nRun threatbus-store --help for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const [command, ...rest] = positionals;
    if (!command) throw new UsageError('a command is required: export, import or stats');
    if (command === 'import' ? rest.length !== 1 : rest.length !== 0) {
      throw new UsageError(command === 'import' ? 'import takes exactly one FILE' : `unexpected argument '${rest[0]}'`);
    }
    if (command !== 'export' && (values.since !== undefined || values.jsonl)) throw new UsageError('--since and --jsonl are options of export');
    if (command !== 'stats' && values.json) throw new UsageError('--json is an option of stats');
    if (!['export', 'import', 'stats'].includes(command)) throw new UsageError(`unknown command '${command}'; use export, import or stats`);
    let since = 0;
    if (values.since !== undefined) {
      try {
        since = parseSince(values.since);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const config = loadStoreConfig(values.config);
    if (command === 'stats') {
      const stats = readStats(config.path);
      io.stdout.write(values.json ? statsJson(stats) : formatStats(stats));
      return 0;
    }
    if (command === 'export') {
      const n = await exportStore({ path: config.path, since, jsonl: values.jsonl ?? false, out: io.stdout });
      io.stderr.write(`exported ${n} objects from ${config.path}\n`);
      return 0;
    }
    const r = await importFile(config.path, rest[0]);
    for (const p of r.problems) io.stderr.write(`invalid: ${p}\n`);
    if (r.invalid > r.problems.length) io.stderr.write(`invalid: ... and ${r.invalid - r.problems.length} more\n`);
    io.stderr.write(
      `imported ${r.read} objects into ${config.path}: ${r.written} new or newer, ${r.read - r.written} unchanged (an equal or newer version was stored)` +
        `${r.invalid ? `, ${r.invalid} invalid (skipped)` : ''}${r.otherTypes ? `, ${r.otherTypes} of other STIX types (skipped)` : ''}\n`,
    );
    return r.invalid > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`threatbus-store: ${e.message}\nRun threatbus-store --help for usage.\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      io.stderr.write(`Invalid config:\n${e.message.split('\n').map((l) => '  ' + l).join('\n')}\n`);
      return 1;
    }
    if (e instanceof StoreError) {
      io.stderr.write(`threatbus-store: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`threatbus-store: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

/** The bin entry point. */
export function runCli(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`threatbus-store: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
