/**
 * The failover hosts of every cluster this operator leads, shared by the reconcilers that need the
 * controller (failover ticks it, rollout asks it for switchovers, status reads its observations).
 * A host is re-made when the cluster is re-created (new uid) or its failover policy changes.
 */
import type { ControllerPolicy } from '../../controller';
import type { RocketCluster } from '../api';
import type { ClusterKey } from '../kube';
import type { ServerLogger } from '../../ops';
import type { FailoverHostDeps } from './failover-host';
import { FailoverHost } from './failover-host';
import { keyString } from './names';

/** "Never": with failover disabled the controller still bootstraps and converges, but never replaces a master. */
const NEVER_MS = Number.MAX_SAFE_INTEGER;

export function policyOf(cluster: RocketCluster): Partial<ControllerPolicy> {
  const f = cluster.spec.failover;
  return {
    masterDownAfterMs: f.enabled ? f.masterDownAfterSeconds * 1000 : NEVER_MS,
    // The first election waits for every replica, so the first master is the most advanced one.
    minReplicasToBootstrap: cluster.spec.broker.replicasPerGroup,
  };
}

function samePolicy(a: Partial<ControllerPolicy>, b: Partial<ControllerPolicy>): boolean {
  return a.masterDownAfterMs === b.masterDownAfterMs && a.minReplicasToBootstrap === b.minReplicasToBootstrap;
}

export class FailoverHosts {
  private readonly hosts = new Map<string, FailoverHost>();

  constructor(private readonly deps: FailoverHostDeps) {}

  get(key: ClusterKey): FailoverHost | undefined {
    return this.hosts.get(keyString(key));
  }

  /** The cluster's host, made (or re-made) to match the resource. */
  async ensure(key: ClusterKey, cluster: RocketCluster, logger: ServerLogger): Promise<FailoverHost> {
    const k = keyString(key);
    const policy = policyOf(cluster);
    const existing = this.hosts.get(k);
    if (existing !== undefined && existing.config.uid === cluster.metadata.uid && samePolicy(existing.config.policy, policy)) return existing;
    if (existing !== undefined) {
      this.hosts.delete(k);
      await existing.stop();
    }
    const host = new FailoverHost(this.deps, { key, uid: cluster.metadata.uid, policy, logger });
    this.hosts.set(k, host);
    return host;
  }

  async drop(key: ClusterKey): Promise<void> {
    const k = keyString(key);
    const host = this.hosts.get(k);
    this.hosts.delete(k);
    if (host !== undefined) await host.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(all.map((h) => h.stop()));
  }
}
