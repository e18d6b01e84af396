#!/usr/bin/env node
/*
 * A fake `vast` (and, when invoked as `tenzir`, a fake `tenzir`) for tests.
 * It answers the sub-commands vast-threatbus uses with the output lines of the
 * real CLI, and records every call.
 *
 * Environment:
 *   FAKE_VAST_LOG       file; one JSON line per call: {bin, argv, endpoint, pid}
 *   FAKE_VAST_DB        JSON file {"<query>": [<result objects>]}: what export returns per query
 *   FAKE_VAST_DOWN      file; while it exists, the node is unreachable (every command fails like the real CLI)
 *   FAKE_VAST_SLOW_MS   delay before export prints its results (then start and end of each
 *                       export are logged, the end as {event: "end"})
 *   FAKE_VAST_FAIL      comma list of sub-commands that fail (exit 1), e.g. "export,matcher"
 *   FAKE_VAST_NO_LOW_PRIORITY  export --help does not list --low-priority (an older VAST)
 *   FAKE_VAST_STATE     directory holding matcher state (one file per IoC) and events.jsonl:
 *                       `matcher attach` streams a match line for every event in events.jsonl
 *                       (not yet seen by an earlier attach) whose values contain an IoC of the matcher
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const bin = path.basename(process.argv[1]);
let argv = process.argv.slice(2);
const env = process.env;

function record(extra) {
  if (!env.FAKE_VAST_LOG) return;
  const endpoint = bin === 'tenzir' ? env.TENZIR_ENDPOINT : argv[0] === '-e' ? argv[1] : undefined;
  fs.appendFileSync(env.FAKE_VAST_LOG, JSON.stringify({ bin, argv, endpoint, pid: process.pid, ...extra }) + '\n');
}

function fail(message, code = 1) {
  process.stderr.write(message + '\n');
  process.exit(code);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failing = (sub) => (env.FAKE_VAST_FAIL || '').split(',').includes(sub);
const down = () => env.FAKE_VAST_DOWN && fs.existsSync(env.FAKE_VAST_DOWN);

function db() {
  if (!env.FAKE_VAST_DB || !fs.existsSync(env.FAKE_VAST_DB)) return {};
  return JSON.parse(fs.readFileSync(env.FAKE_VAST_DB, 'utf8'));
}

async function exportResults(query, maxEvents) {
  if (failing('export')) fail('[error] export failed: !! unspecified_error: fake failure');
  if (env.FAKE_VAST_SLOW_MS) {
    // Record when this query ends (also when it is terminated), so tests can see how many ran at once.
    process.on('SIGTERM', () => {
      record({ event: 'end' });
      process.exit(143);
    });
    await sleep(Number(env.FAKE_VAST_SLOW_MS));
    record({ event: 'end' });
  }
  let rows = db()[query] || [];
  if (maxEvents > 0) rows = rows.slice(0, maxEvents);
  for (const row of rows) process.stdout.write(JSON.stringify(row) + '\n');
}

// ------------------------------------------------------------------ matcher state

function stateDir(matcher) {
  const dir = path.join(env.FAKE_VAST_STATE || '/nonexistent', 'matchers', matcher);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
const iocFile = (matcher, value) => path.join(stateDir(matcher), Buffer.from(value).toString('hex'));

function iocs(matcher) {
  const dir = stateDir(matcher);
  return fs.readdirSync(dir).map((f) => ({ value: Buffer.from(f, 'hex').toString(), reference: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

function values(node, out = []) {
  if (typeof node === 'string') out.push(node);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) values(v, out);
  return out;
}

async function attach(matcher) {
  const events = path.join(env.FAKE_VAST_STATE, 'events.jsonl');
  // A cursor shared by attach processes: a re-attached matcher continues where the last one stopped.
  const cursor = path.join(env.FAKE_VAST_STATE, `cursor-${Buffer.from(matcher).toString('hex')}`);
  let offset = fs.existsSync(cursor) ? Number(fs.readFileSync(cursor, 'utf8')) : 0;
  process.stderr.write(`attached to matcher ${matcher}\n`);
  process.on('SIGTERM', () => process.exit(0));
  for (;;) {
    if (down()) fail('[error] matcher attach: !! system_error: lost connection to the node');
    if (fs.existsSync(events) && fs.statSync(events).size > offset) {
      const text = fs.readFileSync(events).subarray(offset).toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      offset += Buffer.byteLength(text.slice(0, end));
      fs.writeFileSync(cursor, String(offset));
      for (const line of text.slice(0, end).split('\n').filter(Boolean)) {
        const { type, event } = JSON.parse(line);
        const present = new Set(values(event));
        for (const ioc of iocs(matcher)) {
          if (!present.has(ioc.value)) continue;
          // The real matcher keeps the reference as data and prints it JSON-encoded (quotes included).
          const context = ioc.reference === '' ? null : JSON.stringify(ioc.reference);
          process.stdout.write(JSON.stringify({ indicator: { value: ioc.value, context }, type, event }) + '\n');
        }
      }
    }
    await sleep(50);
  }
}

// ------------------------------------------------------------------ vast CLI

async function vast() {
  let endpoint = 'localhost:42000';
  if (argv[0] === '-e') {
    endpoint = argv[1];
    argv = argv.slice(2);
  }
  const [sub, ...rest] = argv;
  if (down()) fail(`[error] failed to connect to VAST node at ${endpoint}: !! system_error: connection refused`);
  switch (sub) {
    case 'status':
      if (failing('status')) fail('[error] status: !! unspecified_error');
      process.stdout.write(JSON.stringify({ system: { 'running-queries': 0 }, version: { VAST: 'v2022.05.16-fake' } }) + '\n');
      return;
    case 'export': {
      if (rest[0] === '--help') {
        const lp = env.FAKE_VAST_NO_LOW_PRIORITY ? '' : '  --low-priority              : treat this query as low priority\n';
        process.stdout.write(`usage: vast export [<parameters>] <format> [<args>] [<expr>]\n\nparameters:\n  --continuous                : mark this query as continuous\n${lp}  --max-events=<uint64>       : maximum number of results\n`);
        return;
      }
      let maxEvents = 0;
      let i = 0;
      for (; i < rest.length && rest[i].startsWith('--'); i++) {
        const m = /^--max-events=(\d+)$/.exec(rest[i]);
        if (m) maxEvents = Number(m[1]);
        else if (!['--caf.scheduler.max-threads=1', '--low-priority'].includes(rest[i])) fail(`[error] unknown option ${rest[i]}`);
      }
      if (rest[i] !== 'json') fail(`[error] unsupported export format ${rest[i]}`);
      return exportResults(rest.slice(i + 1).join(' '), maxEvents);
    }
    case 'matcher': {
      const [action, ...args] = rest;
      if (failing('matcher')) fail(`[error] matcher ${action}: !! unspecified_error: fake failure`);
      if (action === 'add') {
        const [m, value, reference] = args;
        fs.writeFileSync(iocFile(m, value), reference ?? '');
        return;
      }
      if (action === 'remove') {
        const [m, value] = args;
        fs.rmSync(iocFile(m, value), { force: true });
        return;
      }
      if (action === 'attach' && args[0] === 'json') return attach(args[1]);
      fail(`[error] unknown matcher command ${action}`);
      return;
    }
    default:
      fail(`[error] unknown command ${sub}`);
  }
}

// ------------------------------------------------------------------ tenzir pipelines

async function tenzir() {
  const endpoint = env.TENZIR_ENDPOINT || 'localhost:5158';
  const pipeline = argv.join(' ');
  if (down()) fail(`error: failed to connect to node at ${endpoint}: connection refused`);
  if (pipeline === 'remote version') {
    process.stdout.write(JSON.stringify({ version: 'v4.12.0-fake' }) + '\n');
    return;
  }
  const m = /^export(?: --low-priority)? \| where (.*?)(?: \| head (\d+))? \| write json -c$/.exec(pipeline);
  if (!m) fail(`error: failed to parse pipeline: ${pipeline}`);
  return exportResults(m[1], m[2] ? Number(m[2]) : 0);
}

record({});
(bin === 'tenzir' ? tenzir() : vast()).catch((e) => fail(String(e && e.stack)));
