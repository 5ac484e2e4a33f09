/**
 * operator: the RocketCluster Kubernetes operator. `api/` (the resource's types and schema),
 * `specs/` (pure builders), `controllers/` (reconcilers), `kube/` (client, caches, queue, Manager,
 * events, leader election), `brokers/` (talking to broker pods). This door exposes the process
 * pieces; each subfolder opens through its own index.ts.
 */
export { RocketOperator, SERVICE, loadKubeConfig } from './main';
export type { RocketOperatorOptions } from './main';
export { SERVICE_ACCOUNT_NAMESPACE_FILE, loadOperatorConfig } from './config';
export type { Env, OperatorConfig } from './config';
export { OperatorMetrics, RECONCILE_DURATION_BUCKETS } from './metrics';
export type { OperatorMetricsOptions } from './metrics';
