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
import { isAscii } from 'node:buffer';
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
  const maxBytes = binaryHeaderMaxBytes(cmd);
  if (maxBytes === undefined || !isInt32(cmd.opaque) || !isInt32(cmd.flag)) return undefined;
  const target = Buffer.allocUnsafe(maxBytes);
  const length = writeBinaryHeader(cmd, cmd.opaque, cmd.flag, target, 0);
  return length === maxBytes ? target : target.subarray(0, length);
}

/**
 * An upper bound of the encoded size (3 bytes per UTF-16 unit), or undefined when the command does
 * not fit the binary form. Writers reserve this much and then write in place.
 */
export function binaryHeaderMaxBytes(cmd: CommandHeader): number | undefined {
  if (!isInt16(cmd.code) || !isInt16(cmd.version)) return undefined;
  let bytes = FIXED_BYTES + 8 + (cmd.remark === undefined ? 0 : cmd.remark.length * 3);
  const ext = cmd.extFields;
  if (ext !== undefined) {
    const keys = Object.keys(ext);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (key.length * 3 > INT16_MAX && Buffer.byteLength(key, 'utf8') > INT16_MAX) return undefined;
      bytes += 6 + (key.length + (ext[key] as string).length) * 3;
    }
  }
  return bytes;
}

/**
 * Writes the header at `target[at]` and returns its length. The caller checked the command with
 * `binaryHeaderMaxBytes` and reserved that many bytes; `opaque` and `flag` are int32s.
 */
export function writeBinaryHeader(cmd: CommandHeader, opaque: number, flag: number, target: Buffer, at: number): number {
  const start = at;
  target.writeInt16BE(cmd.code, at);
  target[at + 2] = languageCodeOf(cmd.language);
  target.writeInt16BE(cmd.version, at + 3);
  target.writeInt32BE(opaque, at + 5);
  target.writeInt32BE(flag, at + 9);
  at += FIXED_BYTES;
  const remarkLength = cmd.remark === undefined || cmd.remark.length === 0 ? 0 : writeUtf8(target, at + 4, cmd.remark);
  target.writeInt32BE(remarkLength, at);
  at += 4 + remarkLength;
  const extLengthAt = at;
  at += 4;
  const ext = cmd.extFields;
  if (ext !== undefined) {
    const keys = Object.keys(ext);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const keyLength = writeUtf8(target, at + 2, key);
      target.writeInt16BE(keyLength, at);
      at += 2 + keyLength;
      const valueLength = writeUtf8(target, at + 4, ext[key] as string);
      target.writeInt32BE(valueLength, at);
      at += 4 + valueLength;
    }
  }
  target.writeInt32BE(at - extLengthAt - 4, extLengthAt);
  return at - start;
}

/** Below this many UTF-16 units a JavaScript loop beats a call into the native UTF-8 encoder. */
const SHORT_STRING = 64;

/** Writes `text` as UTF-8 at `target[at]`, which has room for 3 bytes per unit; returns the bytes written. */
function writeUtf8(target: Buffer, at: number, text: string): number {
  const n = text.length;
  if (n < SHORT_STRING) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      target[at + i] = c;
    }
    if (i === n) return n;
  }
  return target.write(text, at, 'utf8');
}

/** Reads a binary header that fills `bytes` exactly; every length is checked against what remains. */
export function decodeBinaryHeader(bytes: Buffer): Result<CommandHeader, string> {
  if (bytes.length < FIXED_BYTES + 8) return err(`binary header is ${bytes.length} bytes, shorter than its fixed part`);
  const header: CommandHeader = {
    code: bytes.readInt16BE(0),
    language: languageName(bytes[2] as number),
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

/**
 * Keys and values are short, and decoding each with its own native call costs more than the rest of
 * the header. When the section is ASCII (the usual case), it is decoded once and cut with substring:
 * byte offsets then equal string offsets.
 */
function decodeExtFields(bytes: Buffer, start: number): Result<Record<string, string>, string> {
  const section = isAscii(start === 0 ? bytes : bytes.subarray(start)) ? bytes.toString('latin1', start) : undefined;
  const fields: Record<string, string> = {};
  let at = start;
  while (at < bytes.length) {
    if (bytes.length - at < 2) return err('binary header extFields entry truncated in key length');
    const keyLength = bytes.readInt16BE(at);
    at += 2;
    if (keyLength < 0 || keyLength > bytes.length - at - 4) {
      return err(`binary header extFields key length ${keyLength} exceeds the header`);
    }
    const key = textAt(bytes, section, start, at, at + keyLength);
    at += keyLength;
    const valueLength = bytes.readInt32BE(at);
    at += 4;
    if (valueLength < 0 || valueLength > bytes.length - at) {
      return err(`binary header extFields value length ${valueLength} of key ${JSON.stringify(key)} exceeds the header`);
    }
    setOwnProperty(fields, key, textAt(bytes, section, start, at, at + valueLength));
    at += valueLength;
  }
  return ok(fields);
}

/** `bytes[from, to)` as text: cut from the decoded ASCII `section` (starting at byte `start`) when there is one. */
function textAt(bytes: Buffer, section: string | undefined, start: number, from: number, to: number): string {
  return section === undefined ? bytes.toString('utf8', from, to) : section.substring(from - start, to - start);
}
