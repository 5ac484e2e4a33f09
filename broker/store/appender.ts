import { assert } from '../../stdx';
import * as codec from '../../message';
import type { Crc32, EncodeOptions, RecordFields } from '../../message';
import type { AppendedRecord, PutMessageInput } from './types';
import { DOUBLE_ZERO } from './types';

// Read once at load. The CommonJS that swc emits (jest, bench:store) reads an imported name
// through getters on every use, and V8 cannot inline them once an exports object has gone to
// dictionary mode (message/record's has): about a tenth of an append's instructions went there.
const { effectiveSysFlag, encodeRecord, magicForTopic, MAX_PROPERTIES_BYTES, recordLength, storedPropertiesLength, SysFlag } = codec;

/** One message of a put: a single send is a batch of one. */
export interface PutItem {
  readonly flag: number;
  readonly body: Uint8Array;
  /** Encoded properties: text, or bytes stored as they are (a batch item's). */
  readonly properties: string | Buffer;
}

export type PutCommon = Omit<PutMessageInput, 'flag' | 'body' | 'properties'>;

/** Why a put cannot be encoded at all (the store maps it to a PutStatus). */
export type SizingRefusal = { readonly kind: 'body-too-large' | 'properties-too-large'; readonly reason: string };

/**
 * Sizes and encodes the records of one put straight into the commit log. The store keeps one
 * instance and reuses it for every put: sizing and encoding run synchronously, back to back, so
 * the state of the put in hand lives in fields and a put allocates no closures, no property
 * Buffers and one fields object per record (the hot path of every append).
 */
export class RecordAppender {
  private common: PutCommon | undefined;
  private items: readonly PutItem[] = [];
  private topic: Buffer = Buffer.alloc(0);
  private sysFlag = 0;
  private magic = 0;
  /** UTF-8 length of each item's properties, and each record's length (first `items.length` used). */
  private readonly propertyBytes: number[] = [];
  private readonly lengths: number[] = [];
  private consumesOffsets = true;
  private firstQueueOffset = 0;
  private storeTimestamp = DOUBLE_ZERO;
  private records: AppendedRecord[] = [];
  private readonly encodeOptions: EncodeOptions;

  /** `fill` bound once, handed to CommitLog.append on every put. */
  readonly fill: (target: Buffer, position: number, commitLogOffset: number) => void;

  constructor(
    recordCrc: boolean,
    crc32: Crc32,
    private readonly maxBodyBytes: number,
  ) {
    this.encodeOptions = { recordCrc, crc32 };
    this.fill = (target, position, commitLogOffset) => this.encodeAll(target, position, commitLogOffset);
  }

  /**
   * Starts a put: checks sizes and returns the bytes its records take together, or why they
   * cannot be stored. `topic` is the validated UTF-8 topic.
   */
  size(common: PutCommon, items: readonly PutItem[], topic: Buffer): number | SizingRefusal {
    this.common = common;
    this.items = items;
    this.topic = topic;
    // The host address sizes decide the v6 flags, whatever the caller passed.
    this.sysFlag = effectiveSysFlag(common);
    this.magic = magicForTopic(topic);
    const tranType = common.sysFlag & SysFlag.TRANSACTION_MASK;
    this.consumesOffsets = tranType === 0 || tranType === SysFlag.TRANSACTION_COMMIT;
    const recordCrc = this.encodeOptions.recordCrc;
    // The arrays are overwritten by index, never truncated: truncation would free their storage.
    let total = 0;
    for (let i = 0; i < items.length; i++) {
      const m = items[i]!;
      if (m.body.length > this.maxBodyBytes) {
        return { kind: 'body-too-large', reason: `message body of ${m.body.length} bytes exceeds maxMessageSizeBytes ${this.maxBodyBytes}` };
      }
      // Properties stay text: the encoder writes them straight into the segment.
      const bytes = typeof m.properties === 'string' ? Buffer.byteLength(m.properties, 'utf8') : m.properties.length;
      const stored = storedPropertiesLength(m.properties, recordCrc, bytes);
      if (stored > MAX_PROPERTIES_BYTES) {
        return { kind: 'properties-too-large', reason: `properties of ${bytes} bytes exceed ${MAX_PROPERTIES_BYTES - (stored - bytes)}` };
      }
      const length = recordLength(this.sysFlag, m.body.length, topic.length, stored, this.magic);
      this.propertyBytes[i] = bytes;
      this.lengths[i] = length;
      total += length;
    }
    return total;
  }

  /** Whether the records of this put take queue offsets (not prepared or rolled-back transactions). */
  get takesQueueOffsets(): boolean {
    return this.consumesOffsets;
  }

  /** Sets what `fill` stamps into the records: the queue offset of the first and the store time. */
  prepare(firstQueueOffset: number, storeTimestamp: number): void {
    this.firstQueueOffset = firstQueueOffset;
    this.storeTimestamp = storeTimestamp;
  }

  /** The records the last `fill` wrote; ends the put (the appender lets go of its inputs). */
  finish(): AppendedRecord[] {
    const records = this.records;
    this.records = [];
    this.common = undefined;
    this.items = [];
    return records;
  }

  private encodeAll(target: Buffer, position: number, commitLogOffset: number): void {
    const common = this.common!;
    const items = this.items;
    const storeTimestamp = this.storeTimestamp;
    let p = position;
    let o = commitLogOffset;
    for (let i = 0; i < items.length; i++) {
      const m = items[i]!;
      const queueOffset = this.consumesOffsets ? this.firstQueueOffset + i : 0;
      // A fresh object per record: filling one long-lived object instead costs a write barrier per
      // pointer field (young bodies and strings into an old object), measured slower.
      const fields: RecordFields = {
        queueId: common.queueId,
        flag: m.flag,
        queueOffset,
        commitLogOffset: o,
        sysFlag: this.sysFlag,
        bornTimestamp: common.bornTimestamp,
        bornHost: common.bornHost,
        storeTimestamp,
        storeHost: common.storeHost,
        reconsumeTimes: common.reconsumeTimes,
        preparedTransactionOffset: common.preparedTransactionOffset,
        body: m.body,
        topic: this.topic,
        properties: m.properties,
        propertiesBytes: this.propertyBytes[i]!,
      };
      const written = encodeRecord(target, p, fields, this.encodeOptions);
      if (written !== this.lengths[i]) assert(false, `encoded ${written} bytes where ${this.lengths[i]} were reserved`);
      const record: AppendedRecord = { commitLogOffset: o, size: written, queueOffset, storeTimestamp };
      if (i === 0) this.records = [record];
      else this.records.push(record);
      p += written;
      o += written;
    }
  }
}
