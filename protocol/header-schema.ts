/**
 * Typed views of `extFields`. A header is declared once as a schema (field -> wire type, required or
 * not); `defineHeader` checks at compile time that the schema matches the TypeScript interface and
 * gives back `parse` (strings -> typed values, with a message naming the first bad field) and `format`
 * (typed values -> strings, optional fields left out when undefined).
 *
 * Wire conversions follow the Java side: Integer/Long are decimal with an optional sign, Boolean is
 * `true`/`false` (any case). Longs beyond 2^53 are rejected rather than silently rounded: offsets and
 * timestamps never get there, and a wrong offset is worse than a clear error.
 */
import type { Result } from '../stdx';
import { assert, err, ok } from '../stdx';
import { setOwnProperty } from './lenient-json';

export type FieldType = 'string' | 'int' | 'long' | 'bool';

export interface FieldSpec {
  readonly type: FieldType;
  readonly required: boolean;
}

type WireTypeOf<V> = V extends string ? 'string' : V extends boolean ? 'bool' : V extends number ? 'int' | 'long' : never;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** A schema whose fields, types and optionality match the interface `T` exactly. */
export type HeaderSchema<T> = {
  readonly [K in keyof T]-?: {
    readonly type: WireTypeOf<NonNullable<T[K]>>;
    readonly required: K extends OptionalKeys<T> ? false : true;
  };
};

export interface HeaderCodec<T> {
  readonly name: string;
  /** Reads the typed header; the error names the header and field so it can go straight into a remark. */
  parse(extFields: Readonly<Record<string, string>> | undefined): Result<T, string>;
  /** Writes every defined field as a string; unknown keys of `header` are ignored. */
  format(header: T): Record<string, string>;
}

const INT_PATTERN = /^[+-]?\d{1,10}$/;
const LONG_PATTERN = /^[+-]?\d{1,19}$/;

function parseField(type: FieldType, raw: string): Result<string | number | boolean, string> {
  switch (type) {
    case 'string':
      return ok(raw);
    case 'int': {
      const n = Number(raw);
      if (!INT_PATTERN.test(raw) || n < -0x8000_0000 || n > 0x7fff_ffff) return err('is not a 32-bit integer');
      return ok(n);
    }
    case 'long': {
      const n = Number(raw);
      if (!LONG_PATTERN.test(raw) || !Number.isSafeInteger(n)) return err('is not an integer within +-2^53');
      return ok(n);
    }
    case 'bool': {
      const lower = raw.toLowerCase();
      if (lower === 'true') return ok(true);
      if (lower === 'false') return ok(false);
      return err('is not true or false');
    }
  }
}

function formatField(type: FieldType, name: string, value: unknown): string {
  switch (type) {
    case 'string':
      // Hot path (every request): the message is built only when the check fails.
      if (typeof value !== 'string') assert(false, `header field ${name} must be a string`);
      return value;
    case 'int':
    case 'long':
      if (!(typeof value === 'number' && Number.isSafeInteger(value))) assert(false, `header field ${name} must be an integer`);
      return String(value);
    case 'bool':
      if (typeof value !== 'boolean') assert(false, `header field ${name} must be a boolean`);
      return value ? 'true' : 'false';
  }
}

/**
 * `labels` give error messages a readable name for terse wire keys (`b` -> `topic` in the V2 send header).
 */
export function defineHeader<T>(
  name: string,
  schema: HeaderSchema<T>,
  labels: Partial<Record<keyof T, string>> = {},
): HeaderCodec<T> {
  const fields = Object.entries(schema as Record<string, FieldSpec>);
  const labelOf = (field: string): string => {
    const label = (labels as Record<string, string | undefined>)[field];
    return label === undefined ? field : `${field} (${label})`;
  };
  return {
    name,
    parse(extFields) {
      const out: Record<string, string | number | boolean> = {};
      for (const [field, spec] of fields) {
        const raw = extFields !== undefined && Object.prototype.hasOwnProperty.call(extFields, field) ? extFields[field] : undefined;
        if (raw === undefined) {
          if (spec.required) return err(`${name}: missing required field ${labelOf(field)}`);
          continue;
        }
        const value = parseField(spec.type, raw);
        if (!value.ok) return err(`${name}: field ${labelOf(field)} ${value.error}: ${JSON.stringify(raw)}`);
        setOwnProperty(out, field, value.value);
      }
      return ok(out as T);
    },
    format(header) {
      const out: Record<string, string> = {};
      const values = header as Record<string, unknown>;
      for (const [field, spec] of fields) {
        const value = values[field];
        if (value === undefined || value === null) {
          if (spec.required) assert(false, `${name}: required field ${field} is missing`);
          continue;
        }
        setOwnProperty(out, field, formatField(spec.type, field, value));
      }
      return out;
    },
  };
}
