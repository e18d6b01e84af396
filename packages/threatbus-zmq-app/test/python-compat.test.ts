/**
 * Wire compatibility: a plain Python app (Debian's python3-zmq, written from
 * the spec, sending the original apps' bytes) against the plugin. Runs when
 * /usr/bin/python3 can `import zmq` (.ci/run installs python3-zmq); otherwise
 * jest reports it as skipped with the reason (tools/peers.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { loadVectors } from '../../../tools/vectors';
import { startBus, indicator, collect, waitFor } from './helpers';
import { needs, PYTHON_ZMQ } from '../../../tools/peers';

const PYTHON = '/usr/bin/python3';
const pythonTest = needs(PYTHON_ZMQ).test;

type Line = Record<string, unknown> & { kind: string };

pythonTest('a Python app speaking the original protocol works unchanged', async () => {
  const t = await startBus();
  const child = spawn(PYTHON, [resolve(__dirname, 'python/original_app.py'), '127.0.0.1', String(t.ports.manage)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Line));
  try {
    const sightings = collect(t, 'stix2/sighting');
    await waitFor('the Python app to subscribe', () => lines.some((l) => l.kind === 'ready'));
    const p2p = lines.find((l) => l.kind === 'ready')!.p2p as string;
    await waitFor('its SUB socket', () => t.app.registry!.get(p2p)?.join === 'joined');
    const sent = indicator(42);
    await t.started.bus.publish(sent);
    child.stdin.write('go\n');
    expect(await exited).toBe(0);

    // Management replies: exactly the vectors' replies, in Python's JSON formatting.
    const vectors = loadVectors<{ request?: string }, unknown>('zmq-management.json');
    const manage = lines.filter((l) => l.kind === 'manage');
    expect(manage).toHaveLength(8);
    for (const m of manage) {
      const v = vectors.find((x) => x.input.request === m.request);
      expect(v).toBeDefined();
      expect(m.reply).toBe(JSON.stringify(v!.expected).replace(/":/g, '": '));
    }
    const sub = lines.find((l) => l.kind === 'subscribe')!.reply as Record<string, unknown>;
    expect(Object.keys(sub)).toEqual(['topic', 'pub_port', 'sub_port', 'status']);
    expect(sub).toEqual({ topic: p2p, pub_port: t.ports.pub, sub_port: t.ports.sub, status: 'success' });
    expect(lines.find((l) => l.kind === 'heartbeat')!.reply).toEqual({ status: 'success' });

    // The indicator frame, as the original apps parse it.
    const received = lines.filter((l) => l.kind === 'received');
    expect(received[0]).toMatchObject({ topic: `${p2p}indicator`, is_indicator: true });
    expect(received[0].payload).toEqual(JSON.parse(JSON.stringify(sent)));
    expect((received[0].raw as string).startsWith(`${p2p}indicator {"type": "indicator", "spec_version": "2.1", "id": "${sent.id}"`)).toBe(true);

    // The sighting reached the bus, and came back to the app on its p2p topic.
    await waitFor('the sighting in the bus', () => sightings.length === 1);
    const pySighting = lines.find((l) => l.kind === 'sent_sighting')!.sighting as Record<string, unknown>;
    expect(sightings[0]).toMatchObject({ id: pySighting.id, sighting_of_ref: sent.id, x_threatbus_source: 'VAST' });
    expect(received[1]).toMatchObject({ topic: `${p2p}sighting` });
    expect(received[1].raw).toBe(
      `${p2p}sighting {"type": "sighting", "spec_version": "2.1", "id": "sighting--c3b5c4a4-6bd0-4ff4-8c0e-8b2cbd2b9c1b", "created": "2021-05-04T15:15:58.000Z", "modified": "2021-05-04T15:15:58.000Z", "last_seen": "2021-05-04T15:15:58.919Z", "sighting_of_ref": "${sent.id}", "x_threatbus_sighting_context": {"ts": "x", "noisy": false}, "x_threatbus_source": "VAST"}`,
    );

    // Exit hook: unsubscribe, after which heartbeats fail.
    expect(lines.find((l) => l.kind === 'unsubscribe')!.reply).toEqual({ status: 'success' });
    expect(lines.find((l) => l.kind === 'heartbeat_after')!.reply).toEqual({ status: 'error' });
    expect(t.app.registry!.size).toBe(0);
  } catch (e) {
    throw new Error(`${(e as Error).message}\npython stderr:\n${stderr}\nlines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  } finally {
    if (child.exitCode === null) child.kill();
    await exited;
    await t.close();
  }
});
