/** Temporary directories with fixture plugin packages in node_modules. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixturePlugin {
  packageName: string;
  kind: 'app' | 'backbone';
  name: string;
  /** Body of index.js; default: a plugin that appends "start <name>" / "stop <name>" to $FIXTURE_LOG. */
  code?: string;
  /** The manifest's `core` range; absent by default. */
  core?: unknown;
  version?: string;
}

export function fixtureCode(kind: string, name: string): string {
  return `
const fs = require('fs');
const log = (line) => process.env.FIXTURE_LOG && fs.appendFileSync(process.env.FIXTURE_LOG, line + '\\n');
module.exports.default = {
  kind: ${JSON.stringify(kind)}, name: ${JSON.stringify(name)},
  configSchema: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer', default: 4711 }, password: { type: 'string' } } },
  secrets: [],
  create: (ctx) => ({
    start: async () => { log('start ${name} port=' + ctx.config.port); ctx.logger.info('fixture ${name} connected to nothing'); },
    stop: async () => log('stop ${name}'),
    publish: async (m) => ctx.deliver && ctx.deliver(m),
  }),
};`;
}

export function makeProject(plugins: FixturePlugin[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'threatbus-test-'));
  for (const p of plugins) {
    const pdir = join(dir, 'node_modules', ...p.packageName.split('/'));
    mkdirSync(pdir, { recursive: true });
    writeFileSync(join(pdir, 'package.json'), JSON.stringify({ name: p.packageName, version: p.version ?? '1.2.3', main: 'index.js', threatbus: { kind: p.kind, name: p.name, core: p.core } }));
    writeFileSync(join(pdir, 'index.js'), p.code ?? fixtureCode(p.kind, p.name));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
