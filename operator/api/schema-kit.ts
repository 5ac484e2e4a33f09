/**
 * The OpenAPI v3 dialect a CustomResourceDefinition accepts, in wire form (`default`, `enum`,
 * `x-kubernetes-*` spelled as the API server reads them), and small builders so schema.ts reads as
 * a list of fields. @kubernetes/client-node's V1JSONSchemaProps renames keys (`_default`), so the
 * schema keeps its own type and the CRD generator converts only at the YAML boundary.
 */

export type JsonSchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

export interface JsonSchemaProps {
  readonly type?: JsonSchemaType;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaProps>>;
  readonly additionalProperties?: JsonSchemaProps;
  readonly items?: JsonSchemaProps;
  readonly required?: readonly string[];
  readonly enum?: readonly string[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly nullable?: boolean;
  /** Only the `[{type: integer}, {type: string}]` form that goes with x-kubernetes-int-or-string. */
  readonly anyOf?: readonly JsonSchemaProps[];
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

/** The `x-kubernetes-*` keywords: annotations for ajv, meaning for the API server. */
export const KUBERNETES_KEYWORDS = [
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
] as const;

/** Kubernetes' own quantity grammar (resource.Quantity), as its OpenAPI publishes it. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** A positive storage size: digits with an optional binary or decimal suffix ("10Gi", "500M"). */
export const STORAGE_SIZE_PATTERN = '^[1-9][0-9]*(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';
/** DNS-1123 subdomain (names of Secrets, StorageClasses). */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** DNS-1035 label: the cluster name prefixes Service names, which must be labels. */
export const DNS_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
/** A Prometheus duration as prometheus-operator's ServiceMonitor accepts it. */
export const PROMETHEUS_DURATION_PATTERN = '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$';

interface Extra {
  readonly description?: string;
}

export function obj(properties: Record<string, JsonSchemaProps>, extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'object', ...extra, properties };
}

export function int(min: number, max: number, extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'integer', minimum: min, maximum: max, ...extra };
}

export function str(extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'string', ...extra };
}

export function bool(extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'boolean', ...extra };
}

export function oneOf(values: readonly string[], extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'string', enum: [...values], ...extra };
}

export function arrayOf(items: JsonSchemaProps, maxItems: number, extra: Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'array', items, maxItems, ...extra };
}

/** A string-to-value map: `additionalProperties` only, never mixed with `properties` (structural rule). */
export function mapOf(values: JsonSchemaProps, maxProperties: number, extra: Extra & Partial<JsonSchemaProps> = {}): JsonSchemaProps {
  return { type: 'object', additionalProperties: values, maxProperties, ...extra };
}

/** A resource quantity: an integer or a quantity string, typed the way Kubernetes types its own. */
export function quantity(): JsonSchemaProps {
  return {
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  };
}

/** ResourceRequirements (requests/limits), without the claims list the operator does not pass on. */
export function resourceRequirements(description: string): JsonSchemaProps {
  return obj(
    {
      requests: mapOf(quantity(), 16, { description: 'Minimum resources, e.g. {cpu: 500m, memory: 1Gi}.' }),
      limits: mapOf(quantity(), 16, { description: 'Maximum resources, e.g. {memory: 2Gi}.' }),
    },
    { description },
  );
}
