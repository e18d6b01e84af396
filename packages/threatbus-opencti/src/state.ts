/**
 * The last stream event id, kept in `state_file` so a restarted bus
 * continues where it stopped (spec/opencti.md §1.6). Written atomically
 * (temp file + rename, so a crash leaves the old or the new state, never a
 * torn one) and coalesced: at most one write per `flushMs`, plus one on stop.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isJsonObject } from 'threatbus';

/** A Redis stream id `<ms>-<seq>` (§1.6). */
export const EVENT_ID_RE = /^\d{1,16}-\d{1,16}$/;

export class StreamState {
  private current?: string;
  private written?: string;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly path: string | false | undefined,
    private readonly onError: (message: string) => void,
    private readonly flushMs = 1000,
  ) {}

  /** Read the state file; absent → undefined (first start: live events only). A broken file is reported and ignored. */
  load(): string | undefined {
    if (!this.path) return undefined;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(`cannot read state file '${this.path}': ${(e as Error).message}; starting with live events`);
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const id = isJsonObject(parsed) ? parsed.last_event_id : undefined;
    if (typeof id !== 'string' || !EVENT_ID_RE.test(id)) {
      this.onError(`state file '${this.path}' has no valid last_event_id; starting with live events`);
      return undefined;
    }
    this.current = this.written = id;
    return id;
  }

  get lastEventId(): string | undefined {
    return this.current;
  }

  /** Remember an id; written to the file within `flushMs`. */
  update(id: string): void {
    this.current = id;
    if (!this.path || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.flushMs);
  }

  /** Write now if the id changed since the last write. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.path || this.current === undefined || this.current === this.written) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ last_event_id: this.current, saved_at: new Date().toISOString() }) + '\n');
      renameSync(tmp, this.path);
      this.written = this.current;
    } catch (e) {
      this.onError(`cannot write state file '${this.path}': ${(e as Error).message}`);
    }
  }
}
