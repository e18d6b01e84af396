/**
 * Bounded nesting of values off the wire. A ~40 KB frame can nest 20,000
 * levels deep; every recursive walk over it (encoders, describe, deep copies)
 * would overflow the stack. Decoders refuse anything nested deeper than
 * MAX_VALUE_DEPTH levels, with the path of the first value too deep.
 */

/** Levels a message may nest: the message object is level 1, a property's object level 2, and so on. */
export const MAX_VALUE_DEPTH = 64;

/**
 * The path (`a.b[3].c`) of the first object or array nested more than
 * `levels` levels below `value` (which is itself one level), or undefined.
 * Iterative, so no input can overflow the stack here.
 */
export function pathTooDeep(value: unknown, levels: number): string | undefined {
  if (typeof value !== 'object' || value === null || !deeperThan(value, levels)) return undefined;
  return findPath(value, levels);
}

/**
 * The hot path (every decoded message): no allocation. Recursive, but it
 * never goes more than `levels` + 1 calls deep, however deep the value.
 */
function deeperThan(value: object, levels: number): boolean {
  if (levels < 1) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null && deeperThan(child, levels - 1)) return true;
    }
    return false;
  }
  for (const k in value) {
    const child = (value as Record<string, unknown>)[k];
    if (typeof child === 'object' && child !== null && deeperThan(child, levels - 1)) return true;
  }
  return false;
}

/** Where the value too deep is (only once one is known to be there). Iterative. */
function findPath(value: object, levels: number): string | undefined {
  // Parallel arrays: the node, its depth, and how to rebuild its path only when one is too deep.
  const nodes: object[] = [value];
  const depths: number[] = [1];
  const parents: number[] = [-1];
  const keys: string[] = [''];
  const seen: object[] = [];
  const seenParent: number[] = [];
  const seenKey: string[] = [];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    const at = seen.length;
    seen.push(node);
    seenParent.push(parents.pop()!);
    seenKey.push(keys.pop()!);
    if (depth > levels) return pathOf(at, seenParent, seenKey);
    const isArray = Array.isArray(node);
    for (const k in node) {
      const child = (node as Record<string, unknown>)[k];
      if (typeof child !== 'object' || child === null) continue;
      nodes.push(child);
      depths.push(depth + 1);
      parents.push(at);
      keys.push(isArray ? `[${k}]` : k);
    }
  }
  return undefined;
}

function pathOf(at: number, parents: number[], keys: string[]): string {
  let path = '';
  for (let i = at; i > 0; i = parents[i]) path = path === '' || path.startsWith('[') ? keys[i] + path : `${keys[i]}.${path}`;
  return path;
}
