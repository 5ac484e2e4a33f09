/**
 * Admission for built-in kinds: the server-set fields a real cluster fills in (namespace phase,
 * Service cluster IPs, pod phase) plus CRD registration. Field defaults and immutability rules of
 * workload kinds live in defaults.ts.
 */
import type { KindHooks, KubeCore } from './api';
import { crdErrors, crdStatus } from './crd';
import type { StatusCause } from './errors';
import { deepEqual, isObject } from './patch';
import type { JsonObject } from './patch';
import { defaultsFor, immutableErrors } from './defaults';
import { configMapErrors, eventErrors, podSpecErrors, serviceErrors, workloadTemplateErrors } from './validation';

export interface BuiltinHookDeps {
  /** Called after a CRD was stored, changed or removed so the served types can be recomputed. */
  readonly crdsChanged: () => void;
  readonly allocateClusterIp: () => string;
}

export function builtinHooks(deps: BuiltinHookDeps): Record<string, KindHooks> {
  const templateKind = (key: string): 'StatefulSet' | 'Deployment' | undefined =>
    key === 'apps/statefulsets' ? 'StatefulSet' : key === 'apps/deployments' ? 'Deployment' : undefined;
  const fieldErrors = (key: string, obj: JsonObject): StatusCause[] => {
    const kind = templateKind(key);
    return kind ? workloadTemplateErrors(kind, obj) : [];
  };
  const workload = (key: string): KindHooks => ({
    create(obj) {
      defaultsFor(key, obj);
      return [...fieldErrors(key, obj), ...immutableErrors(key, undefined, obj)];
    },
    update(old, next, sub) {
      if (sub === '') defaultsFor(key, next);
      return [...(sub === '' ? fieldErrors(key, next) : []), ...immutableErrors(key, old, next)];
    },
  });
  return {
    '/namespaces': {
      create(obj) {
        obj.spec = { finalizers: ['kubernetes'] };
        obj.status = { phase: 'Active' };
        const labels = ((obj.metadata as JsonObject).labels ?? {}) as JsonObject;
        labels['kubernetes.io/metadata.name'] = (obj.metadata as JsonObject).name as string;
        (obj.metadata as JsonObject).labels = labels;
        return [];
      },
    },
    '/services': {
      create(obj) {
        defaultsFor('/services', obj);
        const spec = obj.spec as JsonObject;
        if (spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '')) {
          const ip = deps.allocateClusterIp();
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
        } else if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
        return serviceErrors(obj);
      },
      update(old, next, sub) {
        if (sub !== '') return [];
        const o = old.spec as JsonObject;
        const n = (next.spec ?? {}) as JsonObject;
        // The API server keeps allocated IPs when an update leaves them empty.
        if (n.clusterIP === undefined || n.clusterIP === '') {
          n.clusterIP = o.clusterIP ?? '';
          if (o.clusterIPs !== undefined) n.clusterIPs = o.clusterIPs;
        }
        next.spec = n;
        defaultsFor('/services', next);
        if (n.clusterIP !== o.clusterIP) return [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: field is immutable' }];
        return serviceErrors(next);
      },
    },
    '/pods': {
      create(obj) {
        defaultsFor('/pods', obj);
        obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
        return podSpecErrors(obj.spec, 'spec');
      },
      update: workload('/pods').update,
    },
    '/configmaps': {
      create: (obj) => configMapErrors(obj),
      update(old, next) {
        if (old.immutable === true && (!deepEqual(old.data, next.data) || !deepEqual(old.binaryData, next.binaryData) || next.immutable !== true)) {
          return [{ reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' }];
        }
        return configMapErrors(next);
      },
    },
    '/secrets': {
      create(obj) {
        if (obj.type === undefined) obj.type = 'Opaque';
        return secretErrors(obj);
      },
      update(old, next) {
        if (next.type === undefined) next.type = old.type ?? 'Opaque';
        if (next.type !== old.type) return [{ reason: 'FieldValueInvalid', field: 'type', message: 'Invalid value: field is immutable' }];
        return secretErrors(next);
      },
    },
    '/events': { create: (obj) => eventErrors(obj, 'legacy') },
    'events.k8s.io/events': { create: (obj) => eventErrors(obj, 'eventsV1') },
    '/persistentvolumeclaims': workload('/persistentvolumeclaims'),
    'apps/statefulsets': workload('apps/statefulsets'),
    'apps/deployments': workload('apps/deployments'),
    'policy/poddisruptionbudgets': workload('policy/poddisruptionbudgets'),
    'apiextensions.k8s.io/customresourcedefinitions': {
      create(obj, core: KubeCore) {
        const causes = crdErrors(obj);
        if (causes.length === 0) obj.status = crdStatus(obj, core.now());
        return causes;
      },
      update(old, next, sub, core: KubeCore) {
        if (sub !== '') return [];
        const causes = crdErrors(next);
        const o = old.spec as JsonObject;
        const n = next.spec as JsonObject;
        if (isObject(o) && isObject(n) && (o.group !== n.group || o.scope !== n.scope)) {
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.group', message: 'Invalid value: field is immutable' });
        }
        if (causes.length === 0) next.status = crdStatus(next, core.now());
        return causes;
      },
      written() {
        deps.crdsChanged();
      },
    },
  };
}

function secretErrors(obj: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries((obj.data ?? {}) as JsonObject)) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
      causes.push({ reason: 'FieldValueInvalid', field: `data[${k}]`, message: 'Invalid value: "<secret contents redacted>": illegal base64 data' });
    }
  }
  // stringData is write-only: merged into data (base64) and dropped, as the API server does.
  const sd = (obj.stringData ?? {}) as JsonObject;
  if (Object.keys(sd).length > 0) {
    const data = (obj.data ?? {}) as JsonObject;
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
  return causes;
}
