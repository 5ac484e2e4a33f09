/**
 * Which consumer offset of one queue is safe to commit. Messages are pulled in queue-offset order but
 * handlers finish in any order; committing the highest finished offset would skip a message still
 * being handled if the consumer then died. So the commit point is the lowest offset not yet
 * acknowledged, or, when nothing is outstanding, the offset the next pull starts from (which may be
 * past filtered-out messages).
 *
 * Outstanding offsets live in an array used as a queue (they arrive ascending), with a set of the
 * acknowledged ones; the front is popped while acknowledged, so every operation is amortized O(1).
 */
import { assert } from '../stdx';

export class OffsetTracker {
  private readonly outstanding: number[] = [];
  private head = 0;
  private readonly acked = new Set<number>();
  private nextPullOffset: number;

  constructor(startOffset: number) {
    assert(Number.isSafeInteger(startOffset) && startOffset >= 0, `start offset must be a non-negative integer, got ${startOffset}`);
    this.nextPullOffset = startOffset;
  }

  /** Messages handed out but not yet acknowledged. */
  get inflightCount(): number {
    return this.outstanding.length - this.head - this.acked.size;
  }

  /** Where the next pull starts. */
  get nextOffset(): number {
    return this.nextPullOffset;
  }

  /**
   * Records a pull result: the offsets delivered (ascending, all below `nextBeginOffset`) and where the
   * next pull starts.
   */
  onPulled(offsets: readonly number[], nextBeginOffset: number): void {
    for (const offset of offsets) this.push(offset, nextBeginOffset);
    this.nextPullOffset = nextBeginOffset;
  }

  /** `onPulled` with the offsets of `messages`, without building an array of them. */
  onPulledMessages(messages: readonly { readonly queueOffset: number }[], nextBeginOffset: number): void {
    for (let i = 0; i < messages.length; i++) this.push(messages[i]!.queueOffset, nextBeginOffset);
    this.nextPullOffset = nextBeginOffset;
  }

  private push(offset: number, nextBeginOffset: number): void {
    const last = this.outstanding.length > this.head ? this.outstanding[this.outstanding.length - 1]! : -1;
    // Messages are built only on failure: this runs once per message.
    if (!(offset > last)) assert(false, `pulled offsets must ascend: ${offset} after ${last}`);
    if (!(offset < nextBeginOffset)) assert(false, `pulled offset ${offset} is not below nextBeginOffset ${nextBeginOffset}`);
    this.outstanding.push(offset);
  }

  /** Marks one delivered offset done; returns false when it was not outstanding (already acked or reset). */
  ack(offset: number): boolean {
    if (this.head >= this.outstanding.length) return false;
    const front = this.outstanding[this.head]!;
    if (offset === front) {
      // The usual case (handlers finishing in order). The front is never in `acked`: acknowledging it
      // pops it, together with the acknowledged ones right behind it.
      this.head++;
      if (this.acked.size > 0) while (this.head < this.outstanding.length && this.acked.delete(this.outstanding[this.head]!)) this.head++;
      this.compact();
      return true;
    }
    if (offset < front || this.acked.has(offset)) return false;
    if (!this.contains(offset)) return false;
    this.acked.add(offset);
    return true;
  }

  /** The consumer offset to commit: the lowest unacknowledged offset, else the next pull offset. */
  committableOffset(): number {
    return this.head < this.outstanding.length ? this.outstanding[this.head]! : this.nextPullOffset;
  }

  /**
   * Forgets everything outstanding and restarts at `offset` (the broker moved the offset, or the user
   * seeks); acknowledgements of older deliveries are then ignored.
   */
  reset(offset: number): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, `offset must be a non-negative integer, got ${offset}`);
    this.outstanding.length = 0;
    this.head = 0;
    this.acked.clear();
    this.nextPullOffset = offset;
  }

  private contains(offset: number): boolean {
    // Binary search over the live part; offsets ascend.
    let lo = this.head;
    let hi = this.outstanding.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.outstanding[mid]!;
      if (value === offset) return true;
      if (value < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Drops the consumed prefix once it dominates, so the array does not grow forever. */
  private compact(): void {
    if (this.head === this.outstanding.length) {
      this.outstanding.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.outstanding.length) {
      this.outstanding.splice(0, this.head);
      this.head = 0;
    }
  }
}
