/**
 * Pieces shared by the nameserver and broker pod templates: the non-root security context the
 * image is built for, HTTP probes on /healthz, Prometheus scrape annotations, resources in the
 * string form the API returns, and a soft anti-affinity that spreads a pod set over nodes.
 */
import type {
  V1Affinity,
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1Probe,
  V1ResourceRequirements,
  V1SecurityContext,
} from '@kubernetes/client-node';
import type { ResourceRequirements, RocketCluster } from '../api';
import { ANNOTATIONS, PORT_NAMES, RUN_AS_USER } from './names';

export function podSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    // The PVC is writable by the broker without an init container running as root.
    fsGroup: RUN_AS_USER,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}

export interface ProbeTiming {
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds: number;
}

export function healthzProbe(timing: ProbeTiming): V1Probe {
  return { httpGet: { path: '/healthz', port: PORT_NAMES.http }, ...timing };
}

/** Prometheus annotations for pods, when metrics are on. */
export function scrapeAnnotations(c: RocketCluster, port: number): Record<string, string> {
  if (!c.spec.metrics.enabled) return {};
  return { [ANNOTATIONS.prometheusScrape]: 'true', [ANNOTATIONS.prometheusPort]: String(port), [ANNOTATIONS.prometheusPath]: '/metrics' };
}

function quantities(values: Readonly<Record<string, string | number>> | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

/** Resources as the API server returns them (quantities as strings), so a comparison sees no diff. */
export function containerResources(resources: ResourceRequirements | undefined): V1ResourceRequirements | undefined {
  if (resources === undefined) return undefined;
  const requests = quantities(resources.requests);
  const limits = quantities(resources.limits);
  if (requests === undefined && limits === undefined) return undefined;
  return { ...(requests !== undefined ? { requests } : {}), ...(limits !== undefined ? { limits } : {}) };
}

/** Prefer spreading the pods selected by `labels` over nodes (a preference, so small clusters still schedule). */
export function spreadOverNodes(labels: Record<string, string>): V1Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } } },
      ],
    },
  };
}

/** POD_IP, POD_NAME, POD_NAMESPACE from the downward API. */
export function downwardEnv(): V1EnvVar[] {
  return [
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ];
}

/** The fields of a container every pod set shares. */
export function baseContainer(c: RocketCluster, name: string): Pick<V1Container, 'name' | 'image' | 'imagePullPolicy' | 'securityContext'> {
  return { name, image: c.spec.image, imagePullPolicy: c.spec.imagePullPolicy, securityContext: containerSecurityContext() };
}

export function imagePullSecrets(c: RocketCluster): Array<{ name: string }> | undefined {
  const names = c.spec.imagePullSecrets ?? [];
  return names.length === 0 ? undefined : names.map((name) => ({ name }));
}
