/**
 * Defaults and immutable-field rules of the built-in kinds the operator writes, as the API server
 * applies them (the defaults.go of each API group and the kinds' ValidateUpdate). A controller that compares
 * its desired object with the stored one sees these server-filled fields here as it would on a real
 * cluster. Only the commonly used fields are covered; see README.md.
 */
import type { StatusCause } from './errors';
import { deepEqual, isObject } from './patch';
import type { Json, JsonObject } from './patch';

function obj(parent: JsonObject, key: string): JsonObject {
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as JsonObject;
}

function setDefault(o: JsonObject, key: string, v: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = v;
}

function defaultProbe(p: Json | undefined): void {
  if (!isObject(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isObject(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(c: Json): void {
  if (!isObject(c)) return;
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
  setDefault(c, 'imagePullPolicy', tag === 'latest' ? 'Always' : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const p of (Array.isArray(c.ports) ? c.ports : []) as Json[]) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
  for (const e of (Array.isArray(c.env) ? c.env : []) as Json[]) {
    const fr = isObject(e) ? e.valueFrom : undefined;
    if (isObject(fr) && isObject(fr.fieldRef)) setDefault(fr.fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(c.readinessProbe);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.startupProbe);
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const c of (Array.isArray(spec.containers) ? spec.containers : []) as Json[]) defaultContainer(c);
  for (const c of (Array.isArray(spec.initContainers) ? spec.initContainers : []) as Json[]) defaultContainer(c);
  for (const v of (Array.isArray(spec.volumes) ? spec.volumes : []) as Json[]) {
    if (!isObject(v)) continue;
    for (const k of ['configMap', 'secret'] as const) if (isObject(v[k])) setDefault(v[k] as JsonObject, 'defaultMode', 420);
  }
}

function defaultTemplate(spec: JsonObject): void {
  const template = obj(spec, 'template');
  obj(template, 'metadata');
  defaultPodSpec(obj(template, 'spec'));
}

function defaultPvcSpec(spec: JsonObject): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
}

export function defaultsFor(key: string, o: JsonObject): void {
  switch (key) {
    case '/pods':
      defaultPodSpec(obj(o, 'spec'));
      return;
    case '/services': {
      const spec = obj(o, 'spec');
      setDefault(spec, 'type', 'ClusterIP');
      setDefault(spec, 'sessionAffinity', 'None');
      if (spec.type !== 'ExternalName') {
        setDefault(spec, 'ipFamilies', ['IPv4']);
        setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
        setDefault(spec, 'internalTrafficPolicy', 'Cluster');
      }
      for (const p of (Array.isArray(spec.ports) ? spec.ports : []) as Json[]) {
        if (!isObject(p)) continue;
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'targetPort', p.port ?? null);
      }
      return;
    }
    case '/persistentvolumeclaims':
      defaultPvcSpec(obj(o, 'spec'));
      return;
    case 'apps/statefulsets': {
      const spec = obj(o, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      const us = spec.updateStrategy as JsonObject;
      if (us.type === 'RollingUpdate') setDefault(obj(us, 'rollingUpdate'), 'partition', 0);
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      for (const t of (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) as Json[]) {
        if (!isObject(t)) continue;
        setDefault(t, 'apiVersion', 'v1');
        setDefault(t, 'kind', 'PersistentVolumeClaim');
        defaultPvcSpec(obj(t, 'spec'));
        setDefault(t, 'status', { phase: 'Pending' });
      }
      defaultTemplate(spec);
      return;
    }
    case 'apps/deployments': {
      const spec = obj(o, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      defaultTemplate(spec);
      return;
    }
    default:
      return;
  }
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function selectorMatchesTemplate(o: JsonObject): StatusCause[] {
  const spec = (o.spec ?? {}) as JsonObject;
  const sel = ((spec.selector as JsonObject | undefined)?.matchLabels ?? {}) as JsonObject;
  const labels = (((spec.template as JsonObject | undefined)?.metadata as JsonObject | undefined)?.labels ?? {}) as JsonObject;
  if (spec.selector === undefined) return [{ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' }];
  const ok = Object.entries(sel).every(([k, v]) => labels[k] === v);
  return ok ? [] : [{ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` }];
}

/** Create-time and update-time validation of the workload kinds (selector/template agreement, immutable fields). */
export function immutableErrors(key: string, old: JsonObject | undefined, next: JsonObject): StatusCause[] {
  const o = (old?.spec ?? {}) as JsonObject;
  const n = (next.spec ?? {}) as JsonObject;
  switch (key) {
    case 'apps/statefulsets': {
      const causes = selectorMatchesTemplate(next);
      if (old) {
        const changed = Object.keys({ ...o, ...n }).filter((k) => !STS_MUTABLE.includes(k) && !deepEqual(o[k], n[k]));
        if (changed.length > 0) {
          causes.push({ reason: 'FieldValueForbidden', field: 'spec', message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" });
        }
      }
      return causes;
    }
    case 'apps/deployments': {
      const causes = selectorMatchesTemplate(next);
      if (old && !deepEqual(o.selector, n.selector)) causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: field is immutable' });
      return causes;
    }
    case '/pods': {
      if (!old) return [];
      // Only container images (and a few scheduling fields) may change in a pod's spec.
      const strip = (s: JsonObject): JsonObject => ({
        ...s,
        containers: ((s.containers ?? []) as JsonObject[]).map((c) => ({ ...c, image: '' })),
        initContainers: ((s.initContainers ?? []) as JsonObject[]).map((c) => ({ ...c, image: '' })),
        activeDeadlineSeconds: null,
        tolerations: null,
      });
      if (!deepEqual(strip(o), strip(n))) {
        return [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' }];
      }
      return [];
    }
    case '/persistentvolumeclaims': {
      if (!old) return [];
      const strip = (s: JsonObject): JsonObject => ({ ...s, resources: null, volumeName: null, volumeAttributesClassName: null });
      if (!deepEqual(strip(o), strip(n))) {
        return [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' }];
      }
      return [];
    }
    case 'policy/poddisruptionbudgets':
      if (n.minAvailable !== undefined && n.maxUnavailable !== undefined) {
        return [{ reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: minAvailable and maxUnavailable cannot be both set' }];
      }
      return [];
    default:
      return [];
  }
}
