/**
 * The README's MISP type table is generated from the mapping rules. When
 * this fails, run `UPDATE_README=1 npx jest packages/threatbus-misp/test/readme.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MISP_ATTRIBUTE_TYPES } from '../src/mapping/misp-types';
import { withTypeTable, typeTable } from './type-table';

const README = resolve(__dirname, '../README.md');

test('the README type table is up to date', () => {
  const readme = readFileSync(README, 'utf8');
  if (process.env.UPDATE_README === '1') writeFileSync(README, withTypeTable(readme));
  else expect(withTypeTable(readme)).toBe(readme);
});

test('the table has one row per MISP type', () => {
  const rows = typeTable().split('\n').filter((l) => l.startsWith('| `'));
  expect(rows).toHaveLength(MISP_ATTRIBUTE_TYPES.length);
});
