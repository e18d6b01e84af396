/**
 * The README's MISP type table is generated from the mapping rules. When
 * this fails, run `npx tsc -b packages/threatbus-misp && node packages/threatbus-misp/dist/scripts/type-table.js --write`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withTypeTable, typeTable, MISP_ATTRIBUTE_TYPES } from '../src';

const README = resolve(__dirname, '../README.md');

test('the README type table is up to date', () => {
  const readme = readFileSync(README, 'utf8');
  expect(withTypeTable(readme)).toBe(readme);
});

test('the table has one row per MISP type', () => {
  const rows = typeTable().split('\n').filter((l) => l.startsWith('| `'));
  expect(rows).toHaveLength(MISP_ATTRIBUTE_TYPES.length);
});
