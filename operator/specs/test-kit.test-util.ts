/** Test helpers for the builders: defaulted clusters and the environment a container would see. */
import type { V1Container } from '@kubernetes/client-node';
import type { RocketCluster } from '../api';
import { validateRocketCluster } from '../api';

/** A defaulted, valid cluster from a partial spec (the image is filled in). */
export function makeCluster(spec: Record<string, unknown> = {}, name = 'demo', namespace = 'ns'): RocketCluster {
  const result = validateRocketCluster({
    apiVersion: 'rocketcluster.io/v1alpha1',
    kind: 'RocketCluster',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, generation: 1 },
    spec: { image: 'rocketcluster/broker:1.0.0', ...spec },
  });
  if (!result.ok) throw new Error(`test cluster invalid: ${result.error.join('; ')}`);
  return result.value;
}

export interface PodWorld {
  readonly podIP: string;
  readonly podName: string;
  readonly namespace: string;
  /** secret name -> key -> value */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * The environment the kubelet would give the container: downward-API fields and Secret keys
 * resolved, $(VAR) references expanded from variables defined earlier in the list.
 */
export function resolveEnv(container: V1Container, world: PodWorld): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, v: string) => env[v] ?? whole);
    } else if (e.valueFrom?.fieldRef !== undefined) {
      const field = e.valueFrom.fieldRef.fieldPath;
      env[e.name] = field === 'status.podIP' ? world.podIP : field === 'metadata.name' ? world.podName : field === 'metadata.namespace' ? world.namespace : '';
    } else if (e.valueFrom?.secretKeyRef !== undefined) {
      const ref = e.valueFrom.secretKeyRef;
      const value = world.secrets[ref.name ?? '']?.[ref.key];
      if (value === undefined) throw new Error(`env ${e.name}: no secret ${ref.name}/${ref.key}`);
      env[e.name] = value;
    }
  }
  return env;
}
