/**
 * One broker group: a StatefulSet (OnDelete, so the operator orders restarts: slaves first, then a
 * switchover, then the old master; Parallel, so a group's pods start together and the operator
 * elects among them), its headless Service (stable pod DNS, not-ready pods included because the
 * operator talks to brokers before they hold a role) and a PDB; plus the cluster's broker ConfigMap.
 */
import type {
  V1ConfigMap,
  V1Container,
  V1EnvVar,
  V1PersistentVolumeClaim,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { RocketCluster } from '../api';
import { configHash, renderBrokerConf } from './broker-conf';
import { childMeta } from './meta';
import {
  ADMIN_TOKEN_KEY,
  ANNOTATIONS,
  BROKER_CONFIG_DIR,
  BROKER_CONFIG_FILE_KEY,
  BROKER_CONFIG_PATH,
  Components,
  DATA_DIR,
  DATA_VOLUME,
  LABELS,
  PORTS,
  PORT_NAMES,
  adminTokenSecretName,
  brokerConfigMapName,
  brokerGroupName,
  brokerLabels,
  brokerPdbName,
  brokerSelectorLabels,
  brokerServiceName,
  commonLabels,
  statefulSetName,
} from './names';
import { baseContainer, containerResources, downwardEnv, healthzProbe, imagePullSecrets, podSecurityContext, scrapeAnnotations, spreadOverNodes } from './pod';

export const BROKER_CONTAINER = 'broker';
const CONFIG_VOLUME = 'config';

function brokerEnv(c: RocketCluster, group: number): V1EnvVar[] {
  return [
    ...downwardEnv(),
    // Advertised in routes and message ids; $(POD_IP) expands because POD_IP is defined above.
    { name: 'ROCKET_BROKER_BROKER_IP1', value: '$(POD_IP)' },
    { name: 'ROCKET_BROKER_BROKER_NAME', value: brokerGroupName(group) },
    { name: 'ROCKET_BROKER_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: adminTokenSecretName(c), key: ADMIN_TOKEN_KEY } } },
  ];
}

function brokerContainer(c: RocketCluster, group: number): V1Container {
  const resources = containerResources(c.spec.broker.resources);
  return {
    ...baseContainer(c, BROKER_CONTAINER),
    // The store takes over a lock naming pid 1 that it did not take itself (a restarted container).
    command: ['rocket-broker'],
    args: ['--config', BROKER_CONFIG_PATH],
    env: brokerEnv(c, group),
    ports: [
      { name: PORT_NAMES.remoting, containerPort: PORTS.brokerRemoting, protocol: 'TCP' },
      { name: PORT_NAMES.ha, containerPort: PORTS.brokerHa, protocol: 'TCP' },
      { name: PORT_NAMES.http, containerPort: PORTS.brokerHttp, protocol: 'TCP' },
    ],
    // Opening a large store (recovery of the commit log tail) may take minutes: the startup probe
    // holds liveness off until the first success.
    startupProbe: healthzProbe({ periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 3 }),
    readinessProbe: healthzProbe({ periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 }),
    livenessProbe: healthzProbe({ periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 }),
    volumeMounts: [
      { name: DATA_VOLUME, mountPath: DATA_DIR },
      { name: CONFIG_VOLUME, mountPath: BROKER_CONFIG_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    ...(resources !== undefined ? { resources } : {}),
  };
}

function dataClaimTemplate(c: RocketCluster, group: number): V1PersistentVolumeClaim {
  const storage = c.spec.broker.storage;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    // Labelled so the operator finds a group's PVCs (they outlive the StatefulSet).
    metadata: { name: DATA_VOLUME, labels: brokerLabels(c, group) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: storage.size } },
      ...(storage.storageClassName !== undefined ? { storageClassName: storage.storageClassName } : {}),
    },
  };
}

/**
 * Group i's StatefulSet. `hash` is configHash(c) unless the caller has it already; folded with the
 * pod spec (podTemplateHash) it goes on the pod template, so each pod shows what it was started with.
 */
export function brokerStatefulSet(c: RocketCluster, group: number, hash: string = configHash(c)): V1StatefulSet {
  const selector = brokerSelectorLabels(c, group);
  const pullSecrets = imagePullSecrets(c);
  const podSpec: V1PodSpec = {
    containers: [brokerContainer(c, group)],
    securityContext: podSecurityContext(),
    affinity: spreadOverNodes(selector),
    // Time for the broker to flush and unregister on SIGTERM.
    terminationGracePeriodSeconds: 60,
    enableServiceLinks: false,
    volumes: [
      { name: CONFIG_VOLUME, configMap: { name: brokerConfigMapName(c) } },
      { name: 'tmp', emptyDir: {} },
    ],
    ...(pullSecrets !== undefined ? { imagePullSecrets: pullSecrets } : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(c, statefulSetName(c, group), brokerLabels(c, group)),
    spec: {
      serviceName: brokerServiceName(c, group),
      replicas: c.spec.broker.replicasPerGroup,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: selector },
      // The operator decides about PVCs (spec.broker.storage.deleteClaimsOnScaleDown), not the StatefulSet controller.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: {
          labels: brokerLabels(c, group),
          annotations: { [ANNOTATIONS.configHash]: podTemplateHash(hash, podSpec), ...scrapeAnnotations(c, PORTS.brokerHttp) },
        },
        spec: podSpec,
      },
      volumeClaimTemplates: [dataClaimTemplate(c, group)],
    },
  };
}

/**
 * The pod template's rollout hash: the config hash (broker.conf + image) and the pod spec. An
 * OnDelete StatefulSet never restarts pods by itself, so a change of resources, probes or the start
 * command would otherwise reach a pod only whenever it happened to restart (a master included, out of
 * order); hashed, it is rolled like a config change (slaves, switchover, old master).
 */
export function podTemplateHash(hash: string, podSpec: V1PodSpec): string {
  return createHash('sha256').update(hash).update('\0').update(canonicalJson(podSpec)).digest('hex');
}

/** JSON with sorted keys: the user's maps (resources) come back from the API server key-sorted. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Group i's headless Service: pod DNS `<pod>.<c>-broker-<i>.<ns>.svc`, ready or not. */
export function brokerService(c: RocketCluster, group: number): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(c, brokerServiceName(c, group), { ...brokerLabels(c, group), [LABELS.metrics]: 'true' }),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: brokerSelectorLabels(c, group),
      ports: [
        { name: PORT_NAMES.remoting, port: PORTS.brokerRemoting, targetPort: PORT_NAMES.remoting, protocol: 'TCP' },
        { name: PORT_NAMES.ha, port: PORTS.brokerHa, targetPort: PORT_NAMES.ha, protocol: 'TCP' },
        { name: PORT_NAMES.http, port: PORTS.brokerHttp, targetPort: PORT_NAMES.http, protocol: 'TCP' },
      ],
    },
  };
}

/** At most one pod of a group voluntarily down: a drain never takes a master and its last slave together. */
export function brokerPdb(c: RocketCluster, group: number): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(c, brokerPdbName(c, group), brokerLabels(c, group)),
    spec: { maxUnavailable: 1, selector: { matchLabels: brokerSelectorLabels(c, group) } },
  };
}

/** The cluster's broker.conf (one for all groups; per-pod values come from env). */
export function brokerConfigMap(c: RocketCluster): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(c, brokerConfigMapName(c), commonLabels(c, Components.broker)),
    data: { [BROKER_CONFIG_FILE_KEY]: renderBrokerConf(c) },
  };
}
