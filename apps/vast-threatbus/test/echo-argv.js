#!/usr/bin/env node
// Test helper for transform_context and sink commands: reads JSON on stdin and
// prints it back with its own argv added (ECHO_FAIL=1: exit 1; --not-json: print non-JSON; --record: append {stdin, argv} to $ECHO_OUT).
'use strict';
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  if (process.env.ECHO_FAIL) {
    process.stderr.write('transform failed on purpose\n');
    process.exit(1);
  }
  if (process.argv.includes('--record')) {
    require('node:fs').appendFileSync(process.env.ECHO_OUT, JSON.stringify({ stdin: input, argv: process.argv.slice(2) }) + '\n');
  }
  const out = process.argv.includes('--not-json') ? 'this is not json' : JSON.stringify({ ...JSON.parse(input), argv: process.argv.slice(2) });
  process.stdout.write(out + '\n');
});
