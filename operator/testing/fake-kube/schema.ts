/**
 * CRD openAPIV3Schema handling as kube-apiserver does it for custom resources, in its order:
 * prune unknown fields, apply structural defaults (nested, also inside defaulted objects), then
 * validate (ajv over a JSON-Schema translation) and report causes in the API server's words.
 * CEL rules (x-kubernetes-validations) are evaluated with the subset in cel.ts, transition rules
 * (oldSelf) only on update where the old value exists. Structural-schema rules are checked when a
 * CRD is created so a schema the real server would refuse is refused here too.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { CelError, evalCel, parseCel, usesOldSelf } from './cel';
import type { Node as CelNode } from './cel';
import type { StatusCause } from './errors';
import { deepCopy, isObject } from './patch';
import type { Json, JsonObject } from './patch';

/** The subset of JSONSchemaProps the fake interprets. */
export interface SchemaProps {
  type?: string;
  nullable?: boolean;
  properties?: Record<string, SchemaProps>;
  additionalProperties?: SchemaProps | boolean;
  items?: SchemaProps;
  required?: string[];
  default?: Json;
  enum?: Json[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  uniqueItems?: boolean;
  pattern?: string;
  format?: string;
  allOf?: SchemaProps[];
  anyOf?: SchemaProps[];
  oneOf?: SchemaProps[];
  not?: SchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [k: string]: unknown;
}

export interface CompiledSchema {
  readonly root: SchemaProps;
  /** Prune, default and validate `obj` in place (`old`: the stored object on update); returns the causes of a 422. */
  admit(obj: JsonObject, old?: JsonObject): StatusCause[];
}

const OBJECT_META_KEYS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

/** ObjectMeta is decoded into a Go struct by the API server, so unknown metadata keys vanish for every kind. */
export function pruneObjectMeta(meta: JsonObject): void {
  for (const k of Object.keys(meta)) if (!OBJECT_META_KEYS.has(k)) delete meta[k];
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

function toJsonSchema(s: SchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const withNull = (t: unknown): unknown => (s.nullable ? [t, 'null'] : t);
  if (s['x-kubernetes-int-or-string']) out.anyOf = [{ type: 'integer' }, { type: 'string' }, ...(s.nullable ? [{ type: 'null' }] : [])];
  else if (s.type) out.type = withNull(s.type);
  if (s.enum) out.enum = s.nullable ? [...s.enum, null] : s.enum;
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf', 'uniqueItems', 'pattern', 'required'] as const) {
    if (s[k] !== undefined) out[k] = s[k];
  }
  if (s.minimum !== undefined) out[s.exclusiveMinimum ? 'exclusiveMinimum' : 'minimum'] = s.minimum;
  if (s.maximum !== undefined) out[s.exclusiveMaximum ? 'exclusiveMaximum' : 'maximum'] = s.maximum;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toJsonSchema(v)]));
  if (isObject(s.additionalProperties as unknown)) out.additionalProperties = toJsonSchema(s.additionalProperties as SchemaProps);
  if (s.items) out.items = toJsonSchema(s.items);
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[k];
    if (list) {
      const mapped = list.map(toJsonSchema);
      // int-or-string already used anyOf; nest user anyOf under allOf so both hold.
      if (k === 'anyOf' && out.anyOf) out.allOf = [...((out.allOf as unknown[]) ?? []), { anyOf: mapped }];
      else out[k] = mapped;
    }
  }
  if (s.not) out.not = toJsonSchema(s.not);
  return out;
}

function fieldOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^[0-9]+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null';
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const p of instancePath.split('/').slice(1)) {
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return cur;
}

