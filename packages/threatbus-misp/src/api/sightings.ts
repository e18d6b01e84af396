/**
 * Reports sightings from the bus to MISP (`POST /sightings/add`, spec/misp.md §8).
 *
 * Each sighting is delivered on its own with retries (exponential backoff
 * from `retry_delay`, capped at 60 s, for at most `retry_for` seconds), up
 * to `max_in_flight` at once, so one sighting MISP keeps rejecting does not
 * hold up the others. Counters say how many were sent and how many failed;
 * the same goes to `threatbus_misp_sightings_total{result}` (ok, retried,
 * failed, skipped) and to the uniform series: a sighting MISP accepted is
 * `messages_out{type="sighting"}`, one given up on or not reportable is a
 * drop (`error`, `not_mappable`).
 */
import { BoundedTasks, MessageQueue, retryWithBackoff, warnOnOverflow } from 'threatbus';
import type { Logger, Message, PluginCounter, PluginMetrics } from 'threatbus';
import type { ApiConfig } from '../config';
import { mapSighting } from '../mapping/sighting';
import type { MispSighting } from '../mapping/sighting';
import { MispApiError, mispErrorText } from './client';
import type { MispClient } from './client';

export interface SightingCounters {
  /** Accepted by MISP. */
  sent: number;
  /** Given up on after retrying for `retry_for` seconds, or pending at shutdown. */
  failed: number;
  /** Attempts that failed and were retried. */
  retries: number;
  /** Not reportable (no `indicator--` ref or no valid `created`). */
  skipped: number;
}

export class SightingReporter {
  readonly queue: MessageQueue<Message>;
  readonly counters: SightingCounters = { sent: 0, failed: 0, retries: 0, skipped: 0 };
  private readonly abort = new AbortController();
  private readonly inFlight: BoundedTasks;
  private loop?: Promise<void>;
  private readonly results: PluginCounter;

  constructor(
    private readonly client: MispClient,
    private readonly config: ApiConfig,
    private readonly logger: Logger,
    private readonly metrics: Pick<PluginMetrics, 'messageOut' | 'dropped' | 'counter'>,
  ) {
    const overflow = warnOnOverflow(logger, 'misp sightings');
    this.inFlight = new BoundedTasks(config.max_in_flight);
    this.queue = new MessageQueue({
      onOverflow: (dropped) => {
        metrics.dropped('queue_full', dropped);
        overflow(dropped);
      },
    });
    this.results = metrics.counter('threatbus_misp_sightings_total', 'Sightings reported to MISP, by result (ok, retried, failed, skipped)', ['result']);
  }

  /** Sightings waiting to be sent or in flight (for threatbus_queue_depth). */
  get depth(): number {
    return this.queue.size + this.inFlight.size;
  }

  private count(result: 'ok' | 'retried' | 'failed' | 'skipped'): void {
    this.results.inc({ result });
    if (result === 'ok') this.metrics.messageOut('sighting');
    else if (result === 'failed') this.metrics.dropped('error');
    else if (result === 'skipped') this.metrics.dropped('not_mappable');
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stop taking sightings; pending retries are abandoned and counted as failed. */
  async stop(): Promise<void> {
    this.queue.close();
    this.queue.clear();
    this.abort.abort(new Error('plugin stopping'));
    await this.loop;
    await this.inFlight.settled();
  }

  private async run(): Promise<void> {
    for await (const message of this.queue) {
      if (this.abort.signal.aborted) break;
      const body = mapSighting(message);
      if (!body) {
        this.counters.skipped++;
        this.count('skipped');
        this.logger.debug('Not reporting sighting to MISP: it does not refer to an indicator--<uuid> or lacks a valid created time', {
          sighting_id: (message as { id?: unknown }).id,
        });
        continue;
      }
      await this.inFlight.start(() => this.deliver(body, String((message as { id?: unknown }).id)));
    }
  }

  /** One POST; resolves with MISP's answer or throws with a reason. */
  private async postOnce(body: MispSighting): Promise<unknown> {
    const answer = await this.client.post('/sightings/add', body, this.abort.signal);
    // As the original: an empty answer or one carrying a `message` is MISP saying no.
    const msg = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>).message : undefined;
    if (!answer || (typeof msg === 'string' && msg !== '')) {
      throw new MispApiError(`MISP refused the sighting: ${mispErrorText(answer) ?? JSON.stringify(answer)}`, 200, answer);
    }
    return answer;
  }

  private async deliver(body: MispSighting, sightingId: string): Promise<void> {
    const meta = { sighting_id: sightingId, attribute: body.id };
    const outcome = await retryWithBackoff(() => this.postOnce(body), {
      initialDelayMs: this.config.retry_delay * 1000,
      retryForMs: this.config.retry_for * 1000,
      signal: this.abort.signal,
      onRetry: (e, attempt, delay) => {
        this.counters.retries++;
        this.count('retried');
        const log = attempt === 1 ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger);
        log('Failed to report sighting to MISP, will retry', { ...meta, attempt, retry_in_s: delay / 1000, error: errorText(e) });
      },
    });
    if (outcome.status === 'done') {
      this.counters.sent++;
      this.count('ok');
      this.logger.debug('Reported sighting to MISP', { ...meta, attempt: outcome.attempts, answer: JSON.stringify(outcome.value)?.slice(0, 200) });
      return;
    }
    this.counters.failed++;
    this.count('failed');
    if (outcome.status === 'gave-up') this.logger.error('Failed to report sighting to MISP, giving up', { ...meta, attempts: outcome.attempts, error: errorText(outcome.error) });
    else this.logger.warn('Sighting not reported to MISP: the plugin stopped while it was pending', meta);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
