import { CONFIG_KEYS, JAVA_KEY_ALIASES } from '../../broker/config';
import { BROKER_CONFIG_KEYS, BROKER_KEY_ALIASES, operatorOwnedKeys, overrideKeyProblem } from './broker-keys';
import { fullySpecifiedCluster, minimalCluster } from './fixtures.test-util';
import { specChangeProblems } from './semantic';
import type { RocketClusterSpec } from './types';
import { defaultedSpec, schemaProblems, validateAsApiServer, validateRocketCluster } from './validate';

function withSpec(spec: Record<string, unknown>, name = 'demo'): Record<string, unknown> {
  const c = minimalCluster(name);
  return { ...c, spec: { image: 'img:1', ...spec } };
}

function problems(obj: unknown): readonly string[] {
  const result = validateRocketCluster(obj);
  return result.ok ? [] : result.error;
}

describe('validateRocketCluster: schema', () => {
  it('accepts the minimal and the fully specified cluster, returning the defaulted object', () => {
    const result = validateRocketCluster(minimalCluster());
    expect(result.ok && result.value.spec.broker.replicasPerGroup).toBe(2);
    expect(problems(fullySpecifiedCluster())).toEqual([]);
  });

  it('reports every problem at once, each with the path of its field', () => {
    const bad = withSpec({
      image: '',
      nameserver: { replicas: 0 },
      broker: { groups: 65, replicasPerGroup: 6, flushMode: 'sometimes', storage: { size: '10 GB' } },
      failover: { masterDownAfterSeconds: 'ten' },
    });
    expect([...problems(bad)].sort()).toEqual(
      [
        'spec.image: must NOT have fewer than 1 characters',
        'spec.image: must match pattern "^\\S+$"',
        'spec.nameserver.replicas: must be >= 1',
        'spec.broker.groups: must be <= 64',
        'spec.broker.replicasPerGroup: must be <= 5',
        'spec.broker.flushMode: must be one of async, sync',
        'spec.broker.storage.size: must match pattern "^[1-9][0-9]*(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"',
        'spec.failover.masterDownAfterSeconds: must be integer',
      ].sort(),
    );
  });

  it('requires the image and the spec', () => {
    expect(problems({ ...minimalCluster(), spec: {} })).toEqual(['spec.image: required']);
    const { spec: _spec, ...noSpec } = minimalCluster();
    expect(problems(noSpec)).toEqual(['(root).spec: required']);
    expect(problems(42)).toEqual(['(root): must be an object']);
  });

  it('refuses unknown fields, as kubectl strict field validation does, but not unknown metadata', () => {
    const c = withSpec({ brokers: { groups: 2 }, broker: { group: 1 } });
    expect([...problems(c)].sort()).toEqual(['spec.broker: unknown field "group"', 'spec: unknown field "brokers"']);
    const meta = { ...minimalCluster(), metadata: { name: 'demo', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [] } };
    expect(problems(meta)).toEqual([]);
  });

  it('takes resource quantities as integers or quantity strings and refuses other strings', () => {
    expect(problems(withSpec({ broker: { resources: { requests: { cpu: '500m', memory: '1.5Gi' }, limits: { cpu: 2 } } } }))).toEqual([]);
    expect(problems(withSpec({ broker: { resources: { limits: { memory: 'lots' } } } }))).toEqual([
      expect.stringMatching(/^spec\.broker\.resources\.limits\.memory: must match pattern/),
    ]);
    expect(problems(withSpec({ nameserver: { resources: { limits: { memory: true } } } }))).toEqual(['spec.nameserver.resources.limits.memory: must be an integer or a string']);
  });

  it('judges the spec, not the status the operator wrote, and hands the status back untouched', () => {
    const c = fullySpecifiedCluster();
    const status = { ...c.status, phase: 'stale', groups: [{ ...c.status!.groups![0]!, masterSince: 'yesterday' }] };
    const result = validateRocketCluster({ ...c, status });
    expect(result.ok && result.value.status).toEqual(status);
  });

  it('checks status fields where the API server does (nullable master, RFC 3339 times, list items)', () => {
    const c = fullySpecifiedCluster();
    const status = { ...c.status, groups: [{ ...c.status!.groups![0]!, master: null, masterSince: 'yesterday', replicas: [{ name: 'x', role: 'boss', ready: true }] }] };
    const result = validateAsApiServer({ ...c, status });
    expect([...(result.ok ? [] : result.error)].sort()).toEqual([
      'status.groups[0].masterSince: must match format "date-time"',
      'status.groups[0].replicas[0].role: must be one of master, slave, none, unknown',
    ]);
    expect(schemaProblems({ ...c, status: { ...c.status, groups: [{ ...c.status!.groups![0]!, master: null }] } })).toEqual([]);
  });
});

