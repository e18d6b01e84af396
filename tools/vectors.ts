/**
 * Test vectors of the original (spec/vectors in this
 * repository's checkout). Missing vectors fail the test run loudly: a
 * silently skipped compatibility suite would prove nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Vector<I = unknown, E = unknown> {
  name: string;
  input: I;
  expected: E;
  origin: 'test' | 'derived';
  source?: string;
  ignore?: string[];
  match?: Record<string, string>;
  note?: string;
}

export const VECTORS_DIR = resolve(__dirname, '../spec/vectors');

export function loadVectors<I = unknown, E = unknown>(file: string): Vector<I, E>[] {
  const path = resolve(VECTORS_DIR, file);
  if (!existsSync(path)) throw new Error(`test vectors not found: ${path} (spec/vectors in this repository)`);
  return JSON.parse(readFileSync(path, 'utf8')) as Vector<I, E>[];
}

/** Remove the values at the vector's `ignore` pointers (`*` = every array index) from a copy of `value`. */
export function withoutIgnored(value: unknown, pointers: string[] = []): unknown {
  const copy = structuredClone(value);
  for (const pointer of pointers) {
    if (pointer.endsWith('@input')) continue;
    const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const walk = (node: unknown, i: number): void => {
      if (typeof node !== 'object' || node === null) return;
      const rec = node as Record<string, unknown>;
      const key = parts[i];
      if (i === parts.length - 1) {
        if (key === '*' && Array.isArray(node)) node.length = 0;
        else delete rec[key];
        return;
      }
      if (key === '*' && Array.isArray(node)) node.forEach((child) => walk(child, i + 1));
      else walk(rec[key], i + 1);
    };
    walk(copy, 0);
  }
  return copy;
}
