import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PRINTER_COLUMNS, buildCrd } from './crd';
import { checkKubeManifests } from './kube-schema-check.test-util';
import type { JsonSchemaProps } from './schema-kit';
import { rocketClusterSchema } from './schema';
import { defaultProblems, structuralProblems } from './structural';

const ROOT = path.resolve(__dirname, '..', '..');

/** The schema node a simple JSONPath (.a.b, .a[*].b, .a[?(...)].b) points at, or undefined. */
function schemaAt(jsonPath: string): JsonSchemaProps | undefined {
  let node: JsonSchemaProps | undefined = rocketClusterSchema;
  for (const part of jsonPath.replace(/\[[^\]]*\]/g, '.[]').split('.').filter((p) => p !== '')) {
    if (part === 'creationTimestamp' && node === rocketClusterSchema.properties?.metadata) return { type: 'string' };
    node = part === '[]' ? node?.items : node?.properties?.[part];
  }
  return node;
}

describe('RocketCluster CRD', () => {
  const crd = buildCrd();
  const version = crd.spec.versions[0]!;

  it('is rocketcluster.io/v1alpha1 RocketCluster, namespaced, short name rcl, served and stored', () => {
    expect(crd.metadata.name).toBe('rocketclusters.rocketcluster.io');
    expect(crd.spec.names).toMatchObject({ kind: 'RocketCluster', plural: 'rocketclusters', shortNames: ['rcl'] });
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true });
  });

  it('has the status subresource and a scale subresource over broker groups whose paths exist in the schema', () => {
    expect(version.subresources.status).toEqual({});
    const scale = version.subresources.scale;
    expect(scale).toEqual({ specReplicasPath: '.spec.broker.groups', statusReplicasPath: '.status.brokerGroups', labelSelectorPath: '.status.selector' });
    expect(schemaAt(scale.specReplicasPath)?.type).toBe('integer');
    expect(schemaAt(scale.statusReplicasPath)?.type).toBe('integer');
    expect(schemaAt(scale.labelSelectorPath)?.type).toBe('string');
  });

  it('has printer columns whose paths exist in the schema', () => {
    expect(PRINTER_COLUMNS.map((c) => c.name)).toEqual(expect.arrayContaining(['Groups', 'Ready', 'Failovers', 'Age']));
    for (const column of PRINTER_COLUMNS) expect([column.name, schemaAt(column.jsonPath) !== undefined]).toEqual([column.name, true]);
  });

  it('has a structural schema: every node typed, no properties beside additionalProperties, no preserved unknown fields', () => {
    expect(structuralProblems(rocketClusterSchema)).toEqual([]);
  });

  it('has defaults that are valid against their own fields', () => {
    expect(defaultProblems(rocketClusterSchema)).toEqual([]);
  });

  it('is a valid apiextensions.k8s.io/v1 CustomResourceDefinition with no field Kubernetes does not know', () => {
    const [report] = checkKubeManifests([crd]);
    expect(report).toMatchObject({ kind: 'CustomResourceDefinition', schemaErrors: [], unknownFields: [], unchecked: false });
  });

  it('matches crds/ (fails on drift; regenerate with npm run gen:crds)', () => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'operator/api/gen-crds.ts', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });
});

describe('structural schema checks find the mistakes they are for', () => {
  const base = (properties: Record<string, JsonSchemaProps>): JsonSchemaProps => ({ type: 'object', properties });

  it('flags untyped nodes, mixed properties/additionalProperties, preserved unknown fields and bad anyOf', () => {
    const bad = base({
      a: { description: 'no type' },
      b: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } },
      c: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { y: { type: 'string' } } },
      d: { anyOf: [{ type: 'string' }, { type: 'boolean' }], type: 'string' },
      e: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'] },
      f: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string', default: 'x' }] },
    });
    expect(structuralProblems(bad)).toEqual([
      '(root).a: no type',
      '(root).b: properties and additionalProperties together',
      '(root).c: x-kubernetes-preserve-unknown-fields is not intended anywhere',
      '(root).d: anyOf is only used for int-or-string',
      '(root).e: list-map key k must be required in the items',
      '(root).f.anyOf[1]: default is not allowed in a junctor',
    ]);
  });

  it('flags defaults that fail their own schema or carry unknown fields', () => {
    const bad = base({
      n: { type: 'integer', minimum: 1, default: 0 },
      o: { type: 'object', properties: { p: { type: 'string' } }, default: { q: 1 } },
    });
    expect(defaultProblems(bad)).toEqual([expect.stringMatching(/^\(root\)\.n: default 0 is invalid/), expect.stringMatching(/^\(root\)\.o: default \{"q":1\} is invalid/)]);
  });
});
