/** Secrets never appear in `--print-config` or in log lines, at any depth (docs/configuration.md, "Secrets"). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, maskSecrets, MASK } from '../src';
import { runCli } from './cli-process';
import { makeProject } from './fixtures';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

test('every key naming a key, pem, password, passphrase, secret or token is masked, whatever its depth and shape', () => {
  const config = {
    kafka: { config: { 'bootstrap.servers': 'b:9092', 'ssl.key.pem': PEM, 'sasl.password': 'pw', 'ssl.key.password': 'x', 'sasl.username': 'u' } },
    api: { key: 'k', host: 'h', api_key: 'k2', auth_token: 't', client_secret: 's', tls: { key_passphrase: 'p', ca: 'ca.pem' } },
    list: [{ Token: 't' }],
    secrets: { a: 'x', b: ['y', 1, true] },
    passwd: null,
    other: 'o',
  };
  expect(maskSecrets(config)).toEqual({
    kafka: { config: { 'bootstrap.servers': 'b:9092', 'ssl.key.pem': MASK, 'sasl.password': MASK, 'ssl.key.password': MASK, 'sasl.username': 'u' } },
    api: { key: MASK, host: 'h', api_key: MASK, auth_token: MASK, client_secret: MASK, tls: { key_passphrase: MASK, ca: 'ca.pem' } },
    list: [{ Token: MASK }],
    secrets: { a: MASK, b: [MASK, MASK, MASK] },
    passwd: null,
    other: 'o',
  });
});

test('--print-config masks secrets inside a pass-through map (kafka.config)', () => {
  // A plugin without a schema takes any mapping, as misp's kafka.config is passed to librdkafka as it is.
  const code = "module.exports.default = { kind: 'app', name: 'passthrough', create: () => ({ start: async () => {}, stop: async () => {} }) };";
  const project = makeProject([{ packageName: 'threatbus-passthrough', kind: 'app', name: 'passthrough', code }]);
  try {
    writeFileSync(
      join(project.dir, 'config.yaml'),
      `plugins:\n  apps:\n    passthrough:\n      kafka:\n        config:\n          bootstrap.servers: b:9092\n          ssl.key.pem: |\n${PEM.split('\n').map((l) => '            ' + l).join('\n')}\n          sasl.password: hunter2\n`,
    );
    const out = runCli(['--print-config'], project.dir, { THREATBUS_PLUGINS__APPS__PASSTHROUGH__API_TOKEN: 'tok-from-env' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('bootstrap.servers: b:9092');
    expect(out.stdout).toContain('ssl.key.pem: "********"');
    expect(out.stdout).toContain('sasl.password: "********"');
    expect(out.stdout).toContain('api_token: "********"');
    for (const secret of ['hunter2', 'PRIVATE KEY', 'MIIEvQ', 'tok-from-env']) expect(out.stdout).not.toContain(secret);
  } finally {
    project.cleanup();
  }
});

test('log lines mask secret fields, also nested ones', async () => {
  const project = makeProject([]);
  const file = join(project.dir, 'bus.log');
  try {
    for (const format of ['text', 'json'] as const) {
      const handle = createLogger({ console: false, file: true, filename: file, format }, 'test');
      handle.logger.info('Connecting', { host: 'h', password: 'hunter2', config: { 'ssl.key.pem': PEM, 'sasl.username': 'u' }, api: { key: ['k1'] } });
      await handle.close();
    }
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('host=h');
    expect(text).toContain('sasl.username');
    for (const secret of ['hunter2', 'PRIVATE KEY', 'k1']) expect(text).not.toContain(secret);
    expect(text.split(MASK).length - 1).toBe(6);
  } finally {
    project.cleanup();
  }
});
