import { loadBrokerConfig } from '../../broker/config';
import { brokerConfigMap, brokerPdb, brokerService, brokerStatefulSet, podTemplateHash } from './broker';
import { configHash, renderBrokerConf } from './broker-conf';
import { makeCluster, resolveEnv } from './test-kit.test-util';

const TOKEN = 'f'.repeat(64);

describe('broker StatefulSet', () => {
  const c = makeCluster({ broker: { groups: 2, replicasPerGroup: 3, storage: { size: '50Gi', storageClassName: 'fast' } } });
  const sts = brokerStatefulSet(c, 1);
  const spec = sts.spec!;
  const pod = spec.template.spec!;
  const container = pod.containers[0]!;

  it('is <c>-broker-<i> with replicasPerGroup pods, Parallel, OnDelete, over its headless Service', () => {
    expect(sts.metadata?.name).toBe('demo-broker-1');
    expect(spec.serviceName).toBe('demo-broker-1');
    expect(spec.replicas).toBe(3);
    expect(spec.podManagementPolicy).toBe('Parallel');
    expect(spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  it('selects its pods by group, with a selector the template labels satisfy', () => {
    const selector = spec.selector.matchLabels!;
    expect(selector['rocketcluster.io/broker-group']).toBe('broker-1');
    expect(spec.template.metadata?.labels).toMatchObject(selector);
  });

  it('claims a data volume of the spec size and class per pod, labelled so the operator finds it later', () => {
    const [claim] = spec.volumeClaimTemplates!;
    expect(claim!.metadata?.name).toBe('data');
    expect(claim!.metadata?.labels).toMatchObject({ 'rocketcluster.io/cluster': 'demo', 'rocketcluster.io/broker-group': 'broker-1' });
    expect(claim!.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'fast' });
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(brokerStatefulSet(makeCluster(), 0).spec!.volumeClaimTemplates![0]!.spec!.storageClassName).toBeUndefined();
  });

  it('mounts the broker ConfigMap read-only and starts rocket-broker with it', () => {
    expect(container.command).toEqual(['rocket-broker']);
    expect(container.args).toEqual(['--config', '/etc/rocketcluster/broker.conf']);
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/rocketcluster', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'demo-broker-config' } });
  });

  it('advertises the pod IP, names the group and takes the admin token from the Secret', () => {
    const env = resolveEnv(container, { podIP: '10.1.2.3', podName: 'demo-broker-1-0', namespace: 'ns', secrets: { 'demo-admin-token': { token: TOKEN } } });
    expect(env).toMatchObject({ POD_IP: '10.1.2.3', ROCKET_BROKER_BROKER_IP1: '10.1.2.3', ROCKET_BROKER_BROKER_NAME: 'broker-1', ROCKET_BROKER_ADMIN_TOKEN: TOKEN });
  });

  it('probes /healthz on the http port: startup generous, then readiness and liveness', () => {
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe!.failureThreshold! * container.startupProbe!.periodSeconds!).toBeGreaterThanOrEqual(300);
    expect(container.ports?.map((p) => [p.name, p.containerPort])).toEqual([['remoting', 10911], ['ha', 10912], ['http', 10913]]);
  });

  it('runs as uid 10001, non-root, with the PVC group-owned and a read-only root filesystem', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('carries the config hash and, with metrics on, the Prometheus scrape annotations on the pod template', () => {
    expect(spec.template.metadata?.annotations).toEqual({
      'rocketcluster.io/config-hash': podTemplateHash(configHash(c), spec.template.spec!),
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '10913',
      'prometheus.io/path': '/metrics',
    });
    const quiet = makeCluster({ metrics: { enabled: false } });
    const quietSet = brokerStatefulSet(quiet, 0, 'h');
    expect(quietSet.spec!.template.metadata?.annotations).toEqual({ 'rocketcluster.io/config-hash': podTemplateHash('h', quietSet.spec!.template.spec!) });
  });

  it('passes resources on with quantities as strings, and omits them when unset', () => {
    const sized = makeCluster({ broker: { resources: { requests: { cpu: 2, memory: '4Gi' }, limits: { memory: '8Gi' } } } });
    expect(brokerStatefulSet(sized, 0).spec!.template.spec!.containers[0]!.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '8Gi' } });
    expect(container.resources).toBeUndefined();
  });

  it('passes the image, pull policy and pull secrets on', () => {
    const pulled = makeCluster({ image: 'reg.example/rc:2', imagePullPolicy: 'Always', imagePullSecrets: ['regcred'] });
    const p = brokerStatefulSet(pulled, 0).spec!.template.spec!;
    expect([p.containers[0]!.image, p.containers[0]!.imagePullPolicy, p.imagePullSecrets]).toEqual(['reg.example/rc:2', 'Always', [{ name: 'regcred' }]]);
    expect(pod.imagePullSecrets).toBeUndefined();
  });
});

