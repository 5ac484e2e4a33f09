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

export function encodeJsonHeader(cmd: CommandHeader): Buffer {
  // Insertion order is serialization order: alphabetical, like fastjson's bean serializer.
  const json: Record<string, unknown> = { code: cmd.code };
  if (cmd.extFields !== undefined) json.extFields = cmd.extFields;
  json.flag = cmd.flag;
  json.language = cmd.language;
  json.opaque = cmd.opaque;
  if (cmd.remark !== undefined) json.remark = cmd.remark;
  json.serializeTypeCurrentRPC = 'JSON';
  json.version = cmd.version;
  return Buffer.from(JSON.stringify(json), 'utf8');
}

export function decodeJsonHeader(bytes: Buffer): Result<CommandHeader, string> {
  const parsed = parseLenientJson(bytes.toString('utf8'), { maxDepth: HEADER_MAX_DEPTH });
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
  const out: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    assert(v !== undefined, 'own keys have values');
    if (v === null) continue; // Java omits null fields; treat an explicit null the same way.
    setOwnProperty(out, key, typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return ok(out);
}