describe('validateRocketCluster: rules beyond the schema', () => {
  it('needs 1 <= minInSyncReplicas <= replicasPerGroup - 1 under sync replication', () => {
    expect(problems(withSpec({ broker: { replicationMode: 'sync', replicasPerGroup: 2, minInSyncReplicas: 2 } }))).toEqual([
      'spec.broker.minInSyncReplicas: with replicationMode sync it must be 1..1 (replicasPerGroup - 1), got 2',
    ]);
    expect(problems(withSpec({ broker: { replicationMode: 'sync', replicasPerGroup: 3, minInSyncReplicas: 0 } }))).toEqual([
      'spec.broker.minInSyncReplicas: with replicationMode sync it must be 1..2 (replicasPerGroup - 1), got 0',
    ]);
    expect(problems(withSpec({ broker: { replicationMode: 'sync', replicasPerGroup: 1 } }))).toEqual([
      'spec.broker.replicationMode: sync needs replicasPerGroup >= 2 (a master has no slave to wait for), got 1',
    ]);
    expect(problems(withSpec({ broker: { replicationMode: 'async', replicasPerGroup: 1, minInSyncReplicas: 4 } }))).toEqual([]);
  });

  it('refuses overrides of keys the operator sets, naming the spec field to use, and unknown keys', () => {
    const c = withSpec({ broker: { config: { flushDiskType: 'SYNC_FLUSH', storePathCommitLog: '/x', brokerIP1: '1.2.3.4', fileReservedTime: '48', noSuchKey: '1' } } });
    expect([...problems(c)].sort()).toEqual(
      [
        'spec.broker.config: "brokerIP1" is controlled by the operator: the pod IP is advertised',
        'spec.broker.config: "flushDiskType" is controlled by the operator: use spec.broker.flushMode',
        'spec.broker.config: "storePathCommitLog" (RocketMQ\'s name for storePathRootDir) is controlled by the operator: data lives on the PVC at /data; see spec.broker.storage',
        'spec.broker.config: unknown broker config key "noSuchKey"',
      ].sort(),
    );
  });

  it('refuses requests above limits, which would leave the StatefulSet unable to create pods', () => {
    expect(problems(withSpec({ broker: { resources: { requests: { memory: '4Gi', cpu: '500m' }, limits: { memory: '2Gi', cpu: 1 } } } }))).toEqual([
      'spec.broker.resources: requests.memory (4Gi) exceeds limits.memory (2Gi)',
    ]);
    expect(problems(withSpec({ nameserver: { resources: { requests: { cpu: 2 }, limits: { cpu: '1500m' } } } }))).toEqual([
      'spec.nameserver.resources: requests.cpu (2) exceeds limits.cpu (1500m)',
    ]);
  });

  it('needs a volume that holds two commit-log segments (the default segment is 1 GiB)', () => {
    expect(problems(withSpec({ broker: { storage: { size: '1Gi' } } }))).toEqual([
      'spec.broker.storage.size: 1Gi cannot hold two commit-log segments of 1073741824 bytes; raise the size or set commitLogSegmentBytes in spec.broker.config',
    ]);
    expect(problems(withSpec({ broker: { storage: { size: '1Gi' }, config: { commitLogSegmentBytes: '268435456' } } }))).toEqual([]);
    expect(problems(withSpec({ broker: { storage: { size: '2Gi' } } }))).toEqual([]);
  });

  it('needs metrics enabled for a ServiceMonitor', () => {
    expect(problems(withSpec({ metrics: { enabled: false, serviceMonitor: { enabled: true } } }))).toEqual([
      'spec.metrics.serviceMonitor.enabled: needs spec.metrics.enabled (the pods expose no metrics otherwise)',
    ]);
  });

  it('keeps cluster names short DNS labels, because Service and pod names are built from them', () => {
    expect(problems(withSpec({}, 'a'.repeat(41)))).toEqual(['metadata.name: must NOT have more than 40 characters']);
    expect(problems(withSpec({}, 'Demo_1'))).toEqual(['metadata.name: must match pattern "^[a-z]([-a-z0-9]*[a-z0-9])?$"']);
  });

  it('fixes storage size and class at creation', () => {
    const before = defaultedSpec({ image: 'i', broker: { storage: { size: '10Gi' } } });
    const after: RocketClusterSpec = { ...before, broker: { ...before.broker, storage: { ...before.broker.storage, size: '20Gi', storageClassName: 'x' } } };
    expect(specChangeProblems(before, after)).toEqual([
      'spec.broker.storage.size: cannot change after creation (10Gi -> 20Gi)',
      'spec.broker.storage.storageClassName: cannot change after creation',
    ]);
    expect(specChangeProblems(before, { ...before, broker: { ...before.broker, groups: 5 } })).toEqual([]);
  });

  it('defaultedSpec throws on a spec the schema refuses', () => {
    expect(() => defaultedSpec({})).toThrow('invalid spec: spec.image: required');
  });
});