describe('broker.conf', () => {
  it('holds the operator keys, then the overrides sorted by key', () => {
    const c = makeCluster({ broker: { flushMode: 'sync', replicationMode: 'sync', replicasPerGroup: 3, minInSyncReplicas: 2, config: { maxMessageSize: '8388608', fileReservedTime: '48' } } }, 'orders', 'shop');
    expect(renderBrokerConf(c)).toBe(
      [
        '# RocketCluster shop/orders: written by the operator; edit spec.broker.config instead.',
        'brokerClusterName=orders',
        'namesrvAddr=orders-nameserver-headless.shop.svc:9876',
        'roleSource=controller',
        'storePathRootDir=/data',
        'listenHost=0.0.0.0',
        'listenPort=10911',
        'haListenPort=10912',
        'httpPort=10913',
        'flushDiskType=SYNC_FLUSH',
        'replicationMode=sync',
        'minInSyncReplicas=2',
        '# spec.broker.config',
        'fileReservedTime=48',
        'maxMessageSize=8388608',
        '',
      ].join('\n'),
    );
    expect(brokerConfigMap(c).data).toEqual({ 'broker.conf': renderBrokerConf(c) });
  });

  it('never writes an override of an operator key or a multi-line value, even from an unvalidated cluster', () => {
    const c = makeCluster({ broker: { config: { logLevel: 'debug' } } });
    const sneaky = { ...c, spec: { ...c.spec, broker: { ...c.spec.broker, config: { storePathRootDir: '/tmp', roleSource: 'static', logLevel: 'debug\nbrokerRole=master' } } } };
    const text = renderBrokerConf(sneaky);
    expect(text).toContain('storePathRootDir=/data');
    expect(text).not.toMatch(/\/tmp|static|brokerRole/);
  });

  it('changes its hash with the config or the image, and only then', () => {
    const base = makeCluster();
    expect(configHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash(makeCluster())).toBe(configHash(base));
    expect(configHash(makeCluster({ nameserver: { replicas: 3 }, broker: { groups: 4 } }))).toBe(configHash(base));
    expect(configHash(makeCluster({ image: 'rocketcluster/broker:1.0.1' }))).not.toBe(configHash(base));
    expect(configHash(makeCluster({ broker: { config: { fileReservedTime: '24' } } }))).not.toBe(configHash(base));
    expect(configHash(makeCluster({ broker: { flushMode: 'sync' } }))).not.toBe(configHash(base));
  });
});

