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
  putInt16(target, at, cmd.code);
  target[at + 2] = languageCodeOf(cmd.language);
  putInt16(target, at + 3, cmd.version);
  putInt32(target, at + 5, opaque);
  putInt32(target, at + 9, flag);
  at += FIXED_BYTES;
  const remarkLength = cmd.remark === undefined || cmd.remark.length === 0 ? 0 : writeUtf8(target, at + 4, cmd.remark);
  putInt32(target, at, remarkLength);
  at += 4 + remarkLength;
  const extLengthAt = at;
  at += 4;
  const ext = cmd.extFields;
  if (ext !== undefined) {
    const keys = Object.keys(ext);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const keyLength = writeUtf8(target, at + 2, key);
      putInt16(target, at, keyLength);
      at += 2 + keyLength;
      const valueLength = writeUtf8(target, at + 4, ext[key] as string);
      putInt32(target, at, valueLength);
      at += 4 + valueLength;
    }
  }
  putInt32(target, extLengthAt, at - extLengthAt - 4);
  return at - start;
}

// Big-endian integers by hand: Buffer's writeInt*/readInt* validate their arguments on every call,
// which costs more than the access itself here, where ranges are known and offsets checked.
function putInt16(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 8;
  target[at + 1] = value;
}

function putInt32(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = value >>> 16;
  target[at + 2] = value >>> 8;
  target[at + 3] = value;
}

function getInt16(bytes: Buffer, at: number): number {
  return (((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16)) >> 16;
}

function getInt32(bytes: Buffer, at: number): number {
  return ((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
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
  return decodeBinaryHeaderAt(bytes, 0, bytes.length);
}

/** Reads the binary header in `bytes[start, end)`, so a frame need not be sliced first. */
export function decodeBinaryHeaderAt(bytes: Buffer, start: number, end: number): Result<CommandHeader, string> {
  const length = end - start;
  if (length < FIXED_BYTES + 8) return err(`binary header is ${length} bytes, shorter than its fixed part`);
  const header: CommandHeader = {
    code: getInt16(bytes, start),
    language: languageName(bytes[start + 2] as number),
    version: getInt16(bytes, start + 3),
    opaque: getInt32(bytes, start + 5),
    flag: getInt32(bytes, start + 9),
  };
  let at = start + FIXED_BYTES;
  const remarkLength = getInt32(bytes, at);
  at += 4;
  if (remarkLength < 0 || remarkLength > end - at - 4) {
    return err(`binary header remark length ${remarkLength} exceeds the header`);
  }
  if (remarkLength > 0) header.remark = bytes.toString('utf8', at, at + remarkLength);
  at += remarkLength;

  const extLength = getInt32(bytes, at);
  at += 4;
  if (extLength < 0 || extLength !== end - at) {
    return err(`binary header extFields length ${extLength} does not match the ${end - at} bytes left`);
  }
  if (extLength > 0) {
    const fields = decodeExtFields(bytes, at, end);
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
function decodeExtFields(bytes: Buffer, start: number, end: number): Result<Record<string, string>, string> {
  const section = isAscii(bytes.subarray(start, end)) ? bytes.toString('latin1', start, end) : undefined;
  const fields: Record<string, string> = {};
  let at = start;
  while (at < end) {
    if (end - at < 2) return err('binary header extFields entry truncated in key length');
    const keyLength = getInt16(bytes, at);
    at += 2;
    if (keyLength < 0 || keyLength > end - at - 4) {
      return err(`binary header extFields key length ${keyLength} exceeds the header`);
    }
    const key = textAt(bytes, section, start, at, at + keyLength);
    at += keyLength;
    const valueLength = getInt32(bytes, at);
    at += 4;
    if (valueLength < 0 || valueLength > end - at) {
      return err(`binary header extFields value length ${valueLength} of key ${JSON.stringify(key)} exceeds the header`);
    }
    const value = textAt(bytes, section, start, at, at + valueLength);
    if (key === '__proto__') setOwnProperty(fields, key, value);
    else fields[key] = value;
    at += valueLength;
  }
  return ok(fields);
}

/** `bytes[from, to)` as text: cut from the decoded ASCII `section` (starting at byte `start`) when there is one. */
function textAt(bytes: Buffer, section: string | undefined, start: number, from: number, to: number): string {
  return section === undefined ? bytes.toString('utf8', from, to) : section.substring(from - start, to - start);
}
