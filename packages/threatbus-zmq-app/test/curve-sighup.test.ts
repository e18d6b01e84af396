/**
 * `kill -HUP` on a real bus process (the CLI, plugins discovered as installed)
 * reloads authorized_keys_file: a removed key is refused from then on, the
 * bus keeps running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { curveKeyPair, Request } from 'zeromq';
import { waitFor } from 'threatbus/testing';
import { freePorts, startProcess } from '../../../tools/processes';
import type { Running } from '../../../tools/processes';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'packages/threatbus/dist/cli.js');

async function heartbeat(port: number, keys: { curveServerKey: string; curvePublicKey: string; curveSecretKey: string }): Promise<string | undefined> {
  const s = new Request({ ...keys, linger: 0, receiveTimeout: 1000, sendTimeout: 1000 });
  try {
    s.connect(`tcp://127.0.0.1:${port}`);
    await s.send(JSON.stringify({ action: 'heartbeat', topic: 'x'.repeat(32) }));
    return (await s.receive())[0].toString();
  } catch {
    return undefined;
  } finally {
    s.close();
  }
}

test('--print-config masks the secret key; SIGHUP reloads authorized_keys_file in a running bus', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-sighup-'));
  const server = curveKeyPair();
  const alice = curveKeyPair();
  const keys = join(dir, 'authorized_keys');
  writeFileSync(keys, `${alice.publicKey}\n`);
  const [manage, pub, sub] = await freePorts(3);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `logging:\n  console: true\n  console_verbosity: INFO\n  file: false\nplugins:\n  backbones:\n    inmem: {}\n  apps:\n    zmq:\n      host: 127.0.0.1\n      manage: ${manage}\n      pub: ${pub}\n      sub: ${sub}\n` +
      `      curve:\n        secret_key: "${server.secretKey}"\n        authorized_keys_file: ${keys}\n`,
  );
  let bus: Running | undefined;
  try {
    // --print-config masks the secret key (and shows the rest of the section).
    const printed = startProcess(process.execPath, [CLI, '-c', config, '--print-config'], ROOT);
    expect(await printed.exited).toBe(0);
    expect(printed.output()).toContain('authorized_keys_file');
    expect(printed.output()).not.toContain(server.secretKey);

    bus = startProcess(process.execPath, [CLI, '-c', config], ROOT);
    await waitFor(`the bus ready (output: ${bus.output()})`, () => bus!.output().includes('Threat Bus ready'), 20_000);
    const asAlice = { curveServerKey: server.publicKey, curvePublicKey: alice.publicKey, curveSecretKey: alice.secretKey };
    expect(await heartbeat(manage, asAlice)).toBe('{"status": "error"}');

    writeFileSync(keys, '# nobody\n');
    bus.child.kill('SIGHUP');
    await waitFor('the reload', () => bus!.output().includes('Reloaded the authorized CURVE keys'), 10_000);
    expect(await heartbeat(manage, asAlice)).toBeUndefined();
    expect(bus.output()).toContain(alice.publicKey); // the refusal names her key
    expect(bus.output()).not.toContain(server.secretKey);
    expect(bus.child.exitCode).toBeNull();
    expect(await bus.stop()).toBe(0);
  } finally {
    await bus?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
