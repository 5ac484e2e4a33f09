/**
 * A JSON parser that also reads what fastjson writes. Java peers serialize `Map<Long, String>` and
 * `Map<Integer, ...>` with bare integer keys (`{0:"addr"}`) and some admin bodies use whole objects as
 * map keys (`{{"topic":"t","queueId":0}:12}`); neither is JSON, so `JSON.parse` rejects them.
 *
 * Rules beyond standard JSON:
 * - an object key may be a number (`0`, `-1`, `1.5`): it becomes the string of its source text;
 * - an object key may be an object or array: it becomes `JSON.stringify` of its parsed value.
 * Everything else is strict JSON. Input from the wire never throws: the result is an `Err` naming the
 * offset. Nesting is limited (default 256 levels) so hostile input cannot exhaust the stack.
 *
 * Numbers are JavaScript numbers; integers beyond 2^53 lose precision like they do with `JSON.parse`.
 */
import type { Result } from '../stdx';
import { err, ok } from '../stdx';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface LenientJsonOptions {
  /** Deepest nesting of objects and arrays accepted. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 256;

/** Fast path through `JSON.parse`; the hand-written parser runs only when that fails. */
export function parseLenientJson(text: string, options: LenientJsonOptions = {}): Result<JsonValue, string> {
  try {
    return ok(JSON.parse(text) as JsonValue);
  } catch {
    // Not strict JSON: maybe fastjson's dialect, maybe garbage. The lenient parser decides and explains.
  }
  const parser = new LenientParser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    const value = parser.parseDocument();
    return ok(value);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return err(e.message);
    throw e;
  }
}

/** Internal control flow only: never escapes `parseLenientJson`. */
class JsonSyntaxError extends Error {}

/** Sets an own property even for the key `__proto__`, as `JSON.parse` does, so wire data cannot touch prototypes. */
export function setOwnProperty<V>(target: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

class LenientParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): JsonValue {
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('unexpected trailing characters');
    return value;
  }

  private fail(what: string): never {
    throw new JsonSyntaxError(`invalid JSON at offset ${this.pos}: ${what}`);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private parseValue(depth: number): JsonValue {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('unexpected end of input');
    const c = this.text[this.pos];
    if (c === '{') return this.parseObject(depth + 1);
    if (c === '[') return this.parseArray(depth + 1);
    if (c === '"') return this.parseString();
    if (c === '-' || (c >= '0' && c <= '9')) return Number(this.scanNumber());
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private literal<T extends JsonValue>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private parseObject(depth: number): JsonValue {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++; // '{'
    const result: { [key: string]: JsonValue } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      const key = this.parseKey(depth);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after object key");
      this.pos++;
      setOwnProperty(result, key, this.parseValue(depth));
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === '}') return result;
      if (next !== ',') {
        this.pos--;
        this.fail("expected ',' or '}' in object");
      }
    }
  }

  /** Standard string keys, plus fastjson's bare numbers and object/array keys. */
  private parseKey(depth: number): string {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === '"') return this.parseString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.scanNumber();
    if (c === '{' || c === '[') return JSON.stringify(this.parseValue(depth));
    return this.fail('expected an object key');
  }

  private parseArray(depth: number): JsonValue {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++; // '['
    const result: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.parseValue(depth));
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === ']') return result;
      if (next !== ',') {
        this.pos--;
        this.fail("expected ',' or ']' in array");
      }
    }
  }

  /** Returns the number's source text after checking it against the JSON number grammar. */
  private scanNumber(): string {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (found === null) this.fail('malformed number');
    this.pos += found[0].length;
    return found[0];
  }

  private parseString(): string {
    const text = this.text;
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        out += text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(runStart, this.pos);
        out += this.parseEscape();
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
    return this.fail('unterminated string');
  }

  private parseEscape(): string {
    const kind = this.text[this.pos + 1];
    if (kind === 'u') {
      const hex = this.text.slice(this.pos + 2, this.pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('malformed \\u escape');
      this.pos += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    const plain = kind === undefined ? undefined : ESCAPES.get(kind);
    if (plain === undefined) this.fail('unknown escape');
    this.pos += 2;
    return plain;
  }
}
