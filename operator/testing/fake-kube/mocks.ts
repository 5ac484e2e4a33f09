/**
 * Mock controllers in the style of Strimzi's MockKube: just enough of the StatefulSet, Deployment
 * and PVC controllers and of a kubelet for an operator's reconcile loop to see its workloads come up.
 * They write through the same API core as clients (validation, resourceVersions, watch events) and
 * react to store events on the next turn of the event loop.
 */
import { createHash } from 'node:crypto';
import type { KubeCore } from './api';
import { deepCopy } from './patch';
import type { JsonObject } from './patch';
import { resolveRef } from './resources';
import type { ResourceType } from './resources';
import type { StoreEvent } from './store';

export interface KubeletOptions {
  /** Pods become Ready as soon as they run. Default false: tests call setPodReady. */
  readonly autoReady?: boolean;
  /** The IP a new pod gets. Default 10.244.<n>.<m>, a fresh one per pod (a recreated pod gets a new IP). */
  readonly podIp?: (pod: JsonObject, n: number) => string;
}

export interface MockOptions {
  readonly statefulSets?: boolean;
  /** `createPods` also runs the Deployment's pods (owned by the Deployment directly; no ReplicaSet). */
  readonly deployments?: boolean | { readonly createPods: boolean };
  readonly kubelet?: boolean | KubeletOptions;
  /** PVCs become Bound with a volume named pvc-<uid>. */
  readonly pvcs?: boolean;
}

