/**
 * JSON header codec (serialize type 0). Output mimics fastjson: keys in alphabetical order, null
 * fields omitted, `language` and `serializeTypeCurrentRPC` as enum names. Input is read leniently:
 * Java sends strings in `extFields`, ali-ons sends numbers and booleans, and both are turned into
 * strings here so the rest of the system sees one shape.
 */
import type { Result } from '../stdx';
import { assert, err, ok } from '../stdx';
import { languageName } from './codes';
import type { RemotingCommand } from './command';
import { DEFAULT_LANGUAGE, isInt32 } from './command';
import type { JsonValue } from './lenient-json';
import { parseLenientJson, setOwnProperty } from './lenient-json';

export type CommandHeader = Omit<RemotingCommand, 'body'>;

/** Nesting allowed inside a header; real headers are two levels deep. */
const HEADER_MAX_DEPTH = 16;
const PARSE_OPTIONS = { maxDepth: HEADER_MAX_DEPTH } as const;

export function encodeJsonHeader(cmd: CommandHeader): Buffer {
  return Buffer.from(jsonHeaderText(cmd, cmd.opaque, cmd.flag), 'utf8');
}

let quotedLanguageOf = DEFAULT_LANGUAGE;
let quotedLanguage = JSON.stringify(DEFAULT_LANGUAGE);

/**
 * The JSON header as text, with `opaque` and `flag` given apart so the remoting layer need not copy
 * the command to set them. Built from a template rather than by stringifying a fresh object per frame:
 * only `extFields` and `remark` go through JSON.stringify, and the result is byte for byte what
 * `JSON.stringify` of the alphabetically ordered object gives (fastjson's order, null fields omitted).
 * The numbers are int32s (asserted by the frame encoder), which print the same either way.
 */
export function jsonHeaderText(cmd: CommandHeader, opaque: number, flag: number): string {
  let text = '{"code":' + cmd.code;
  if (cmd.extFields !== undefined) text += ',"extFields":' + JSON.stringify(cmd.extFields);
  if (cmd.language !== quotedLanguageOf) {
    quotedLanguageOf = cmd.language;
    quotedLanguage = JSON.stringify(cmd.language);
  }
  text += ',"flag":' + flag + ',"language":' + quotedLanguage + ',"opaque":' + opaque;
  if (cmd.remark !== undefined) text += ',"remark":' + JSON.stringify(cmd.remark);
  return text + ',"serializeTypeCurrentRPC":"JSON","version":' + cmd.version + '}';
}

/** Room `writeJsonHeader` may need: escaping turns one UTF-16 unit into at most 6 bytes. */
export function jsonHeaderMaxBytes(cmd: CommandHeader): number {
  let units = cmd.language.length + (cmd.remark === undefined ? 0 : cmd.remark.length);
  const ext = cmd.extFields;
  if (ext !== undefined) {
    const keys = Object.keys(ext);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      units += key.length + (ext[key] as string).length + 1; // + 1: quotes, colon, comma take 6 bytes
    }
  }
  return 192 + units * 6;
}

/**
 * Writes the JSON header at `target[at]`, which has `jsonHeaderMaxBytes(cmd)` bytes of room, and
 * returns its length: the same bytes as `jsonHeaderText`, written without building the text first
 * (the escaping of JSON.stringify, done byte by byte, costs less than stringify plus a UTF-8 encode).
 * Strings beyond ASCII take the text path.
 */
export function writeJsonHeader(cmd: CommandHeader, opaque: number, flag: number, target: Buffer, at: number): number {
  const start = at;
  at = writeBytes(target, at, CODE_KEY);
  at = writeInt(target, at, cmd.code);
  const ext = cmd.extFields;
  if (ext !== undefined) {
    at = writeBytes(target, at, EXT_FIELDS_KEY);
    const keys = Object.keys(ext);
    for (let i = 0; i < keys.length && at >= 0; i++) {
      const key = keys[i] as string;
      if (i > 0) target[at++] = COMMA;
      at = writeJsonString(target, at, key);
      if (at < 0) break;
      target[at++] = COLON;
      at = writeJsonString(target, at, ext[key] as string);
    }
    if (at >= 0) target[at++] = CLOSE_BRACE;
  }
  if (at >= 0) {
    at = writeInt(target, writeBytes(target, at, FLAG_KEY), flag);
    at = writeJsonString(target, writeBytes(target, at, LANGUAGE_KEY), cmd.language);
  }
  if (at >= 0) at = writeInt(target, writeBytes(target, at, OPAQUE_KEY), opaque);
  if (at >= 0 && cmd.remark !== undefined) at = writeJsonString(target, writeBytes(target, at, REMARK_KEY), cmd.remark);
  if (at < 0) return target.write(jsonHeaderText(cmd, opaque, flag), start, 'utf8');
  at = writeInt(target, writeBytes(target, at, VERSION_KEY), cmd.version);
  target[at++] = CLOSE_BRACE;
  return at - start;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const ZERO = 0x30;
const CODE_KEY = Buffer.from('{"code":');
const EXT_FIELDS_KEY = Buffer.from(',"extFields":{');
const FLAG_KEY = Buffer.from(',"flag":');
const LANGUAGE_KEY = Buffer.from(',"language":');
const OPAQUE_KEY = Buffer.from(',"opaque":');
const REMARK_KEY = Buffer.from(',"remark":');
const VERSION_KEY = Buffer.from(',"serializeTypeCurrentRPC":"JSON","version":');
const HEX_DIGITS = Buffer.from('0123456789abcdef');
/** JSON.stringify's two-character escapes for control characters; 0 = use \u00XX. */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES[0x08] = 0x62; // \b
SHORT_ESCAPES[0x09] = 0x74; // \t
SHORT_ESCAPES[0x0a] = 0x6e; // \n
SHORT_ESCAPES[0x0c] = 0x66; // \f
SHORT_ESCAPES[0x0d] = 0x72; // \r

/** Constant pieces are bytes, not strings: nothing to convert or flatten per frame. */
function writeBytes(target: Buffer, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) target[at++] = bytes[i] as number;
  return at;
}

