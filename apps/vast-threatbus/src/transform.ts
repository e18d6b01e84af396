/**
 * `transform_context` (spec/vast-app.md §7) and `sink` (§8).
 *
 * Differences from the original, on purpose:
 * - the template is split into arguments first and `%ioc`/`%matchtype` are
 *   substituted inside each argument, so an IoC value with spaces or quotes
 *   stays one argument (spec/quirks.md F9: argument injection);
 * - `%ioc` is substituted for sinks too (spec/quirks.md F8);
 * - a failed transformation drops that one sighting with an ERROR log instead
 *   of crashing the reporter (spec/quirks.md F1).
 */
import { parseSighting, pythonJsonStringify } from 'threatbus';
import type { Logger, Sighting } from 'threatbus';
import { describeCommand, run } from './process';
import type { Command } from './process';
import { indicatorToQueryResult } from './query';
import { shlexSplit } from './shlex';

/** Build the command for a template: split shell-like, then substitute placeholders per argument. */
export function templateCommand(template: string, ioc: string | undefined, matchType: string | undefined): Command {
  const words = shlexSplit(template).map((w) => {
    let out = w;
    if (ioc !== undefined) out = out.split('%ioc').join(ioc);
    if (matchType !== undefined) out = out.split('%matchtype').join(matchType);
    return out;
  });
  if (words.length === 0) throw new Error('empty command');
  return { file: words[0], args: words.slice(1) };
}

function hasContext(s: Sighting): boolean {
  const c = s.x_threatbus_sighting_context;
  if (c === undefined || c === null || c === '') return false;
  if (typeof c === 'object' && Object.keys(c as object).length === 0) return false;
  return true;
}

/**
 * The IoC a sighting is about: the decoded value(s) of its indicator's pattern
 * (a compound pattern gives its values joined with `,`), else
 * `x_threatbus_indicator_value` (live matches).
 */
export function sightingIoc(s: Sighting): string | undefined {
  if (s.x_threatbus_indicator) {
    const r = indicatorToQueryResult(s.x_threatbus_indicator);
    if ('query' in r) return r.iocs.map((i) => i.value).join(',');
  }
  return typeof s.x_threatbus_indicator_value === 'string' ? s.x_threatbus_indicator_value : undefined;
}

/** Python `json.dumps` text of the context (what the original piped to commands). */
export function contextJson(s: Sighting): string {
  return pythonJsonStringify(s.x_threatbus_sighting_context);
}

/** Run `transform_context` for one sighting; null (logged) when the sighting has to be dropped. */
export async function transformContext(s: Sighting, template: string, logger: Logger, timeoutS = 0): Promise<Sighting | null> {
  if (!hasContext(s)) {
    logger.error(`Cannot invoke \`transform_context\` command because no context data is found in sighting ${s.id}`);
    return null;
  }
  const ioc = sightingIoc(s);
  if (ioc === undefined) {
    logger.error(`Cannot invoke \`transform_context\` command because no IoC value is found in sighting ${s.id}`);
    return null;
  }
  let cmd: Command;
  try {
    cmd = templateCommand(template, ioc, s.x_threatbus_match_type);
  } catch (e) {
    logger.error(`Invalid \`transform_context\` command '${template}': ${(e as Error).message}`);
    return null;
  }
  const r = await run(cmd, { stdin: contextJson(s), timeoutS });
  if (r.spawnError || r.code !== 0) {
    const why = r.spawnError?.message ?? (r.timedOut ? 'timed out' : `exit code ${r.code}`);
    logger.error(`Error while transforming sighting context: ${describeCommand(cmd)}: ${why}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
    return null;
  }
  let context: unknown;
  try {
    context = JSON.parse(r.stdout);
  } catch {
    logger.error(`Error while transforming sighting context: output of ${describeCommand(cmd)} is not JSON, dropping sighting ${s.id}`, {
      output: r.stdout.slice(0, 200),
    });
    return null;
  }
  return parseSighting({ ...s, x_threatbus_sighting_context: context });
}

/** Where sightings go when `sink` is set. */
export interface SinkOptions {
  sink: string;
  logger: Logger;
  /** Where `STDOUT` prints (injectable for tests). */
  stdout?: (line: string) => void;
  timeoutS?: number;
}

export function isStdoutSink(sink: string): boolean {
  return sink.toLowerCase() === 'stdout';
}

/** Emit the context of one sighting to the sink (never the sighting object). */
export async function sendToSink(s: Sighting, o: SinkOptions): Promise<void> {
  if (!hasContext(s)) {
    o.logger.warn(`Cannot report sighting context to custom sink because no context data is found in sighting ${s.id}`);
    return;
  }
  if (isStdoutSink(o.sink)) {
    (o.stdout ?? ((l: string) => process.stdout.write(l + '\n')))(contextJson(s));
    return;
  }
  let cmd: Command;
  try {
    cmd = templateCommand(o.sink, sightingIoc(s), s.x_threatbus_match_type);
  } catch (e) {
    o.logger.error(`Invalid \`sink\` command '${o.sink}': ${(e as Error).message}`);
    return;
  }
  const r = await run(cmd, { stdin: contextJson(s), timeoutS: o.timeoutS });
  if (r.spawnError || r.code !== 0) {
    const why = r.spawnError?.message ?? (r.timedOut ? 'timed out' : `exit code ${r.code}`);
    o.logger.error(`Error while sending sighting context to sink: ${describeCommand(cmd)}: ${why}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
  }
}