const m = (o: JsonObject): JsonObject => o.metadata as JsonObject;
const spec = (o: JsonObject): JsonObject => (o.spec ?? {}) as JsonObject;

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** A short, stable hash of a pod template, in the same alphabet as controller-revision-hash values. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(stableJson(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += SAFE[digest[i] % SAFE.length];
  return out;
}

function isReady(pod: JsonObject): boolean {
  const conds = ((pod.status as JsonObject | undefined)?.conditions ?? []) as JsonObject[];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function ordinalOf(stsName: string, podName: string): number {
  const rest = podName.slice(stsName.length + 1);
  return /^[0-9]+$/.test(rest) ? Number(rest) : -1;
}

function ownedBy(o: JsonObject, uid: unknown): boolean {
  return ((m(o).ownerReferences ?? []) as JsonObject[]).some((r) => r.uid === uid && r.controller === true);
}

function ownerRef(owner: JsonObject, kind: string, controller: boolean): JsonObject {
  return { apiVersion: 'apps/v1', kind, name: m(owner).name as string, uid: m(owner).uid as string, controller, blockOwnerDeletion: true };
}

function tryRun(f: () => void): void {
  try {
    f();
  } catch {
    // Lost a race with a client write (409/404): the event that follows schedules another pass.
  }
}

export class MockControllers {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private ipCounter = 0;
  private readonly kubelet: KubeletOptions | undefined;
  private readonly deployPods: boolean;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: KubeCore,
    private readonly opts: MockOptions,
  ) {
    this.kubelet = opts.kubelet === true ? {} : opts.kubelet === false ? undefined : opts.kubelet;
    this.deployPods = typeof opts.deployments === 'object' && opts.deployments.createPods;
    this.unsubscribe = core.store.subscribe((ev) => this.onEvent(ev));
    // Objects created before the mocks were switched on get reconciled too.
    for (const key of ['apps/statefulsets', 'apps/deployments', '/pods', '/persistentvolumeclaims']) {
      for (const o of core.store.list(key)) this.enqueue(key, (m(o).namespace as string) ?? '', m(o).name as string, 'ADDED');
    }
  }

  stop(): void {
    this.unsubscribe();
    this.pending.clear();
  }

  private t(ref: string): ResourceType {
    return resolveRef(this.core.allTypes(), ref) as ResourceType;
  }

  private onEvent(ev: StoreEvent): void {
    const name = m(ev.object).name as string;
    if (ev.key === '/pods' || ev.key === '/persistentvolumeclaims') {
      this.enqueue(ev.key, ev.namespace, name, ev.type);
      for (const r of (m(ev.object).ownerReferences ?? []) as JsonObject[]) {
        if (r.kind === 'StatefulSet') this.enqueue('apps/statefulsets', ev.namespace, r.name as string, 'MODIFIED');
        if (r.kind === 'Deployment') this.enqueue('apps/deployments', ev.namespace, r.name as string, 'MODIFIED');
      }
    } else if (ev.key === 'apps/statefulsets' || ev.key === 'apps/deployments') this.enqueue(ev.key, ev.namespace, name, ev.type);
  }

  private enqueue(key: string, ns: string, name: string, type: string): void {
    this.pending.add(`${key}|${ns}|${name}|${type === 'ADDED' ? 'ADDED' : 'X'}`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const work = [...this.pending];
    this.pending.clear();
    for (const item of work) {
      const [key, ns, name, type] = item.split('|');
      if (key === 'apps/statefulsets' && this.opts.statefulSets) tryRun(() => this.reconcileStatefulSet(ns, name));
      else if (key === 'apps/deployments' && this.opts.deployments) tryRun(() => this.reconcileDeployment(ns, name));
      else if (key === '/pods' && type === 'ADDED' && this.kubelet) tryRun(() => this.startPod(ns, name));
      else if (key === '/pods' && this.kubelet) tryRun(() => this.terminatePod(ns, name));
      else if (key === '/persistentvolumeclaims' && type === 'ADDED' && this.opts.pvcs) tryRun(() => this.bindPvc(ns, name));
    }
  }

  // ---- StatefulSet ----

  private reconcileStatefulSet(ns: string, name: string): void {
    const sts = this.core.store.get('apps/statefulsets', ns, name);
    if (!sts || m(sts).deletionTimestamp) return;
    const s = spec(sts);
    const replicas = (s.replicas as number | undefined) ?? 1;
    const revision = `${name}-${templateHash(s.template)}`;
    const pods = this.core.store.list('/pods', ns).filter((p) => ownedBy(p, m(sts).uid) && ordinalOf(name, m(p).name as string) >= 0);
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(name, m(p).name as string), p]));
    const parallel = s.podManagementPolicy === 'Parallel';
    for (let i = 0; i < replicas; i++) {
      if (byOrdinal.has(i)) continue;
      // OrderedReady: ordinal i only once 0..i-1 are all Running and Ready.
      if (!parallel && [...Array(i).keys()].some((j) => !byOrdinal.has(j) || !isReady(byOrdinal.get(j) as JsonObject))) break;
      this.createStsPod(sts, i, revision);
      if (!parallel) break;
    }
    const extras = pods.filter((p) => ordinalOf(name, m(p).name as string) >= replicas).sort((a, b) => ordinalOf(name, m(b).name as string) - ordinalOf(name, m(a).name as string));
    for (const p of parallel ? extras : extras.slice(0, 1)) {
      this.core.remove(this.t('pods'), ns, m(p).name as string, {});
      if (((s.persistentVolumeClaimRetentionPolicy as JsonObject | undefined)?.whenScaled ?? 'Retain') === 'Delete') {
        const ord = ordinalOf(name, m(p).name as string);
        for (const ct of (s.volumeClaimTemplates ?? []) as JsonObject[]) {
          tryRun(() => this.core.remove(this.t('persistentvolumeclaims'), ns, `${m(ct).name as string}-${name}-${ord}`, {}));
        }
      }
    }
    this.rollingUpdate(sts, pods, replicas, revision);
    this.writeStsStatus(sts, revision);
  }

  /** RollingUpdate deletes the highest outdated ordinal at or above the partition once all pods are ready; OnDelete never does. */
  private rollingUpdate(sts: JsonObject, pods: JsonObject[], replicas: number, revision: string): void {
    const us = (spec(sts).updateStrategy ?? {}) as JsonObject;
    if (us.type !== 'RollingUpdate' || pods.length !== replicas || !pods.every(isReady)) return;
    const partition = ((us.rollingUpdate as JsonObject | undefined)?.partition as number | undefined) ?? 0;
    const name = m(sts).name as string;
    const outdated = pods
      .filter((p) => (m(p).labels as JsonObject)['controller-revision-hash'] !== revision && ordinalOf(name, m(p).name as string) >= partition)
      .sort((a, b) => ordinalOf(name, m(b).name as string) - ordinalOf(name, m(a).name as string));
    if (outdated.length > 0) this.core.remove(this.t('pods'), m(sts).namespace as string, m(outdated[0]).name as string, {});
  }

  private createStsPod(sts: JsonObject, ordinal: number, revision: string): void {
    const ns = m(sts).namespace as string;
    const stsName = m(sts).name as string;
    const s = spec(sts);
    const podName = `${stsName}-${ordinal}`;
    const template = deepCopy((s.template ?? {}) as JsonObject);
    const tm = (template.metadata ?? {}) as JsonObject;
    const podSpec = deepCopy((template.spec ?? {}) as JsonObject);
    const volumes = ((podSpec.volumes ?? []) as JsonObject[]).filter((v) => !((s.volumeClaimTemplates ?? []) as JsonObject[]).some((c) => m(c).name === v.name));
    const deleteWithSts = ((s.persistentVolumeClaimRetentionPolicy as JsonObject | undefined)?.whenDeleted ?? 'Retain') === 'Delete';
    for (const ct of (s.volumeClaimTemplates ?? []) as JsonObject[]) {
      const claimName = `${m(ct).name as string}-${podName}`;
      volumes.push({ name: m(ct).name as string, persistentVolumeClaim: { claimName } });
      if (this.core.store.get('/persistentvolumeclaims', ns, claimName)) continue;
      // PVCs outlive their pods and (by default) the StatefulSet: they are not owned, as on a real cluster.
      this.core.create(this.t('persistentvolumeclaims'), ns, {
        metadata: {
          name: claimName,
          labels: { ...((tm.labels ?? {}) as JsonObject), ...(((spec(sts).selector as JsonObject | undefined)?.matchLabels ?? {}) as JsonObject) },
          ...(deleteWithSts ? { ownerReferences: [ownerRef(sts, 'StatefulSet', true)] } : {}),
        },
        spec: deepCopy(spec(ct)),
      });
    }
    podSpec.volumes = volumes;
    podSpec.hostname = podName;
    if (s.serviceName) podSpec.subdomain = s.serviceName;
    podSpec.nodeName = 'fake-node-0';
    this.core.create(this.t('pods'), ns, {
      metadata: {
        name: podName,
        labels: { ...((tm.labels ?? {}) as JsonObject), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(ordinal) },
        ...(tm.annotations ? { annotations: tm.annotations } : {}),
        ownerReferences: [ownerRef(sts, 'StatefulSet', true)],
      },
      spec: podSpec,
    });
  }

  private writeStsStatus(sts: JsonObject, revision: string): void {
    const ns = m(sts).namespace as string;
    const name = m(sts).name as string;
    const fresh = this.core.store.get('apps/statefulsets', ns, name);
    if (!fresh) return;
    const pods = this.core.store.list('/pods', ns).filter((p) => ownedBy(p, m(fresh).uid));
    const replicas = (spec(fresh).replicas as number | undefined) ?? 1;
    const rev = (p: JsonObject): unknown => (m(p).labels as JsonObject)['controller-revision-hash'];
    const old = (fresh.status ?? {}) as JsonObject;
    const updated = pods.filter((p) => rev(p) === revision).length;
    const currentRevision = (updated === replicas && pods.length === replicas) || !old.currentRevision ? revision : (old.currentRevision as string);
    const ready = pods.filter(isReady).length;
    const current = pods.filter((p) => rev(p) === currentRevision).length;
    // Zero counts are omitted (omitempty in the Go type), as a real API server returns them.
    const status: JsonObject = { observedGeneration: m(fresh).generation as number, replicas: pods.length, availableReplicas: ready, currentRevision, updateRevision: revision, collisionCount: 0 };
    if (ready > 0) status.readyReplicas = ready;
    if (current > 0) status.currentReplicas = current;
    if (updated > 0) status.updatedReplicas = updated;
    fresh.status = status;
    this.core.replace(this.t('statefulsets'), ns, name, fresh, 'status');
  }

  // ---- Deployment ----

  private reconcileDeployment(ns: string, name: string): void {
    const d = this.core.store.get('apps/deployments', ns, name);
    if (!d || m(d).deletionTimestamp) return;
    const replicas = (spec(d).replicas as number | undefined) ?? 1;
    let ready = replicas;
    let updated = replicas;
    let total = replicas;
    if (this.deployPods) {
      const hash = templateHash(spec(d).template);
      const pods = this.core.store.list('/pods', ns).filter((p) => ownedBy(p, m(d).uid));
      const stale = pods.filter((p) => (m(p).labels as JsonObject)['pod-template-hash'] !== hash);
      for (const p of stale) this.core.remove(this.t('pods'), ns, m(p).name as string, {});
      const live = pods.filter((p) => !stale.includes(p));
      for (const p of live.slice(replicas)) this.core.remove(this.t('pods'), ns, m(p).name as string, {});
      for (let i = live.length; i < replicas; i++) this.createDeploymentPod(d, hash);
      const now = this.core.store.list('/pods', ns).filter((p) => ownedBy(p, m(d).uid));
      ready = now.filter(isReady).length;
      total = now.length;
      updated = now.filter((p) => (m(p).labels as JsonObject)['pod-template-hash'] === hash).length;
    }
    const cond = (type: string, ok: boolean, reason: string): JsonObject => ({ type, status: ok ? 'True' : 'False', reason, message: reason });
    const status: JsonObject = {
      observedGeneration: m(d).generation as number,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      conditions: [cond('Available', ready >= replicas, ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable'), cond('Progressing', true, 'NewReplicaSetAvailable')],
    };
    if (ready < replicas) status.unavailableReplicas = replicas - ready;
    const fresh = this.core.store.get('apps/deployments', ns, name) as JsonObject;
    const oldConds = (((fresh.status ?? {}) as JsonObject).conditions ?? []) as JsonObject[];
    // Keep transition times stable when nothing changed, so a repeated pass is a no-op write.
    for (const c of status.conditions as JsonObject[]) {
      const prev = oldConds.find((o) => o.type === c.type && o.status === c.status);
      c.lastTransitionTime = (prev?.lastTransitionTime as string | undefined) ?? this.core.now();
      c.lastUpdateTime = (prev?.lastUpdateTime as string | undefined) ?? this.core.now();
    }
    fresh.status = status;
    this.core.replace(this.t('deployments'), ns, name, fresh, 'status');
  }

  private createDeploymentPod(d: JsonObject, hash: string): void {
    const template = deepCopy((spec(d).template ?? {}) as JsonObject);
    const tm = (template.metadata ?? {}) as JsonObject;
    this.core.create(this.t('pods'), m(d).namespace as string, {
      metadata: {
        generateName: `${m(d).name as string}-${hash}-`,
        labels: { ...((tm.labels ?? {}) as JsonObject), 'pod-template-hash': hash },
        ...(tm.annotations ? { annotations: tm.annotations } : {}),
        ownerReferences: [ownerRef(d, 'Deployment', true)],
      },
      spec: { ...((template.spec ?? {}) as JsonObject), nodeName: 'fake-node-0' },
    });
  }

  // ---- kubelet and PVC binder ----

  private nextIp(pod: JsonObject): string {
    this.ipCounter++;
    if (this.kubelet?.podIp) return this.kubelet.podIp(pod, this.ipCounter);
    return `10.244.${Math.floor(this.ipCounter / 250)}.${(this.ipCounter % 250) + 1}`;
  }

  private startPod(ns: string, name: string): void {
    const pod = this.core.store.get('/pods', ns, name);
    if (!pod || ((pod.status ?? {}) as JsonObject).phase === 'Running') return;
    const wasReady = isReady(pod);
    const ip = this.nextIp(pod);
    const now = this.core.now();
    pod.status = {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: '172.18.0.2',
      hostIPs: [{ ip: '172.18.0.2' }],
      startTime: now,
      qosClass: 'BestEffort',
      conditions: [],
      containerStatuses: ((spec(pod).containers ?? []) as JsonObject[]).map((c) => ({
        name: c.name as string,
        image: c.image as string,
        imageID: `${String(c.image)}@sha256:0000`,
        containerID: `containerd://${templateHash([ns, name, now, c.name])}`,
        ready: false,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      })),
    };
    // A readiness a test already set (setPodReady before the kubelet got to the pod) is kept.
    setReadiness(pod, this.kubelet?.autoReady === true || wasReady, now);
    this.core.replace(this.t('pods'), ns, name, pod, 'status');
  }

  /** True when pods on nodes terminate gracefully (the kubelet confirms their deletion). */
  runsPods(): boolean {
    return this.kubelet !== undefined;
  }

  /**
   * A pod being deleted gracefully: its containers stop (Ready=False), then the kubelet confirms
   * with a grace-0 delete and the pod is gone (or waits for its finalizers).
   */
  private terminatePod(ns: string, name: string): void {
    const pod = this.core.store.get('/pods', ns, name);
    if (!pod || !m(pod).deletionTimestamp || !((m(pod).deletionGracePeriodSeconds as number | undefined) ?? 0)) return;
    if (isReady(pod)) {
      setReadiness(pod, false, this.core.now());
      this.core.replace(this.t('pods'), ns, name, pod, 'status');
    }
    this.core.remove(this.t('pods'), ns, name, { gracePeriodSeconds: 0 });
  }

  private bindPvc(ns: string, name: string): void {
    const pvc = this.core.store.get('/persistentvolumeclaims', ns, name);
    if (!pvc || ((pvc.status ?? {}) as JsonObject).phase === 'Bound') return;
    const volumeName = `pvc-${m(pvc).uid as string}`;
    if (spec(pvc).volumeName !== volumeName) {
      spec(pvc).volumeName = volumeName;
      pvc.spec = spec(pvc);
      this.core.replace(this.t('persistentvolumeclaims'), ns, name, pvc, '');
    }
    const bound = this.core.store.get('/persistentvolumeclaims', ns, name) as JsonObject;
    const requests = ((spec(bound).resources as JsonObject | undefined)?.requests ?? {}) as JsonObject;
    bound.status = { phase: 'Bound', accessModes: spec(bound).accessModes ?? ['ReadWriteOnce'], capacity: { ...requests } };
    this.core.replace(this.t('persistentvolumeclaims'), ns, name, bound, 'status');
  }
}

/** Sets Ready/ContainersReady (and the container statuses) the way the kubelet reports them. */
export function setReadiness(pod: JsonObject, ready: boolean, now: string): void {
  const status = (pod.status ?? {}) as JsonObject;
  const v = ready ? 'True' : 'False';
  const prev = (status.conditions ?? []) as JsonObject[];
  const cond = (type: string, value: string): JsonObject => {
    const old = prev.find((c) => c.type === type);
    return { type, status: value, lastProbeTime: null, lastTransitionTime: old && old.status === value ? (old.lastTransitionTime as string) : now };
  };
  status.conditions = [cond('PodReadyToStartContainers', 'True'), cond('Initialized', 'True'), cond('Ready', v), cond('ContainersReady', v), cond('PodScheduled', 'True')];
  for (const cs of (status.containerStatuses ?? []) as JsonObject[]) cs.ready = ready;
  pod.status = status;
}

export function isPodReady(pod: JsonObject): boolean {
  return isReady(pod);
}

