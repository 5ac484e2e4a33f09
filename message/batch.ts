/**
 * The SEND_BATCH_MESSAGE body (FACTS 1.9, `MessageDecoder.encodeMessages`): items back to back,
 * each TOTALSIZE 4 | MAGIC 4 (0) | BODYCRC 4 (0) | FLAG 4 | BODYLEN 4 | BODY | PROPSLEN 2 |
 * PROPERTIES. Topic, queue and the rest come from the request header. The broker computes the
 * real body CRC itself, so MAGIC and BODYCRC are written as 0 and ignored on decode.
 */
import { assert, err, ok } from '../stdx';
import type { Result } from '../stdx';
import { MAX_PROPERTIES_BYTES } from './record';

/** Bytes of an item besides its body and properties. */
const ITEM_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 2;

export interface BatchMessage {
  readonly flag: number;
  readonly body: Uint8Array;
  /** Encoded properties text (see `encodeProperties`). */
  readonly properties: string;
}

export interface BatchItem {
  readonly flag: number;
  /** A view into the batch body (zero-copy). */
  readonly body: Buffer;
  /**
   * The encoded properties as sent, a view into the batch body: the broker stores them as they are
   * (as RocketMQ's batch encoder copies them), without decoding and re-encoding the text.
   */
  readonly properties: Buffer;
}

export function encodeBatchBody(messages: readonly BatchMessage[]): Buffer {
  const props = messages.map((m) => Buffer.from(m.properties, 'utf8'));
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    assert(props[i]!.length <= MAX_PROPERTIES_BYTES, `batch message ${i}: properties of ${props[i]!.length} bytes exceed ${MAX_PROPERTIES_BYTES}`);
    total += ITEM_FIXED_BYTES + messages[i]!.body.length + props[i]!.length;
  }
  const out = Buffer.alloc(total);
  let pos = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const p = props[i]!;
    out.writeInt32BE(ITEM_FIXED_BYTES + m.body.length + p.length, pos);
    // MAGIC and BODYCRC stay 0, as the Java client writes them.
    out.writeInt32BE(m.flag, pos + 12);
    out.writeInt32BE(m.body.length, pos + 16);
    out.set(m.body, pos + 20);
    pos += 20 + m.body.length;
    out.writeInt16BE(p.length, pos);
    p.copy(out, pos + 2);
    pos += 2 + p.length;
  }
  return out;
}

/** Decodes a batch body; malformed input yields an error naming the item and byte offset. */
export function decodeBatchBody(buf: Buffer): Result<BatchItem[], string> {
  if (buf.length === 0) return err('batch body is empty');
  const items: BatchItem[] = [];
  // Hot path (every batch send): no per-item strings besides the properties; the error texts are
  // built only when an item is malformed.
  const where = (pos: number): string => `batch item ${items.length} at byte ${pos}`;
  let pos = 0;
  while (pos < buf.length) {
    const left = buf.length - pos;
    if (left < ITEM_FIXED_BYTES) return err(`${where(pos)}: ${left} bytes left, an item needs at least ${ITEM_FIXED_BYTES}`);
    const totalSize = buf.readInt32BE(pos);
    const flag = buf.readInt32BE(pos + 12);
    const bodyLen = buf.readInt32BE(pos + 16);
    if (bodyLen < 0 || bodyLen > left - ITEM_FIXED_BYTES) return err(`${where(pos)}: body length ${bodyLen} does not fit the ${left} bytes left`);
    const propsLenPos = pos + 20 + bodyLen;
    const propsLen = buf.readInt16BE(propsLenPos);
    if (propsLen < 0) return err(`${where(pos)}: negative properties length ${propsLen}`);
    const itemSize = ITEM_FIXED_BYTES + bodyLen + propsLen;
    if (itemSize > left) return err(`${where(pos)}: properties length ${propsLen} runs past the end of the body`);
    if (totalSize !== itemSize) return err(`${where(pos)}: TOTALSIZE ${totalSize} but the fields add up to ${itemSize}`);
    items.push({ flag, body: buf.subarray(pos + 20, pos + 20 + bodyLen), properties: buf.subarray(propsLenPos + 2, propsLenPos + 2 + propsLen) });
    pos += itemSize;
  }
  return ok(items);
}