/** ajv error → the cause kube-openapi's validator would report for the same problem. */
function causeOf(e: ErrorObject, root: unknown): StatusCause | undefined {
  const field = fieldOf(e.instancePath);
  const value = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const inBody = field || 'body';
  switch (e.keyword) {
    case 'required': {
      const f = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
      return { reason: 'FieldValueRequired', message: 'Required value', field: f };
    }
    case 'type':
      return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body must be of type ${String(p.type).split(',')[0]}: ${show(typeof value)}`, field };
    case 'enum':
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${show(value)}: supported values: ${(p.allowedValues as unknown[]).map(show).join(', ')}`,
        field,
      };
    case 'minimum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body should be greater than or equal to ${String(p.limit)}`, field };
    case 'exclusiveMinimum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body should be greater than ${String(p.limit)}`, field };
    case 'maximum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body should be less than or equal to ${String(p.limit)}`, field };
    case 'exclusiveMaximum':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body should be less than ${String(p.limit)}`, field };
    case 'pattern':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body should match '${String(p.pattern)}'`, field };
    case 'minLength':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body should be at least ${String(p.limit)} chars long`, field };
    case 'maxLength':
      return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${String(p.limit)} bytes`, field };
    case 'minItems':
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${(value as unknown[]).length}: ${inBody} in body should have at least ${String(p.limit)} items`, field };
    case 'maxItems':
      return { reason: 'FieldValueTooMany', message: `Too many: ${(value as unknown[]).length}: must have at most ${String(p.limit)} items`, field };
    case 'anyOf':
    case 'if':
      return undefined; // the branch errors that follow say more
    default:
      return { reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${inBody} in body ${e.message ?? 'is invalid'}`, field };
  }
}

function prune(value: Json, s: SchemaProps | undefined, isRoot: boolean): void {
  if (!s) return;
  if (Array.isArray(value)) {
    for (const item of value) prune(item, s.items, false);
    return;
  }
  if (!isObject(value)) return;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const [k, v] of Object.entries(value)) {
    if ((isRoot || embedded) && (k === 'apiVersion' || k === 'kind')) continue;
    if ((isRoot || embedded) && k === 'metadata') {
      if (isObject(v)) pruneObjectMeta(v);
      continue;
    }
    const sub = s.properties?.[k] ?? (isObject(s.additionalProperties as unknown) ? (s.additionalProperties as SchemaProps) : undefined);
    if (sub) prune(v, sub, false);
    else if (!preserve && s.additionalProperties !== true) delete value[k];
  }
}

function applyDefaults(value: Json, s: SchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, s.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (value[k] === null && !sub.nullable && sub.default !== undefined) delete value[k];
    if (value[k] === undefined && sub.default !== undefined) value[k] = deepCopy(sub.default);
    if (value[k] !== undefined) applyDefaults(value[k], sub);
  }
  if (isObject(s.additionalProperties as unknown)) {
    for (const v of Object.values(value)) applyDefaults(v, s.additionalProperties as SchemaProps);
  }
}

/**
 * The schema the object is validated with: apiVersion/kind are the server's business, and of
 * metadata only the restrictions on name/generateName apply (the only ones a CRD may state).
 */
function userSchema(root: SchemaProps): SchemaProps {
  const props = { ...(root.properties ?? {}) };
  const meta = props.metadata?.properties ?? {};
  delete props.metadata;
  delete props.apiVersion;
  delete props.kind;
  const nameRules: Record<string, SchemaProps> = {};
  for (const k of ['name', 'generateName']) if (meta[k]) nameRules[k] = meta[k];
  if (Object.keys(nameRules).length > 0) props.metadata = { type: 'object', properties: nameRules };
  return { ...root, properties: props };
}

export function compileSchema(root: SchemaProps): CompiledSchema {
  const validate: ValidateFunction = ajv.compile(toJsonSchema(userSchema(root)));
  const withoutMetadata: SchemaProps = { ...root, properties: { ...(root.properties ?? {}) } };
  delete withoutMetadata.properties?.metadata;
  return {
    root,
    admit(obj: JsonObject, old?: JsonObject): StatusCause[] {
      prune(obj, root, true);
      applyDefaults(obj, withoutMetadata);
      if (validate(obj)) {
        const celCauses: StatusCause[] = [];
        celWalk(obj, old, withoutMetadata, '', celCauses);
        return celCauses;
      }
      const causes: StatusCause[] = [];
      for (const e of validate.errors ?? []) {
        const c = causeOf(e, obj);
        if (c && !causes.some((x) => x.field === c.field && x.message === c.message)) causes.push(c);
      }
      return causes;
    },
  };
}

/**
 * The structural-schema rules kube-apiserver enforces on a v1 CRD: every node has a type (unless
 * int-or-string or preserve-unknown-fields), arrays have items, properties and additionalProperties
 * are exclusive, metadata is restricted to name/generateName, defaults validate against their schema.
 */
