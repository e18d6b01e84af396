/**
 * Print the MISP type table, or with `--write` put it into the package
 * README between its markers:
 *
 *     node packages/threatbus-misp/dist/scripts/type-table.js --write
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { typeTable, withTypeTable } from '../mapping/table';

const readmePath = resolve(__dirname, '../../README.md');
if (process.argv.includes('--write')) {
  const before = readFileSync(readmePath, 'utf8');
  const after = withTypeTable(before);
  if (after !== before) writeFileSync(readmePath, after);
  process.stdout.write(after === before ? 'README type table is up to date\n' : `updated ${readmePath}\n`);
} else {
  process.stdout.write(typeTable() + '\n');
}
