/**
 * Per-partition progress of the Kafka intake: which consumed offsets every
 * local subscriber has taken, and so which offset may be committed (the one
 * after the highest contiguous delivered offset; Kafka resumes there).
 *
 * One object per partition is the bus's delivery listener for all of that
 * partition's messages (the offset is the token), so tracking costs no
 * closure per message. Offsets within a partition are consumed in
 * increasing order but need not be contiguous (compaction, transaction
 * markers), so the consumed ones are kept in order.
 */
import type { DeliveryListener } from 'threatbus';

export class PartitionProgress implements DeliveryListener {
  /** Consumed offsets not yet known delivered, in consumption order (from `head`). */
  private consumedOffsets: number[] = [];
  private head = 0;
  /** Offsets delivered before an earlier one was. */
  private readonly deliveredEarly = new Set<number>();
  /** The offset to commit next (last contiguous delivered + 1); -1: nothing yet. */
  committable = -1;
  /** The offset last committed; -1: none. */
  committed = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Messages consumed whose delivery is not yet known. */
  get inFlight(): number {
    return this.consumedOffsets.length - this.head;
  }

  consumed(offset: number): void {
    this.consumedOffsets.push(offset);
  }

  delivered(offset: number): void {
    if (this.head >= this.consumedOffsets.length) return; // a partition revoked and taken back: stale
    if (offset !== this.consumedOffsets[this.head]) {
      this.deliveredEarly.add(offset);
      return;
    }
    let last = offset;
    this.head++;
    while (this.head < this.consumedOffsets.length && this.deliveredEarly.delete(this.consumedOffsets[this.head])) {
      last = this.consumedOffsets[this.head++];
    }
    this.committable = last + 1;
    if (this.head > 1024 && this.head * 2 > this.consumedOffsets.length) {
      this.consumedOffsets = this.consumedOffsets.slice(this.head);
      this.head = 0;
    }
  }

  /** The commit due now, or undefined when nothing new was delivered. */
  due(): { topic: string; partition: number; offset: number } | undefined {
    if (this.committable <= this.committed) return undefined;
    return { topic: this.topic, partition: this.partition, offset: this.committable };
  }
}
