/**
 * Validating and defaulting RocketClusters with ajv, from the same schema the CRD carries. Defaults
 * are applied the way the API server applies them (a missing field with a default gets it, and the
 * default is then defaulted itself), and unknown fields are problems, as under kubectl's strict
 * field validation. Every problem is reported, each with the path of the field it concerns.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { JsonSchemaProps } from './schema-kit';
import { KUBERNETES_KEYWORDS } from './schema-kit';
import { rocketClusterSchema, specSchema } from './schema';
import { celEquivalentProblems, semanticProblems, specChangeProblems } from './semantic';
import type { RocketCluster, RocketClusterSpec } from './types';

/** RFC 3339 as Kubernetes writes it ("2026-01-02T03:04:05Z", fractions and offsets allowed). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function newAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults, strict: true, strictTypes: false, strictRequired: false });
  ajv.addVocabulary([...KUBERNETES_KEYWORDS]);
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv;
}

/**
 * A copy of the schema that refuses unknown fields: `additionalProperties: false` beside every
 * `properties`, except under metadata, which belongs to the API server.
 */
export function closedSchema(schema: JsonSchemaProps, path = ''): JsonSchemaProps {
  const out: Record<string, unknown> = { ...schema };
  if (schema.properties !== undefined) {
    const properties: Record<string, JsonSchemaProps> = {};
    for (const [name, child] of Object.entries(schema.properties)) properties[name] = closedSchema(child, `${path}.${name}`);
    out.properties = properties;
    if (path !== '.metadata') out.additionalProperties = false;
  }
  if (schema.items !== undefined) out.items = closedSchema(schema.items, `${path}[]`);
  if (schema.additionalProperties !== undefined) out.additionalProperties = closedSchema(schema.additionalProperties, `${path}.*`);
  return out as JsonSchemaProps;
}

/**
 * Drops `null` values of fields that are not nullable, in place, as the API server does before
 * defaulting: `broker:` with nothing under it in YAML is null, and becomes the default.
 */
export function pruneNulls(value: unknown, schema: JsonSchemaProps): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) pruneNulls(item, schema.items);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = schema.properties?.[key] ?? schema.additionalProperties;
    if (child === undefined) continue;
    if (record[key] === null && child.nullable !== true) delete record[key];
    else pruneNulls(record[key], child);
  }
}

let compiled: { defaulting: ValidateFunction; checking: ValidateFunction; spec: ValidateFunction } | undefined;

function validators(): NonNullable<typeof compiled> {
  if (compiled === undefined) {
    const closed = closedSchema(rocketClusterSchema);
    compiled = {
      defaulting: newAjv(true).compile(closed),
      checking: newAjv(false).compile(closed),
      spec: newAjv(true).compile(closedSchema(specSchema)),
    };
  }
  return compiled;
}

/** "/spec/broker/groups" -> "spec.broker.groups", "/status/groups/0/name" -> "status.groups[0].name". */
function dotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

function describe(e: ErrorObject, prefix: string): string {
  const at = [prefix, dotted(e.instancePath)].filter((s) => s !== '').join('.') || '(root)';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${at}.${String(params.missingProperty)}: required`;
    case 'additionalProperties':
      return `${at}: unknown field ${JSON.stringify(params.additionalProperty)}`;
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'anyOf':
      return `${at}: must be an integer or a string`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/** The problems ajv found, once each (anyOf repeats its branches' errors). */
function problemsOf(errors: readonly ErrorObject[] | null | undefined, prefix = ''): string[] {
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    // anyOf reports each branch ("must be integer", "must be string") and then itself; keep the summary.
    if (e.keyword === 'type' && /\/anyOf\/\d+\/type$/.test(e.schemaPath)) continue;
    seen.add(describe(e, prefix));
  }
  return [...seen];
}

/** A defaulted deep copy of a RocketCluster-shaped object (input untouched), as the API server stores it. */
export function applyDefaults<T>(cluster: T): T {
  const copy = structuredClone(cluster);
  pruneNulls(copy, rocketClusterSchema);
  validators().defaulting(copy);
  return copy;
}

/** A spec with every default filled in; throws on a spec the schema refuses (for tests and fixtures). */
export function defaultedSpec(spec: unknown): RocketClusterSpec {
  const copy = structuredClone(spec);
  pruneNulls(copy, specSchema);
  const validate = validators().spec;
  if (!validate(copy)) throw new Error(`invalid spec: ${problemsOf(validate.errors, 'spec').join('; ')}`);
  return copy as RocketClusterSpec;
}

/**
 * Schema and semantic validation of a RocketCluster's spec and name, after applying defaults to a
 * copy. Ok carries the defaulted object (status untouched); Err lists every problem. The status is
 * not judged here: it is the operator's own output, already checked by the API server on write,
 * and a stale field in it must not make a good spec look invalid.
 */
export function validateRocketCluster(obj: unknown): Result<RocketCluster, readonly string[]> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return err(['(root): must be an object']);
  const { status, ...rest } = obj as Record<string, unknown>;
  const copy = structuredClone(rest);
  pruneNulls(copy, rocketClusterSchema);
  const validate = validators().defaulting;
  if (!validate(copy)) return err(problemsOf(validate.errors));
  const cluster = (status === undefined ? copy : { ...copy, status: structuredClone(status) }) as unknown as RocketCluster;
  const semantic = semanticProblems(cluster);
  return semantic.length === 0 ? ok(cluster) : err(semantic);
}

/** Schema problems of an object as it is, without defaulting (for checking stored objects and defaults). */
export function schemaProblems(obj: unknown): string[] {
  const validate = validators().checking;
  return validate(obj) ? [] : problemsOf(validate.errors);
}

/**
 * What a real API server does with a RocketCluster write, for the fake API server: apply defaults,
 * check the schema (unknown fields refused, as under strict field validation), then the CEL rules
 * of the CRD, including the transition rule when `old` (the stored object) is given. Rules only
 * the operator applies (broker config override keys) are not part of it.
 */
export function validateAsApiServer(obj: unknown, old?: RocketCluster): Result<RocketCluster, readonly string[]> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return err(['(root): must be an object']);
  const copy = structuredClone(obj);
  pruneNulls(copy, rocketClusterSchema);
  const validate = validators().defaulting;
  if (!validate(copy)) return err(problemsOf(validate.errors));
  const cluster = copy as RocketCluster;
  const problems = [...celEquivalentProblems(cluster), ...(old !== undefined ? specChangeProblems(old.spec, cluster.spec) : [])];
  return problems.length === 0 ? ok(cluster) : err(problems);
}
