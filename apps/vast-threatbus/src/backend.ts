/**
 * The command lines for VAST (`vast` CLI, as PyVAST built them: spec
 * spec/vast-app.md §3, §5; spec/vectors/vast-commands.json) and for its successor
 * Tenzir (`tenzir` binary running TQL pipelines).
 */
import type { Command } from './process';

export type BackendName = 'vast' | 'tenzir';

export interface RetroOptions {
  /** 0 = unlimited. */
  maxEvents: number;
  lowPriority: boolean;
}

export interface Backend {
  readonly name: BackendName;
  /** Exit code 0 = the node is reachable. */
  status(): Command;
  /** Help text of export; null when the backend has no probe (no low-priority support). */
  exportHelp(): Command | null;
  export(query: string, options: RetroOptions): Command;
  /** Live matching commands; null when the backend has no matcher. */
  matcher: MatcherCommands | null;
}

export interface MatcherCommands {
  add(matcher: string, value: string, reference: string): Command;
  remove(matcher: string, value: string): Command;
  attach(matcher: string): Command;
}

/** VAST: `vast -e <endpoint> <command> …`, keyword options as `--name=value` after the sub-command (PyVAST order). */
export function vastBackend(binary: string, endpoint: string): Backend {
  const cmd = (...args: string[]): Command => ({ file: binary, args: ['-e', endpoint, ...args] });
  return {
    name: 'vast',
    status: () => cmd('status'),
    exportHelp: () => cmd('export', '--help'),
    export: (query, o) =>
      cmd(
        'export',
        '--caf.scheduler.max-threads=1',
        ...(o.lowPriority ? ['--low-priority'] : []),
        ...(o.maxEvents > 0 ? [`--max-events=${o.maxEvents}`] : []),
        'json',
        query,
      ),
    matcher: {
      add: (m, value, ref) => cmd('matcher', 'add', m, value, ref),
      remove: (m, value) => cmd('matcher', 'remove', m, value),
      attach: (m) => cmd('matcher', 'attach', 'json', m),
    },
  };
}

/**
 * Tenzir v4 pipelines (TQL1, whose `where` takes the VAST expression
 * language, so the same queries work). The node endpoint is passed as
 * `TENZIR_ENDPOINT`, which every Tenzir binary honours. Tenzir replaced
 * VAST's matcher plugin by contexts, so there is no live matching here.
 */
export function tenzirBackend(binary: string, endpoint: string): Backend {
  const env = { TENZIR_ENDPOINT: endpoint };
  const pipeline = (p: string): Command => ({ file: binary, args: [p], env });
  return {
    name: 'tenzir',
    status: () => pipeline('remote version'),
    exportHelp: () => null,
    export: (query, o) =>
      pipeline(`export${o.lowPriority ? ' --low-priority' : ''} | where ${query}${o.maxEvents > 0 ? ` | head ${o.maxEvents}` : ''} | write json -c`),
    matcher: null,
  };
}

export function makeBackend(name: BackendName, binary: string, endpoint: string): Backend {
  return name === 'tenzir' ? tenzirBackend(binary, endpoint) : vastBackend(binary, endpoint);
}