/** An int32 in decimal, as JSON.stringify prints it. */
function writeInt(target: Buffer, at: number, value: number): number {
  let rest = value;
  if (rest < 0) {
    target[at++] = MINUS;
    rest = -rest; // an int32's magnitude fits a double exactly
  }
  let digits = 1;
  for (let scale = 10; scale <= rest; scale *= 10) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    target[at + i] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

/** Writes `text` quoted and escaped as JSON.stringify would; -1 (nothing usable written) when not ASCII. */
function writeJsonString(target: Buffer, at: number, text: string): number {
  target[at++] = QUOTE;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === QUOTE || c === BACKSLASH) target[at++] = BACKSLASH;
      target[at++] = c;
    } else if (c < 0x20) {
      target[at++] = BACKSLASH;
      const short = SHORT_ESCAPES[c] as number;
      if (short !== 0) target[at++] = short;
      else {
        target[at++] = 0x75; // u
        target[at++] = ZERO;
        target[at++] = ZERO;
        target[at++] = HEX_DIGITS[c >> 4] as number;
        target[at++] = HEX_DIGITS[c & 15] as number;
      }
    } else {
      return -1;
    }
  }
  target[at++] = QUOTE;
  return at;
}

export function decodeJsonHeader(bytes: Buffer): Result<CommandHeader, string> {
  return decodeJsonHeaderAt(bytes, 0, bytes.length);
}

/** Decodes the header in `bytes[start, end)`, so a frame need not be sliced first. */
export function decodeJsonHeaderAt(bytes: Buffer, start: number, end: number): Result<CommandHeader, string> {
  const parsed = parseLenientJson(bytes.toString('utf8', start, end), PARSE_OPTIONS);
  if (!parsed.ok) return parsed;
  const json = parsed.value;
  if (!isJsonObject(json)) return err('JSON header is not an object');

  const code = readInt32(json, 'code', undefined);
  if (!code.ok) return code;
  const version = readInt32(json, 'version', 0);
  if (!version.ok) return version;
  const opaque = readInt32(json, 'opaque', 0);
  if (!opaque.ok) return opaque;
  const flag = readInt32(json, 'flag', 0);
  if (!flag.ok) return flag;
  const language = readLanguage(json.language);
  if (!language.ok) return language;

  const header: CommandHeader = {
    code: code.value,
    language: language.value,
    version: version.value,
    opaque: opaque.value,
    flag: flag.value,
  };
  const remark = json.remark;
  if (typeof remark === 'string') header.remark = remark;
  else if (remark !== undefined && remark !== null) return err('JSON header field remark is not a string');

  const extFields = readExtFields(json.extFields);
  if (!extFields.ok) return extFields;
  if (extFields.value !== undefined) header.extFields = extFields.value;
  return ok(header);
}

function isJsonObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readInt32(json: { [key: string]: JsonValue }, field: string, fallback: number | undefined): Result<number, string> {
  const value = Object.prototype.hasOwnProperty.call(json, field) ? json[field] : undefined;
  if (value === undefined || value === null) {
    return fallback === undefined ? err(`JSON header lacks field ${field}`) : ok(fallback);
  }
  if (typeof value !== 'number' || !isInt32(value)) {
    return err(`JSON header field ${field} is not a 32-bit integer: ${JSON.stringify(value)}`);
  }
  return ok(value);
}

/** Java writes the enum name; a number is read as the binary code, absence as Java's default. */
function readLanguage(value: JsonValue | undefined): Result<string, string> {
  if (value === undefined || value === null) return ok(DEFAULT_LANGUAGE);
  if (typeof value === 'string') return ok(value);
  if (typeof value === 'number' && Number.isInteger(value)) return ok(languageName(value));
  return err(`JSON header field language is neither a name nor a number: ${JSON.stringify(value)}`);
}

function readExtFields(value: JsonValue | undefined): Result<Record<string, string> | undefined, string> {
  if (value === undefined || value === null) return ok(undefined);
  if (!isJsonObject(value)) return err('JSON header field extFields is not an object');
  // Java peers send only strings: then the parsed object already has the final shape and is kept
  // (JSON.parse made it, with own properties only, `__proto__` included). Otherwise it is rebuilt.
  const keys = Object.keys(value);
  let allStrings = true;
  for (let i = 0; i < keys.length && allStrings; i++) allStrings = typeof value[keys[i] as string] === 'string';
  if (allStrings) return ok(value as Record<string, string>);
  const out: Record<string, string> = {};
  for (const key of keys) {
    const v = value[key];
    assert(v !== undefined, 'own keys have values');
    if (v === null) continue; // Java omits null fields; treat an explicit null the same way.
    setOwnProperty(out, key, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return ok(out);
}
