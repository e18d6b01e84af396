#!/usr/bin/env node
/** `threatbus-zmq-app <command>`: tools for the zmq-app. Only `keygen` so far (docs/security.md). */
import { keygenMain } from './keygen';

const [command, ...rest] = process.argv.slice(2);
const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);
if (command === 'keygen') {
  process.exitCode = keygenMain(rest, out, err);
} else if (command === undefined || command === '--help' || command === '-h') {
  out('usage: threatbus-zmq-app keygen [--out PREFIX] [--force]\n');
} else {
  err(`unknown command ${JSON.stringify(command)}\nusage: threatbus-zmq-app keygen [--out PREFIX] [--force]\n`);
  process.exitCode = 2;
}
