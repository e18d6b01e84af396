/** CURVE keys: Z85, the public key of a secret key, key files, and the keygen command whose output the bus and clients load. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { startTestBus } from 'threatbus/testing';
import zmqPlugin from '../src';
import { curvePublicKey, isZ85Key, parseKeyLines, z85Decode, z85Encode } from '../src/curve/keys';
import { ThreatBusClient } from '../src/client/client';
import type { BoundPorts, ZmqApp } from '../src/plugin';
import { keygenMain } from '../src/keygen';

test('Z85 round-trips and derives the public key as libzmq does', () => {
  // ZeroMQ RFC 32's test vector.
  expect(z85Encode(Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe('HelloWorld');
  for (let i = 0; i < 50; i++) {
    const pair = curveKeyPair();
    expect(z85Encode(z85Decode(pair.secretKey))).toBe(pair.secretKey);
    expect(curvePublicKey(pair.secretKey)).toBe(pair.publicKey);
    expect(isZ85Key(pair.publicKey)).toBe(true);
  }
  expect(isZ85Key('HelloWorld')).toBe(false);
  expect(isZ85Key(' '.repeat(40))).toBe(false);
});

test('key lines: comments, blank lines, and `#` inside keys', () => {
  // No Z85 key starts with `#` (its value would exceed 2^32), but `#` inside a key is common.
  let inner = '';
  while (!/^[^#].*#/.test(inner)) inner = curveKeyPair().publicKey;
  const plain = curveKeyPair().publicKey;
  const text = `# comment\n\n  ${plain}   # trailing comment\n${inner}\n${inner} #again\nnot a key\n`;
  const { keys, problems } = parseKeyLines(text);
  expect(keys).toEqual([plain, inner, inner]);
  expect(problems).toEqual([expect.stringMatching(/^line 6: not a Z85 CURVE key/)]);
  expect(isZ85Key('#' + plain.slice(1))).toBe(false);
});

describe('keygen', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tb-keygen-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('writes a private secret file and a public file that the bus and a client load', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(keygenMain(['--out', join(dir, 'server')], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect(keygenMain(['--out', join(dir, 'client')], () => {}, () => {})).toBe(0);
    expect(statSync(join(dir, 'server.secret')).mode & 0o777).toBe(0o600);
    const serverPublic = readFileSync(join(dir, 'server.public'), 'utf8').trim();
    expect(out.join('')).toContain(`public key: ${serverPublic}`);
    // Refuses to overwrite.
    expect(keygenMain(['--out', join(dir, 'server')], () => {}, (s) => err.push(s))).toBe(1);
    expect(err.join('')).toMatch(/exists; pass --force/);

    const clientSecret = parseKeyLines(readFileSync(join(dir, 'client.secret'), 'utf8')).keys[0];
    const clientPublic = readFileSync(join(dir, 'client.public'), 'utf8').trim();
    const tb = await startTestBus({
      config: { plugins: { apps: { zmq: { host: '127.0.0.1', manage: 0, pub: 0, sub: 0, curve: { secret_key_file: join(dir, 'server.secret'), authorized_keys_file: join(dir, 'client.public') } } } } },
      plugins: [zmqPlugin],
      probe: false,
    });
    const app = tb.plugin<ZmqApp>('zmq');
    const client = new ThreatBusClient({ endpoint: `127.0.0.1:${(app.ports as BoundPorts).manage}`, requestTimeoutMs: 2000, curve: { server_key: serverPublic, public_key: clientPublic, secret_key: clientSecret } });
    try {
      expect(app.curve?.publicKey).toBe(serverPublic);
      await client.start();
      expect(client.connected).toBe(true);
    } finally {
      await client.close();
      await tb.close();
    }
  });

  test('the bin prints a YAML key pair without --out, and says what is wrong with bad arguments', () => {
    const bin = resolve(__dirname, '../dist/bin.js');
    const ok = spawnSync(process.execPath, [bin, 'keygen'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const pub = /public_key: "(.{40})"/.exec(ok.stdout)![1];
    const sec = /secret_key: "(.{40})"/.exec(ok.stdout)![1];
    expect(curvePublicKey(sec)).toBe(pub);
    const bad = spawnSync(process.execPath, [bin, 'keygen', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown argument "--bogus"/);
  });
});
