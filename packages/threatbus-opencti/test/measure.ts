/**
 * Not a test (no assertions on time): measures the plugin's stream intake
 * and snapshot paging against the OpenCTI double, in one process. Run:
 *
 *     npx jest --testMatch '**' packages/threatbus-opencti/test/measure.ts
 *
 * Figures are in the README ("Performance").
 */
import { MessageType } from 'threatbus';
import { OpenCtiDouble, envelope, indicatorStix, storeIndicator } from './opencti-double';
import { startBus, streamOpen, waitFor } from './helpers';

const STREAM_EVENTS = 20_000;
const SNAPSHOT_INDICATORS = 10_000;

test('measure stream intake and snapshot paging', async () => {
  const octi = await new OpenCtiDouble().start();
  const h = await startBus(octi);
  await streamOpen(h);
  const N = STREAM_EVENTS;
  // Built before the clock starts.
  const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(envelope('create', indicatorStix(`d${i}.example`))));
  const t0 = process.hrtime.bigint();
  for (const b of bodies) octi.emit('create', b);
  await waitFor('every indicator on the bus', () => h.app.counters.intake.published === N, 120_000, 5);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`stream: ${N} create events → bus in ${ms.toFixed(0)} ms = ${(N / ms * 1000).toFixed(0)}/s`);
  for (let i = 0; i < SNAPSHOT_INDICATORS; i++) storeIndicator(octi, indicatorStix(`s${i}.example`, { updatedAt: new Date(Date.now() - i * 1000).toISOString() }));
  const t1 = process.hrtime.bigint();
  let n = 0;
  await h.app.snapshot({ type: 'snapshotrequest', snapshot_type: MessageType.INDICATOR, snapshot_id: 'x', snapshot: 86400 * 30 }, { send: async () => void n++ });
  const ms2 = Number(process.hrtime.bigint() - t1) / 1e6;
  console.log(`snapshot: ${n} indicators, page_size 500, in ${ms2.toFixed(0)} ms = ${(n / ms2 * 1000).toFixed(0)}/s`);
  await h.closeBus();
  await octi.stop();
}, 300_000);