export function structuralErrors(root: SchemaProps, basePath: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const walk = (s: SchemaProps, path: string, isRoot: boolean): void => {
    if (!s.type && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']) {
      causes.push({ reason: 'FieldValueRequired', message: 'Required value: must not be empty for specified object fields', field: `${path}.type` });
    }
    if (s['x-kubernetes-int-or-string'] && s.type) {
      causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: must be empty if x-kubernetes-int-or-string is true', field: `${path}.type` });
    }
    if (s.type === 'array' && !s.items) causes.push({ reason: 'FieldValueRequired', message: 'Required value: must be specified', field: `${path}.items` });
    if (s.additionalProperties === false) {
      causes.push({ reason: 'FieldValueForbidden', field: `${path}.additionalProperties`, message: 'Forbidden: additionalProperties cannot be set to false' });
    }
    if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
      causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: additionalProperties and properties are mutual exclusive', field: `${path}.additionalProperties` });
    }
    if (s.additionalProperties === true && !s['x-kubernetes-preserve-unknown-fields']) {
      causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: must not be used at the root or with properties; use x-kubernetes-preserve-unknown-fields', field: `${path}.additionalProperties` });
    }
    if (isRoot && s.properties?.metadata) {
      const extra = Object.keys(s.properties.metadata.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
      if (extra.length > 0 || s.properties.metadata.default !== undefined) {
        causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified', field: `${path}.properties[metadata]` });
      }
    }
    if (s.default !== undefined) {
      const check = ajv.compile(toJsonSchema(s));
      if (!check(s.default)) {
        causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${show(s.default)}: default does not validate against the schema`, field: `${path}.default` });
      }
    }
    for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.properties[${k}]`, false);
    if (s.items) walk(s.items, `${path}.items`, false);
    if (isObject(s.additionalProperties as unknown)) walk(s.additionalProperties as SchemaProps, `${path}.additionalProperties`, false);
  };
  walk(root, basePath, true);
  if (root.type !== 'object') causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: must be object at the root', field: `${basePath}.type` });
  return causes;
}

interface CelRule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
}

const compiledRules = new Map<string, CelNode>();

function compileRule(rule: string): CelNode {
  let n = compiledRules.get(rule);
  if (!n) {
    n = parseCel(rule);
    compiledRules.set(rule, n);
  }
  return n;
}

function celType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Evaluates every x-kubernetes-validations rule on the values present, depth first. */
function celWalk(value: Json | undefined, old: Json | undefined, s: SchemaProps, path: string, causes: StatusCause[]): void {
  if (value === undefined) return;
  for (const r of (s['x-kubernetes-validations'] ?? []) as CelRule[]) {
    const node = compileRule(r.rule);
    if (usesOldSelf(node) && old === undefined) continue;
    let ok = false;
    let why = r.message ?? `failed rule: ${r.rule}`;
    try {
      ok = evalCel(node, { self: value, oldSelf: old }) === true;
    } catch (e) {
      why = e instanceof CelError ? `${why} (evaluation error: ${e.message})` : why;
    }
    if (!ok) {
      const field = `${path}${r.fieldPath ?? ''}`.replace(/^\./, '');
      causes.push({ reason: r.reason ?? 'FieldValueInvalid', field, message: `Invalid value: "${celType(value)}": ${why}` });
    }
  }
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => celWalk(v, undefined, s.items as SchemaProps, `${path}[${i}]`, causes));
    return;
  }
  if (!isObject(value)) return;
  const oldObj = isObject(old) ? old : undefined;
  for (const [k, sub] of Object.entries(s.properties ?? {})) celWalk(value[k], oldObj?.[k], sub, path ? `${path}.${k}` : k, causes);
  if (isObject(s.additionalProperties as unknown)) {
    for (const [k, v] of Object.entries(value)) celWalk(v, oldObj?.[k], s.additionalProperties as SchemaProps, `${path}[${k}]`, causes);
  }
}

/** Rules that the CEL subset cannot compile: the CRD is refused, so no rule is ever skipped silently. */
export function celCompileErrors(root: SchemaProps, basePath: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const walk = (s: SchemaProps, path: string): void => {
    ((s['x-kubernetes-validations'] ?? []) as CelRule[]).forEach((r, i) => {
      try {
        compileRule(r.rule);
      } catch (e) {
        causes.push({ reason: 'FieldValueInvalid', field: `${path}.x-kubernetes-validations[${i}].rule`, message: `Invalid value: ${JSON.stringify(r.rule)}: compilation failed: ${(e as Error).message}` });
      }
    });
    for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.properties[${k}]`);
    if (s.items) walk(s.items, `${path}.items`);
    if (isObject(s.additionalProperties as unknown)) walk(s.additionalProperties as SchemaProps, `${path}.additionalProperties`);
  };
  walk(root, basePath);
  return causes;
}