describe('broker config key table', () => {
  it('covers exactly the broker config keys and the RocketMQ aliases broker/config accepts', () => {
    expect([...BROKER_CONFIG_KEYS].sort()).toEqual([...CONFIG_KEYS].sort());
    expect(BROKER_KEY_ALIASES).toEqual(JAVA_KEY_ALIASES);
  });

  it('allows tuning keys and refuses identity, address and role keys', () => {
    expect(overrideKeyProblem('fileReservedTimeHours')).toBeUndefined();
    expect(overrideKeyProblem('logLevel')).toBeUndefined();
    for (const key of ['brokerName', 'namesrvAddr', 'roleSource', 'adminToken', 'listenPort', 'replicationMode', 'minInSyncReplicas']) {
      expect(operatorOwnedKeys()).toContain(key);
    }
  });
});

describe('validateAsApiServer (for the fake API server)', () => {
  const errors = (r: ReturnType<typeof validateAsApiServer>): readonly string[] => (r.ok ? [] : r.error);

  it('defaults and refuses what the schema and the CRD CEL rules refuse, but not operator-only rules', () => {
    const stored = validateAsApiServer(minimalCluster());
    expect(stored.ok && stored.value.spec.failover.masterDownAfterSeconds).toBe(10);
    expect(errors(validateAsApiServer(withSpec({ broker: { replicationMode: 'sync', replicasPerGroup: 1 } })))).toHaveLength(1);
    expect(errors(validateAsApiServer(withSpec({ broker: { bogus: 1 } })))).toEqual(['spec.broker: unknown field "bogus"']);
    expect(errors(validateAsApiServer(withSpec({ broker: { config: { brokerName: 'x' } } })))).toEqual([]);
  });

  it('applies the storage transition rule against the stored object', () => {
    const old = validateAsApiServer(withSpec({ broker: { storage: { size: '10Gi' } } }));
    if (!old.ok) throw new Error('fixture');
    expect(errors(validateAsApiServer(withSpec({ broker: { groups: 2 } }), old.value))).toEqual([]);
    expect(errors(validateAsApiServer(withSpec({ broker: { storage: { size: '20Gi' } } }), old.value))).toEqual([
      'spec.broker.storage.size: cannot change after creation (10Gi -> 20Gi)',
    ]);
  });
});
