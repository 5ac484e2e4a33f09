/**
 * The rules an API server applies to a CRD schema before it accepts it ("structural schema"), and
 * a few of our own: every node typed, `properties` never beside `additionalProperties`, no type or
 * default inside anyOf except the int-or-string form, list-map keys required, no preserved unknown
 * fields (we intend none), and every default valid against its own subschema. A schema mistake
 * then fails a unit test instead of `kubectl apply` on a real cluster.
 */
import type { JsonSchemaProps } from './schema-kit';
import { closedSchema, newAjv } from './validate';

const FORBIDDEN_IN_JUNCTORS = ['type', 'description', 'default', 'additionalProperties', 'nullable', 'properties', 'items'] as const;

function isIntOrStringAnyOf(node: JsonSchemaProps): boolean {
  const types = (node.anyOf ?? []).map((b) => b.type).sort();
  return node['x-kubernetes-int-or-string'] === true && node.anyOf?.length === 2 && types[0] === 'integer' && types[1] === 'string';
}

function nodeProblems(node: JsonSchemaProps, path: string): string[] {
  const problems: string[] = [];
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  if (node.type === undefined && !intOrString) problems.push(`${path}: no type`);
  if (intOrString && node.type !== undefined) problems.push(`${path}: x-kubernetes-int-or-string must not have a type`);
  if (node['x-kubernetes-preserve-unknown-fields'] !== undefined) problems.push(`${path}: x-kubernetes-preserve-unknown-fields is not intended anywhere`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${path}: properties and additionalProperties together`);
  if ((node.properties !== undefined || node.additionalProperties !== undefined) && node.type !== 'object') problems.push(`${path}: properties on a non-object`);
  if (node.items !== undefined && node.type !== 'array') problems.push(`${path}: items on a non-array`);
  if (node.type === 'array' && node.items === undefined) problems.push(`${path}: array without items`);
  if (node.type === 'object' && node.properties === undefined && node.additionalProperties === undefined) problems.push(`${path}: object without properties or additionalProperties`);
  for (const key of node.required ?? []) {
    if (node.properties?.[key] === undefined) problems.push(`${path}: required ${key} is not a property`);
  }
  if (node.anyOf !== undefined) {
    if (!isIntOrStringAnyOf(node)) problems.push(`${path}: anyOf is only used for int-or-string`);
    node.anyOf.forEach((branch, i) => {
      for (const key of FORBIDDEN_IN_JUNCTORS) {
        if (key !== 'type' && branch[key] !== undefined) problems.push(`${path}.anyOf[${i}]: ${key} is not allowed in a junctor`);
      }
    });
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    const itemRequired = new Set(node.items?.required ?? []);
    for (const key of node['x-kubernetes-list-map-keys'] ?? []) {
      if (!itemRequired.has(key)) problems.push(`${path}: list-map key ${key} must be required in the items`);
    }
  }
  return problems;
}

function walk(node: JsonSchemaProps, path: string, visit: (n: JsonSchemaProps, p: string) => void): void {
  visit(node, path);
  for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`, visit);
  if (node.items !== undefined) walk(node.items, `${path}[]`, visit);
  if (node.additionalProperties !== undefined) walk(node.additionalProperties, `${path}.*`, visit);
}

/** Structural-schema problems of a CRD's openAPIV3Schema (empty when it is structural). */
export function structuralProblems(root: JsonSchemaProps): string[] {
  const problems: string[] = [];
  if (root.type !== 'object') problems.push('(root): must be type object');
  walk(root, '(root)', (node, path) => problems.push(...nodeProblems(node, path)));
  const metadata = root.properties?.metadata;
  for (const key of Object.keys(metadata?.properties ?? {})) {
    if (key !== 'name' && key !== 'generateName') problems.push(`(root).metadata: only name and generateName may be restricted, not ${key}`);
  }
  return problems;
}

/**
 * Every default must itself be valid (and pruned: no unknown fields) against the schema of the
 * field it defaults, after its own nested defaults are applied, as the API server requires.
 */
export function defaultProblems(root: JsonSchemaProps): string[] {
  const problems: string[] = [];
  const ajv = newAjv(true);
  walk(root, '(root)', (node, path) => {
    if (node.default === undefined) return;
    const { default: _default, ...withoutDefault } = node;
    const validate = ajv.compile(closedSchema(withoutDefault, path));
    const value = structuredClone(node.default);
    if (!validate(value)) problems.push(`${path}: default ${JSON.stringify(node.default)} is invalid: ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  });
  return problems;
}
