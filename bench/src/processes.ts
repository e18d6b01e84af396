/** Child processes of a benchmark run, and waiting for their JSON-line events. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ChildEvent { event: string; [k: string]: unknown }

export class Child {
  readonly events: ChildEvent[] = [];
  private waiters: { event: string; resolve: (e: ChildEvent) => void }[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly name: string, readonly proc: ChildProcess) {
    let buffer = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line) as ChildEvent;
        this.events.push(e);
        for (const w of this.waiters.filter((x) => x.event === e.event)) w.resolve(e);
        this.waiters = this.waiters.filter((x) => x.event !== e.event);
      }
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    this.exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  last(event: string): ChildEvent | undefined {
    return [...this.events].reverse().find((e) => e.event === event);
  }

  waitFor(event: string, timeoutMs = 30_000): Promise<ChildEvent> {
    const seen = this.last(event);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no '${event}' within ${timeoutMs} ms\n${this.stderr.slice(-2000)}`)), timeoutMs);
      this.waiters.push({ event, resolve: (e) => { clearTimeout(t); resolve(e); } });
      void this.exited.then((code) => { clearTimeout(t); reject(new Error(`${this.name} exited (${code}) before '${event}'\n${this.stderr.slice(-2000)}`)); });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.stdin?.end();
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

const DIST = __dirname;

export function startNodeChild(name: string, script: string, options: unknown, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, join(DIST, script), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Child(name, proc);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
