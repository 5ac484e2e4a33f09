/**
 * ROCKETMQ binary header codec (serialize type 1), FACTS 3.3. All integers big-endian:
 *
 *   int16 code | int8 language | int16 version | int32 opaque | int32 flag |
 *   int32 remarkLength + remark UTF-8 (0 = none) |
 *   int32 extFieldsLength (bytes of the entries that follow; 0 = none) |
 *   entries: int16 keyLength + key UTF-8, int32 valueLength + value UTF-8
 *
 * `code` and `version` are 16-bit, so a command with a larger code (5.x pop codes) cannot be written in
 * this form; `encodeBinaryHeader` then returns undefined and the frame encoder falls back to JSON,
 * which every peer reads (peers look at the serialize-type byte of each frame).
 */
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import { languageCodeOf, languageName } from './codes';
import { isInt32 } from './command';
import type { CommandHeader } from './json-header';
import { setOwnProperty } from './lenient-json';

const FIXED_BYTES = 2 + 1 + 2 + 4 + 4;
const INT16_MIN = -0x8000;
const INT16_MAX = 0x7fff;

function isInt16(value: number): boolean {
  return Number.isInteger(value) && value >= INT16_MIN && value <= INT16_MAX;
}

/** Undefined when the command does not fit the binary form (16-bit code/version, 15-bit key length). */
export function encodeBinaryHeader(cmd: CommandHeader): Buffer | undefined {
  if (!isInt16(cmd.code) || !isInt16(cmd.version) || !isInt32(cmd.opaque) || !isInt32(cmd.flag)) return undefined;
  const remark = cmd.remark !== undefined && cmd.remark.length > 0 ? Buffer.from(cmd.remark, 'utf8') : undefined;
  const entries: Buffer[] = [];
  let extBytes = 0;
  if (cmd.extFields !== undefined) {
    for (const [key, value] of Object.entries(cmd.extFields)) {
      const keyBytes = Buffer.from(key, 'utf8');
      if (keyBytes.length > INT16_MAX) return undefined;
      const valueBytes = Buffer.from(value, 'utf8');
      const entry = Buffer.allocUnsafe(2 + keyBytes.length + 4 + valueBytes.length);
      entry.writeInt16BE(keyBytes.length, 0);
      keyBytes.copy(entry, 2);
      entry.writeInt32BE(valueBytes.length, 2 + keyBytes.length);
      valueBytes.copy(entry, 6 + keyBytes.length);
      entries.push(entry);
      extBytes += entry.length;
    }
  }
  const head = Buffer.allocUnsafe(FIXED_BYTES + 4);
  let at = head.writeInt16BE(cmd.code, 0);
  at = head.writeInt8(languageCodeOf(cmd.language), at);
  at = head.writeInt16BE(cmd.version, at);
  at = head.writeInt32BE(cmd.opaque, at);
  at = head.writeInt32BE(cmd.flag, at);
  head.writeInt32BE(remark?.length ?? 0, at);
  const extLength = Buffer.allocUnsafe(4);
  extLength.writeInt32BE(extBytes, 0);
  return Buffer.concat(remark === undefined ? [head, extLength, ...entries] : [head, remark, extLength, ...entries]);
}

/** Reads a binary header that fills `bytes` exactly; every length is checked against what remains. */
export function decodeBinaryHeader(bytes: Buffer): Result<CommandHeader, string> {
  if (bytes.length < FIXED_BYTES + 8) return err(`binary header is ${bytes.length} bytes, shorter than its fixed part`);
  const header: CommandHeader = {
    code: bytes.readInt16BE(0),
    language: languageName(bytes.readUInt8(2)),
    version: bytes.readInt16BE(3),
    opaque: bytes.readInt32BE(5),
    flag: bytes.readInt32BE(9),
  };
  let at = FIXED_BYTES;
  const remarkLength = bytes.readInt32BE(at);
  at += 4;
  if (remarkLength < 0 || remarkLength > bytes.length - at - 4) {
    return err(`binary header remark length ${remarkLength} exceeds the header`);
  }
  if (remarkLength > 0) header.remark = bytes.toString('utf8', at, at + remarkLength);
  at += remarkLength;

  const extLength = bytes.readInt32BE(at);
  at += 4;
  if (extLength < 0 || extLength !== bytes.length - at) {
    return err(`binary header extFields length ${extLength} does not match the ${bytes.length - at} bytes left`);
  }
  if (extLength > 0) {
    const fields = decodeExtFields(bytes, at);
    if (!fields.ok) return fields;
    header.extFields = fields.value;
  }
  return ok(header);
}

function decodeExtFields(bytes: Buffer, start: number): Result<Record<string, string>, string> {
  const fields: Record<string, string> = {};
  let at = start;
  while (at < bytes.length) {
    if (bytes.length - at < 2) return err('binary header extFields entry truncated in key length');
    const keyLength = bytes.readInt16BE(at);
    at += 2;
    if (keyLength < 0 || keyLength > bytes.length - at - 4) {
      return err(`binary header extFields key length ${keyLength} exceeds the header`);
    }
    const key = bytes.toString('utf8', at, at + keyLength);
    at += keyLength;
    const valueLength = bytes.readInt32BE(at);
    at += 4;
    if (valueLength < 0 || valueLength > bytes.length - at) {
      return err(`binary header extFields value length ${valueLength} of key ${JSON.stringify(key)} exceeds the header`);
    }
    setOwnProperty(fields, key, bytes.toString('utf8', at, at + valueLength));
    at += valueLength;
  }
  return ok(fields);
}
