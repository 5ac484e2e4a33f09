/** Test fixtures: RocketClusters as a user writes them and as they look fully specified. */
import type { RocketCluster } from './types';

/** The smallest valid object a user can apply: only the image. */
export function minimalCluster(name = 'demo', namespace = 'ns'): Record<string, unknown> {
  return {
    apiVersion: 'rocketcluster.io/v1alpha1',
    kind: 'RocketCluster',
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec: { image: 'rocketcluster/broker:1.0.0' },
  };
}

/** Every field of types.ts set, status included: the schema must accept it as it is. */
export function fullySpecifiedCluster(): RocketCluster {
  return {
    apiVersion: 'rocketcluster.io/v1alpha1',
    kind: 'RocketCluster',
    metadata: { name: 'full', namespace: 'prod', uid: 'uid-full', generation: 3, resourceVersion: '42', labels: { team: 'mq' }, annotations: { note: 'x' }, finalizers: ['rocketcluster.io/cleanup'] },
    spec: {
      image: 'registry.example.com/rocketcluster/broker:1.2.3',
      imagePullPolicy: 'Always',
      imagePullSecrets: ['regcred'],
      nameserver: { replicas: 3, resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
      broker: {
        groups: 2,
        replicasPerGroup: 3,
        flushMode: 'sync',
        replicationMode: 'sync',
        minInSyncReplicas: 2,
        storage: { size: '50Gi', storageClassName: 'fast-ssd', deleteClaimsOnScaleDown: true },
        resources: { requests: { cpu: 2, memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
        config: { fileReservedTime: '48', maxMessageSize: '8388608' },
      },
      failover: { enabled: true, masterDownAfterSeconds: 15 },
      metrics: { enabled: true, serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } } },
    },
    status: {
      observedGeneration: 3,
      conditions: [{ type: 'Ready', status: 'True', reason: 'AllGroupsReady', message: 'ok', lastTransitionTime: '2026-01-02T03:04:05Z', observedGeneration: 3 }],
      nameserverAddress: 'full-nameserver.prod.svc:9876',
      brokerGroups: 2,
      selector: 'rocketcluster.io/cluster=full,app.kubernetes.io/component=broker',
      groups: [
        {
          name: 'broker-0',
          phase: 'Active',
          master: 'full-broker-0-0',
          epoch: 4,
          inSyncReplicas: ['full-broker-0-0', 'full-broker-0-1'],
          syncStateSetEpoch: 7,
          pendingSwitchover: { from: 'full-broker-0-0', to: 'full-broker-0-1', epoch: 5, startedAt: '2026-01-02T03:04:05.123Z' },
          masterSince: '2026-01-02T03:00:00Z',
          replicas: [
            { name: 'full-broker-0-0', role: 'master', ready: true, offset: 1024, lag: 0 },
            { name: 'full-broker-0-1', role: 'slave', ready: true, offset: 1000, lag: 24 },
          ],
        },
      ],
      failovers: 1,
    },
  };
}
