/**
 * The nameservers: a Deployment (they hold no state that matters: brokers re-register every
 * round), a ClusterIP Service for clients, a headless Service for brokers (one DNS name resolving
 * to every pod, so each broker registers with all of them) and a PDB.
 */
import type { V1Container, V1Deployment, V1PodDisruptionBudget, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { RocketCluster } from '../api';
import { childMeta } from './meta';
import {
  Components,
  DATA_DIR,
  DATA_VOLUME,
  LABELS,
  PORTS,
  PORT_NAMES,
  commonLabels,
  nameserverDeploymentName,
  nameserverHeadlessServiceName,
  nameserverPdbName,
  nameserverSelectorLabels,
  nameserverServiceName,
} from './names';
import { baseContainer, containerResources, healthzProbe, imagePullSecrets, podSecurityContext, scrapeAnnotations, spreadOverNodes } from './pod';

export const NAMESERVER_CONTAINER = 'nameserver';

function nameserverContainer(c: RocketCluster): V1Container {
  const resources = containerResources(c.spec.nameserver.resources);
  return {
    ...baseContainer(c, NAMESERVER_CONTAINER),
    command: ['rocket-nameserver'],
    env: [
      { name: 'ROCKET_NAMESRV_LISTEN_PORT', value: String(PORTS.nameserverRemoting) },
      { name: 'ROCKET_NAMESRV_HTTP_PORT', value: String(PORTS.nameserverHttp) },
      // kvConfig.json; the image's home directory is read-only.
      { name: 'ROCKET_NAMESRV_DATA_DIR', value: DATA_DIR },
    ],
    ports: [
      { name: PORT_NAMES.remoting, containerPort: PORTS.nameserverRemoting, protocol: 'TCP' },
      { name: PORT_NAMES.http, containerPort: PORTS.nameserverHttp, protocol: 'TCP' },
    ],
    readinessProbe: healthzProbe({ periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 }),
    livenessProbe: { ...healthzProbe({ periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 }), initialDelaySeconds: 10 },
    volumeMounts: [
      { name: DATA_VOLUME, mountPath: DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    ...(resources !== undefined ? { resources } : {}),
  };
}

export function nameserverDeployment(c: RocketCluster): V1Deployment {
  const selector = nameserverSelectorLabels(c);
  const labels = commonLabels(c, Components.nameserver);
  const pullSecrets = imagePullSecrets(c);
  const annotations = scrapeAnnotations(c, PORTS.nameserverHttp);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(c, nameserverDeploymentName(c), labels),
    spec: {
      replicas: c.spec.nameserver.replicas,
      selector: { matchLabels: selector },
      // One extra pod first, never one fewer: clients and brokers always find a nameserver.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
        spec: {
          containers: [nameserverContainer(c)],
          securityContext: podSecurityContext(),
          affinity: spreadOverNodes(selector),
          terminationGracePeriodSeconds: 30,
          enableServiceLinks: false,
          volumes: [
            { name: DATA_VOLUME, emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
          ...(pullSecrets !== undefined ? { imagePullSecrets: pullSecrets } : {}),
        },
      },
    },
  };
}

function nameserverPorts(): V1ServicePort[] {
  return [
    { name: PORT_NAMES.remoting, port: PORTS.nameserverRemoting, targetPort: PORT_NAMES.remoting, protocol: 'TCP' },
    { name: PORT_NAMES.http, port: PORTS.nameserverHttp, targetPort: PORT_NAMES.http, protocol: 'TCP' },
  ];
}

/** The clients' address (status.nameserverAddress); the ServiceMonitor scrapes through it. */
export function nameserverService(c: RocketCluster): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(c, nameserverServiceName(c), { ...commonLabels(c, Components.nameserver), [LABELS.metrics]: 'true' }),
    spec: { type: 'ClusterIP', selector: nameserverSelectorLabels(c), ports: nameserverPorts() },
  };
}

/** The brokers' address: resolves to every ready nameserver pod. */
export function nameserverHeadlessService(c: RocketCluster): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(c, nameserverHeadlessServiceName(c), commonLabels(c, Components.nameserver)),
    spec: { clusterIP: 'None', selector: nameserverSelectorLabels(c), ports: nameserverPorts() },
  };
}

export function nameserverPdb(c: RocketCluster): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(c, nameserverPdbName(c), commonLabels(c, Components.nameserver)),
    spec: { maxUnavailable: 1, selector: { matchLabels: nameserverSelectorLabels(c) } },
  };
}
