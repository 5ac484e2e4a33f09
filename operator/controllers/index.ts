/**
 * operator/controllers: the reconcilers the Manager runs for every RocketCluster, one per concern:
 * - children: create/update the children from the builders, write status and conditions;
 * - failover: the controller/ loop (bootstrap, failover, fencing, switchovers) with status as its store;
 * - rollout: config/image changes roll slaves first, then a switchover, then the old master;
 * - scale: whole groups; scale-down drains (write permission off, consumers caught up) before deleting.
 * Deletion needs no finalizer: children carry ownerReferences; PVCs are kept.
 */
import type { Reconciler, ReconcilerDeps } from '../kube';
import type { BrokerAdminClient, BrokerDrainClient, BrokerEndpointResolver, NameserverEndpointResolver } from '../brokers';
import { HttpBrokerAdminClient, RemotingBrokerDrainClient, podIpNameserverResolver, podIpResolver } from '../brokers';
import { ChildrenReconciler } from './children';
import { FailoverReconciler } from './failover';
import { FailoverHosts } from './hosts';
import { RolloutReconciler } from './rollout';
import { ScaleReconciler } from './scale';

/** Seams for tests (and other hosts): how brokers are reached. Defaults: pod IPs, HTTP, remoting. */
export interface BrokerAccess {
  readonly admin?: BrokerAdminClient;
  readonly drain?: BrokerDrainClient;
  readonly resolver?: BrokerEndpointResolver;
  readonly nameserverResolver?: NameserverEndpointResolver;
}

export interface ControllerDeps extends ReconcilerDeps {
  readonly brokers?: BrokerAccess;
}

export function createReconcilers(deps: ControllerDeps): Reconciler[] {
  const admin = deps.brokers?.admin ?? new HttpBrokerAdminClient();
  const resolver = deps.brokers?.resolver ?? podIpResolver;
  const ownDrain = deps.brokers?.drain === undefined ? new RemotingBrokerDrainClient() : null;
  const drain = deps.brokers?.drain ?? ownDrain!;
  const hosts = new FailoverHosts({ kube: deps.kube, events: deps.events, metrics: deps.metrics, clock: deps.clock, admin, resolver, enqueue: deps.enqueue });
  const scale = new ScaleReconciler(deps.kube, deps.events, drain, resolver, deps.brokers?.nameserverResolver ?? podIpNameserverResolver);
  return [
    new ChildrenReconciler(deps.kube, deps.events, deps.metrics, hosts, deps.clock),
    new FailoverReconciler(deps.kube, hosts, deps.settings),
    new RolloutReconciler(deps.kube, deps.events, hosts),
    {
      name: scale.name,
      reconcile: (key, ctx) => scale.reconcile(key, ctx),
      // The drain client's connections are ours to close when we made it.
      stop: async () => {
        if (ownDrain !== null) await ownDrain.close();
      },
    },
  ];
}

export { ChildrenReconciler, STATUS_POLL_MS } from './children';
export { FailoverReconciler } from './failover';
export { FailoverHost } from './failover-host';
export type { FailoverHostConfig, FailoverHostDeps, GroupSnapshot, ReplicaSnapshot } from './failover-host';
export { FailoverHosts, policyOf } from './hosts';
export { RolloutReconciler, ROLLOUT_POLL_MS } from './rollout';
export type { RolloutInput, RolloutPod, RolloutStep } from './rollout-plan';
export { groupHealthProblem, planRollout } from './rollout-plan';
export { DRAINED_CHECKS, SCALE_POLL_MS, ScaleReconciler } from './scale';
export { StatusGroupStateStore, stateFromStatus, statusWithState } from './status-store';
export type { DecisionKind } from './decisions';
export { classifyDecision } from './decisions';
export { computeStatus } from './status-compute';
export type { StatusInput } from './status-compute';
