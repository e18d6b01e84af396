/** Latency samples in microseconds and their percentiles. */
export class LatencyRecorder {
  private samples: Float64Array;
  private n = 0;
  firstNs?: bigint;
  lastNs?: bigint;

  constructor(expected: number) {
    this.samples = new Float64Array(Math.max(16, expected));
  }

  get count(): number {
    return this.n;
  }

  record(sentNs: bigint, receivedNs: bigint): void {
    if (this.n === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = Number(receivedNs - sentNs) / 1000;
    this.firstNs ??= receivedNs;
    this.lastNs = receivedNs;
  }

  /** Samples in arrival order (µs), e.g. to see whether slow ones come in clusters. */
  raw(): Float64Array {
    return this.samples.slice(0, this.n);
  }

  summary(): { p50: number; p90: number; p99: number; max: number } {
    const sorted = this.samples.slice(0, this.n).sort();
    const at = (q: number) => (this.n === 0 ? NaN : sorted[Math.min(this.n - 1, Math.floor(q * this.n))]);
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: this.n ? sorted[this.n - 1] : NaN };
  }
}
