/** Resource use of a process from /proc (Linux): resident memory and CPU seconds. */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64

export interface ProcSample { rssMB: number; peakRssMB: number; cpuSeconds: number }

export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
    return { rssMB: kb('VmRSS') / 1024, peakRssMB: kb('VmHWM') / 1024, cpuSeconds: cpu };
  } catch {
    return undefined;
  }
}
