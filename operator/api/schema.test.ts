import { fullySpecifiedCluster, minimalCluster } from './fixtures.test-util';
import type { JsonSchemaProps } from './schema-kit';
import { ConditionStatuses, DEFAULTS, ImagePullPolicies, ReplicaRoles, rocketClusterSchema, specSchema, statusSchema } from './schema';
import type { BrokerSpec, Condition, MetricsSpec, NameserverSpec, ReplicaStatus, RocketClusterSpec, ServiceMonitorSpec, StorageSpec } from './types';

/** `true` only when A and B are the same type; anything else fails to compile where `true` is assigned. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The keys of T marked optional (`?`). */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
import { ConditionTypes, FlushModes, GroupPhases, ReplicationModes } from './types';
import { applyDefaults, schemaProblems } from './validate';

function at(schema: JsonSchemaProps, path: string): JsonSchemaProps {
  let node = schema;
  for (const part of path.split('.')) {
    const next = part === '[]' ? node.items : node.properties?.[part];
    if (next === undefined) throw new Error(`no ${part} in schema at ${path}`);
    node = next;
  }
  return node;
}

/** Paths of every property the schema declares (maps are leaves; arrays go through []). */
function schemaPaths(node: JsonSchemaProps, prefix: string): string[] {
  const out: string[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push(path);
    out.push(...schemaPaths(child, path));
    if (child.items !== undefined) out.push(...schemaPaths(child.items, `${path}.[]`));
  }
  return out;
}

function valueAt(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const part of path.split('.')) {
    if (v === undefined || v === null) return undefined;
    v = part === '[]' ? (v as unknown[])[0] : (v as Record<string, unknown>)[part];
  }
  return v;
}

describe('RocketCluster schema and types.ts agree', () => {
  it('accepts a fully specified object typed by types.ts as it is (every types.ts field exists in the schema)', () => {
    expect(schemaProblems(fullySpecifiedCluster())).toEqual([]);
  });

  it('declares no field that the fully specified types.ts object lacks (every schema field exists in types.ts)', () => {
    const full = fullySpecifiedCluster();
    const missing = schemaPaths(rocketClusterSchema, '').filter((p) => !p.startsWith('metadata') && valueAt(full, p) === undefined);
    expect(missing).toEqual([]);
  });

  it('has the enums of types.ts', () => {
    expect(at(specSchema, 'broker.flushMode').enum).toEqual([...FlushModes]);
    expect(at(specSchema, 'broker.replicationMode').enum).toEqual([...ReplicationModes]);
    expect(at(specSchema, 'imagePullPolicy').enum).toEqual([...ImagePullPolicies]);
    expect(at(statusSchema, 'conditions.[].type').enum).toEqual([...ConditionTypes]);
    expect(at(statusSchema, 'conditions.[].status').enum).toEqual([...ConditionStatuses]);
    expect(at(statusSchema, 'groups.[].phase').enum).toEqual([...GroupPhases]);
    expect(at(statusSchema, 'groups.[].replicas.[].role').enum).toEqual([...ReplicaRoles]);
  });

  it('uses the same string unions as types.ts for the enums types.ts spells inline (checked by tsc)', () => {
    const same: [
      Same<RocketClusterSpec['imagePullPolicy'], (typeof ImagePullPolicies)[number]>,
      Same<ReplicaStatus['role'], (typeof ReplicaRoles)[number]>,
      Same<Condition['status'], (typeof ConditionStatuses)[number]>,
    ] = [true, true, true];
    expect(same).toEqual([true, true, true]);
  });
});

/** Spec fields without a default: optional in types.ts too (and `image`, which is required). */
const NO_DEFAULT = [
  'image',
  'imagePullSecrets',
  'nameserver.resources',
  'broker.storage.storageClassName',
  'broker.resources',
  'broker.config',
  'metrics.serviceMonitor.labels',
];

describe('schema defaults', () => {
  it('has a default for every spec field except the optional ones types.ts marks with ?', () => {
    const walk = (node: JsonSchemaProps, prefix: string): string[] =>
      Object.entries(node.properties ?? {}).flatMap(([name, child]) => {
        const path = prefix === '' ? name : `${prefix}.${name}`;
        const here = child.default === undefined ? [path] : [];
        return NO_DEFAULT.includes(path) ? [] : [...here, ...walk(child, path)];
      });
    expect(walk(specSchema, '')).toEqual([]);
    expect(specSchema.required).toEqual(['image']);
    const optional: [
      Same<OptionalKeys<RocketClusterSpec>, 'imagePullSecrets'>,
      Same<OptionalKeys<NameserverSpec>, 'resources'>,
      Same<OptionalKeys<BrokerSpec>, 'resources' | 'config'>,
      Same<OptionalKeys<StorageSpec>, 'storageClassName'>,
      Same<OptionalKeys<MetricsSpec>, never>,
      Same<OptionalKeys<ServiceMonitorSpec>, 'labels'>,
    ] = [true, true, true, true, true, true];
    expect(optional).toHaveLength(6);
  });

  it('fills in every spec field the operator reads from a spec holding only the image', () => {
    const defaulted = applyDefaults(minimalCluster()) as { spec: RocketClusterSpec };
    const expected: RocketClusterSpec = {
      image: 'rocketcluster/broker:1.0.0',
      imagePullPolicy: DEFAULTS.imagePullPolicy,
      nameserver: { replicas: 2 },
      broker: {
        groups: 1,
        replicasPerGroup: 2,
        flushMode: 'async',
        replicationMode: 'async',
        minInSyncReplicas: 1,
        storage: { size: '10Gi', deleteClaimsOnScaleDown: false },
      },
      failover: { enabled: true, masterDownAfterSeconds: 10 },
      metrics: { enabled: true, serviceMonitor: { enabled: false, interval: '30s' } },
    };
    expect(defaulted.spec).toEqual(expected);
  });

  it('defaults the missing fields of a partly written section and keeps the written ones', () => {
    const input = minimalCluster();
    (input.spec as Record<string, unknown>).broker = { groups: 3, storage: { size: '1Ti' } };
    const defaulted = applyDefaults(input) as { spec: RocketClusterSpec };
    expect(defaulted.spec.broker).toEqual({
      groups: 3,
      replicasPerGroup: 2,
      flushMode: 'async',
      replicationMode: 'async',
      minInSyncReplicas: 1,
      storage: { size: '1Ti', deleteClaimsOnScaleDown: false },
    });
  });

  it('treats null like a missing field where the field is not nullable, as the API server does (YAML "broker:" with nothing under it)', () => {
    const input = { ...minimalCluster(), spec: { image: 'i', broker: null, metrics: { serviceMonitor: null } } };
    const defaulted = applyDefaults<unknown>(input) as { spec: RocketClusterSpec };
    expect(defaulted.spec.broker.groups).toBe(1);
    expect(defaulted.spec.metrics.serviceMonitor.interval).toBe('30s');
  });

  it('leaves its input untouched and gives every result its own default objects', () => {
    const input = minimalCluster();
    const a = applyDefaults(input) as { spec: { broker: { storage: { size: string } } } };
    const b = applyDefaults(input) as { spec: { broker: { storage: { size: string } } } };
    a.spec.broker.storage.size = '1Gi';
    expect(input.spec).toEqual({ image: 'rocketcluster/broker:1.0.0' });
    expect(b.spec.broker.storage.size).toBe('10Gi');
  });

  it('puts no default on status (the operator writes all of it)', () => {
    const defaulted = applyDefaults(minimalCluster()) as Record<string, unknown>;
    expect(defaulted.status).toBeUndefined();
  });
});