describe('the pod template hash the operator rolls by', () => {
  const templateHash = (c: ReturnType<typeof makeCluster>, group = 0): string =>
    brokerStatefulSet(c, group).spec!.template.metadata!.annotations!['rocketcluster.io/config-hash']!;

  it('changes with the pod spec (resources), not only with broker.conf or the image, so such a change is rolled too', () => {
    const base = makeCluster({ broker: { resources: { requests: { cpu: '1', memory: '2Gi' } } } });
    const more = makeCluster({ broker: { resources: { requests: { cpu: '1', memory: '4Gi' } } } });
    expect(configHash(more)).toBe(configHash(base));
    expect(templateHash(more)).not.toBe(templateHash(base));
  });

  it('stays put for what does not change the group\'s pods: more groups, nameserver replicas, map key order', () => {
    const base = makeCluster({ broker: { resources: { requests: { cpu: '1', memory: '2Gi' } } } });
    expect(templateHash(makeCluster({ nameserver: { replicas: 3 }, broker: { groups: 3, resources: { requests: { memory: '2Gi', cpu: '1' } } } }))).toBe(templateHash(base));
  });
});

describe('the broker starts with what the builders give it', () => {
  it('loads its config from the ConfigMap, flags and env into the settings the operator means', () => {
    const c = makeCluster({ broker: { groups: 2, replicationMode: 'sync', replicasPerGroup: 3, minInSyncReplicas: 2, config: { fileReservedTime: '48', logLevel: 'debug' } } }, 'orders', 'shop');
    const container = brokerStatefulSet(c, 1).spec!.template.spec!.containers[0]!;
    const env = resolveEnv(container, { podIP: '10.1.2.3', podName: 'orders-broker-1-2', namespace: 'shop', secrets: { 'orders-admin-token': { token: TOKEN } } });
    const files: Record<string, string> = { '/etc/rocketcluster/broker.conf': brokerConfigMap(c).data!['broker.conf']! };
    const loaded = loadBrokerConfig({ argv: container.args!, env, readFile: (f) => files[f] ?? '' });
    if (loaded.kind !== 'ok') throw new Error(`broker refuses its config: ${JSON.stringify(loaded)}`);
    expect(loaded.warnings).toEqual([]);
    const cfg = loaded.config;
    expect({
      brokerClusterName: cfg.brokerClusterName,
      brokerName: cfg.brokerName,
      namesrvAddr: cfg.namesrvAddr,
      roleSource: cfg.roleSource,
      storePathRootDir: cfg.storePathRootDir,
      ports: [cfg.listenPort, cfg.haListenPort, cfg.httpPort],
      brokerIP1: cfg.brokerIP1,
      brokerIP2: cfg.brokerIP2,
      replication: [cfg.replicationMode, cfg.minInSyncReplicas],
      flushDiskType: cfg.flushDiskType,
      fileReservedTimeHours: cfg.fileReservedTimeHours,
      logLevel: cfg.logLevel,
      token: cfg.adminToken.reveal(),
    }).toEqual({
      brokerClusterName: 'orders',
      brokerName: 'broker-1',
      namesrvAddr: ['orders-nameserver-headless.shop.svc:9876'],
      roleSource: 'controller',
      storePathRootDir: '/data',
      ports: [10911, 10912, 10913],
      brokerIP1: '10.1.2.3',
      brokerIP2: '10.1.2.3',
      replication: ['sync', 2],
      flushDiskType: 'ASYNC_FLUSH',
      fileReservedTimeHours: 48,
      logLevel: 'debug',
      token: TOKEN,
    });
  });
});

describe('broker Service and PDB', () => {
  const c = makeCluster({ broker: { groups: 2 } });
  const sts = brokerStatefulSet(c, 1);

  it('is a headless Service with not-ready addresses published, selecting exactly group i', () => {
    const svc = brokerService(c, 1);
    expect(svc.metadata?.name).toBe('demo-broker-1');
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(svc.spec!.selector).toEqual(sts.spec!.selector.matchLabels);
    expect(svc.spec!.ports!.map((p) => [p.name, p.port, p.targetPort])).toEqual([['remoting', 10911, 'remoting'], ['ha', 10912, 'ha'], ['http', 10913, 'http']]);
  });

  it('allows one pod of the group down at a time', () => {
    const pdb = brokerPdb(c, 1);
    expect(pdb.metadata?.name).toBe('demo-broker-1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: sts.spec!.selector.matchLabels } });
  });
});
