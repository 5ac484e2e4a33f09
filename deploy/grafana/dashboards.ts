/**
 * The broker and operator dashboards. Queries use only series that exist: the broker's metrics
 * (broker/metrics.ts, broker/consume/metrics.ts), the nameserver's (nameserver/metrics.ts), the
 * operator's (operator contract), and the kubelet's volume stats for disk use. Label conventions:
 * broker metrics carry `cluster` (= RocketCluster name) and `node_id` (= brokerName, the group); the
 * Prometheus target labels `namespace` and `pod` come from the ServiceMonitor the operator creates.
 * deploy/generate.ts writes them to deploy/grafana/*.json and the chart's dashboards/.
 */
import type { Block, DashboardSpec } from './panels';
import { dashboard } from './panels';

const B = 'namespace=~"$namespace",cluster=~"$cluster",node_id=~"$group"';
const RATE = '[$__rate_interval]';
const SEND_CODES = 'request_code=~"send_message|send_message_v2|send_batch_message"';

const brokerThroughput: Block[] = [
  { row: 'Throughput' },
  {
    panel: {
      title: 'Messages in per second (TPS in)',
      description: 'Messages stored per second by each broker group (user topics).',
      unit: 'ops',
      stack: true,
      targets: [{ expr: `sum by (node_id) (rate(rocketmq_messages_in_total{${B},is_system="false"}${RATE}))`, legend: '{{node_id}}' }],
    },
  },
  {
    panel: {
      title: 'Messages out per second (TPS out)',
      description: 'Messages delivered to consumers per second by each broker group.',
      unit: 'ops',
      stack: true,
      targets: [{ expr: `sum by (node_id) (rate(rocketmq_messages_out_total{${B}}${RATE}))`, legend: '{{node_id}}' }],
    },
  },
  {
    panel: {
      title: 'Bytes in per second',
      description: 'Message body bytes stored per second by each broker group.',
      unit: 'Bps',
      stack: true,
      targets: [{ expr: `sum by (node_id) (rate(rocketmq_throughput_in_total{${B}}${RATE}))`, legend: '{{node_id}}' }],
    },
  },
  {
    panel: {
      title: 'Bytes out per second',
      description: 'Stored record bytes delivered to consumers per second by each broker group.',
      unit: 'Bps',
      stack: true,
      targets: [{ expr: `sum by (node_id) (rate(rocketmq_throughput_out_total{${B}}${RATE}))`, legend: '{{node_id}}' }],
    },
  },
  {
    panel: {
      title: 'Send latency',
      description: 'Broker-side latency of send requests (single, V2 and batch), 50th and 99th percentile per group.',
      unit: 'ms',
      targets: [
        { expr: `histogram_quantile(0.99, sum by (le, node_id) (rate(rocketmq_rpc_latency_bucket{${B},${SEND_CODES}}${RATE})))`, legend: 'p99 {{node_id}}' },
        { expr: `histogram_quantile(0.5, sum by (le, node_id) (rate(rocketmq_rpc_latency_bucket{${B},${SEND_CODES}}${RATE})))`, legend: 'p50 {{node_id}}' },
      ],
    },
  },
  {
    panel: {
      title: 'Failed requests per second',
      description: 'Requests the brokers answered with an error code, by request and response code (a slave refusing writes shows here).',
      unit: 'reqps',
      targets: [{ expr: `sum by (request_code, response_code) (rate(rocketmq_rpc_latency_count{${B},result="failure"}${RATE}))`, legend: '{{request_code}} → {{response_code}}' }],
    },
  },
  {
    panel: {
      title: 'Top topics by messages in',
      description: 'The ten busiest topics.',
      unit: 'ops',
      targets: [{ expr: `topk(10, sum by (topic) (rate(rocketmq_messages_in_total{${B},is_system="false"}${RATE})))`, legend: '{{topic}}' }],
    },
  },
  {
    panel: {
      title: 'Message size (p99)',
      description: '99th percentile of message body sizes per topic.',
      unit: 'bytes',
      targets: [{ expr: `histogram_quantile(0.99, sum by (le, topic) (rate(rocketmq_message_size_bucket{${B}}${RATE})))`, legend: '{{topic}}' }],
    },
  },
];

const brokerStorage: Block[] = [
  { row: 'Storage' },
  {
    panel: {
      title: 'Commit log on disk',
      description: 'Bytes of commit log each broker pod holds (max minus min commit-log offset).',
      unit: 'bytes',
      targets: [{ expr: `sum by (pod) (rocketmq_storage_size{${B}})`, legend: '{{pod}}' }],
    },
  },
  {
    panel: {
      title: 'Data volume use',
      description: 'Used fraction of each broker PVC (kubelet volume stats; the commit log plus consume queues and indexes).',
      unit: 'percentunit',
      targets: [
        {
          expr: 'kubelet_volume_stats_used_bytes{namespace=~"$namespace",persistentvolumeclaim=~"data-($cluster)-broker-.*"} / kubelet_volume_stats_capacity_bytes{namespace=~"$namespace",persistentvolumeclaim=~"data-($cluster)-broker-.*"}',
          legend: '{{persistentvolumeclaim}}',
        },
      ],
    },
  },
  {
    panel: {
      title: 'Flush and dispatch behind',
      description: 'Commit-log bytes written but not yet flushed, and not yet dispatched to consume queues.',
      unit: 'bytes',
      targets: [
        { expr: `max by (pod) (rocketmq_storage_flush_behind_bytes{${B}})`, legend: 'flush {{pod}}' },
        { expr: `max by (pod) (rocketmq_storage_dispatch_behind_bytes{${B}})`, legend: 'dispatch {{pod}}' },
      ],
    },
  },
  {
    panel: {
      title: 'Topics per broker',
      description: 'Topics each broker pod knows.',
      unit: 'short',
      targets: [{ expr: `max by (pod) (rocketmq_topic_number{${B}})`, legend: '{{pod}}' }],
    },
  },
];

// Master and slaves of a group each compute a lag for the consumer groups they know: take the
// largest per broker group (node_id) and topic before adding groups up, so replicas are not double counted.
const LAG_PER_GROUP = `max by (consumer_group, topic, node_id) (rocketmq_consumer_lag_messages{${B}})`;

const brokerConsumers: Block[] = [
  { row: 'Consumers' },
  {
    panel: {
      title: 'Consumer lag per consumer group',
      description: 'Messages not yet committed by each consumer group, all topics and broker groups.',
      unit: 'short',
      targets: [{ expr: `sum by (consumer_group) (${LAG_PER_GROUP})`, legend: '{{consumer_group}}' }],
    },
  },
  {
    panel: {
      title: 'Consumer lag per topic and group (top 20)',
      description: 'The twenty largest backlogs.',
      unit: 'short',
      targets: [{ expr: `topk(20, sum by (consumer_group, topic) (${LAG_PER_GROUP}))`, legend: '{{consumer_group}} / {{topic}}' }],
    },
  },
  {
    panel: {
      title: 'Consume rate per consumer group',
      description: 'Messages delivered per second to each consumer group.',
      unit: 'ops',
      targets: [{ expr: `sum by (consumer_group) (rate(rocketmq_messages_out_total{${B}}${RATE}))`, legend: '{{consumer_group}}' }],
    },
  },
  {
    panel: {
      title: 'Consumer connections',
      description: 'Live consumer connections per consumer group.',
      unit: 'short',
      targets: [{ expr: `sum by (consumer_group) (rocketmq_consumer_connections{${B}})`, legend: '{{consumer_group}}' }],
    },
  },
];

const O = 'namespace=~"$namespace",cluster=~"$cluster"';

const brokerRoles: Block[] = [
  { row: 'Replication, roles and failovers' },
  {
    panel: {
      title: 'Broker pods up',
      description: 'Whether Prometheus can scrape each broker pod.',
      unit: 'none',
      kind: 'stat',
      width: 8,
      booleanText: ['down', 'up'],
      targets: [{ expr: 'up{namespace=~"$namespace",pod=~"($cluster)-broker-.*"}', legend: '{{pod}}' }],
    },
  },
  {
    panel: {
      title: 'Cluster ready',
      description: 'The operator\'s Ready condition of each RocketCluster.',
      unit: 'none',
      kind: 'stat',
      width: 8,
      booleanText: ['not ready', 'ready'],
      targets: [{ expr: `max by (namespace, cluster) (rocketcluster_operator_cluster_ready{${O}})`, legend: '{{namespace}}/{{cluster}}' }],
    },
  },
  {
    panel: {
      title: 'Failovers and switchovers in range',
      description: 'Masters replaced by the operator (failover) or handed over during a rollout (switchover), per group.',
      unit: 'short',
      kind: 'stat',
      width: 8,
      targets: [
        { expr: `sum by (cluster, group) (increase(rocketcluster_operator_failovers_total{${O},group=~"$group"}[$__range]))`, legend: 'failovers {{cluster}}/{{group}}' },
        { expr: `sum by (cluster, group) (increase(rocketcluster_operator_switchovers_total{${O},group=~"$group"}[$__range]))`, legend: 'switchovers {{cluster}}/{{group}}' },
      ],
    },
  },
  {
    panel: {
      title: 'Failovers over time',
      description: 'Failovers and switchovers per group; each step is a new master (and a new epoch).',
      unit: 'short',
      targets: [
        { expr: `sum by (cluster, group) (increase(rocketcluster_operator_failovers_total{${O},group=~"$group"}${RATE}))`, legend: 'failover {{cluster}}/{{group}}' },
        { expr: `sum by (cluster, group) (increase(rocketcluster_operator_switchovers_total{${O},group=~"$group"}${RATE}))`, legend: 'switchover {{cluster}}/{{group}}' },
      ],
    },
  },
  {
    panel: {
      title: 'Brokers registered with the nameservers',
      description: 'Live broker addresses (masters and slaves) and broker groups each nameserver pod knows; a replica missing here is not serving clients.',
      unit: 'short',
      targets: [
        { expr: 'max by (pod) (rocketmq_nameserver_brokers{namespace=~"$namespace",pod=~"($cluster)-nameserver-.*"})', legend: 'addresses {{pod}}' },
        { expr: 'max by (pod) (rocketmq_nameserver_broker_names{namespace=~"$namespace",pod=~"($cluster)-nameserver-.*"})', legend: 'groups {{pod}}' },
      ],
    },
  },
  {
    panel: {
      title: 'Replication lag per slave',
      description: 'Commit-log bytes each attached slave has not acknowledged, as its master sees it. Sync replication waits for it; a failover to a lagging slave would lose (async) or wait for (sync) this much.',
      unit: 'bytes',
      targets: [{ expr: `max by (node_id, slave) (rocketmq_replication_slave_lag_bytes{${B}})`, legend: '{{node_id}} -> {{slave}}' }],
    },
  },
  {
    panel: {
      title: 'In-sync replicas per group',
      description: 'Replicas in the master\'s in-sync set (the master included). Only these may be elected; with sync replication only their acks count.',
      unit: 'short',
      targets: [{ expr: `max by (node_id) (rocketmq_replication_in_sync_replicas{${B}})`, legend: '{{node_id}}' }],
    },
  },
  {
    panel: {
      title: 'Roles',
      description: 'Each broker pod\'s replication role (1 on its current role). A group should show exactly one master.',
      unit: 'none',
      kind: 'stat',
      width: 12,
      targets: [{ expr: `max by (pod, role) (rocketmq_broker_role{${B}}) == 1`, legend: '{{pod}} {{role}}' }],
    },
  },
  {
    panel: {
      title: 'Master epoch per group',
      description: 'The epoch each group\'s brokers act in; every failover or switchover moves it up by one.',
      unit: 'none',
      width: 12,
      targets: [{ expr: `max by (node_id) (rocketmq_broker_epoch{${B}})`, legend: '{{node_id}}' }],
    },
  },
];

export const brokerDashboardSpec: DashboardSpec = {
  uid: 'rocketcluster-broker',
  title: 'RocketCluster / Brokers',
  description: 'Throughput, latency, storage, consumer lag, roles and failovers of RocketCluster broker groups.',
  tags: ['rocketcluster', 'rocketmq', 'messaging'],
  variables: [
    { name: 'namespace', label: 'Namespace', query: 'label_values(rocketmq_storage_size, namespace)' },
    { name: 'cluster', label: 'Cluster', query: 'label_values(rocketmq_storage_size{namespace=~"$namespace"}, cluster)' },
    { name: 'group', label: 'Broker group', query: 'label_values(rocketmq_storage_size{namespace=~"$namespace",cluster=~"$cluster"}, node_id)' },
  ],
  blocks: [...brokerThroughput, ...brokerStorage, ...brokerConsumers, ...brokerRoles],
};

const OP = 'pod=~"$pod"';

export const operatorDashboardSpec: DashboardSpec = {
  uid: 'rocketcluster-operator',
  title: 'RocketCluster / Operator',
  description: 'Leadership, reconciles, errors, durations and failovers of the RocketCluster operator.',
  tags: ['rocketcluster', 'operator'],
  variables: [{ name: 'pod', label: 'Operator pod', query: 'label_values(rocketcluster_operator_is_leader, pod)' }],
  blocks: [
    { row: 'Leadership and clusters' },
    {
      panel: {
        title: 'Leader',
        description: 'Which operator replica holds the Lease and reconciles.',
        unit: 'none',
        kind: 'stat',
        width: 8,
        booleanText: ['standby', 'leader'],
        targets: [{ expr: `max by (pod) (rocketcluster_operator_is_leader{${OP}})`, legend: '{{pod}}' }],
      },
    },
    {
      panel: {
        title: 'Managed clusters',
        description: 'RocketClusters the leader manages.',
        unit: 'short',
        kind: 'stat',
        width: 8,
        targets: [{ expr: `max(rocketcluster_operator_managed_clusters{${OP}})`, legend: 'clusters' }],
      },
    },
    {
      panel: {
        title: 'Clusters ready',
        description: 'Ready condition per RocketCluster.',
        unit: 'none',
        kind: 'stat',
        width: 8,
        booleanText: ['not ready', 'ready'],
        targets: [{ expr: 'max by (namespace, cluster) (rocketcluster_operator_cluster_ready)', legend: '{{namespace}}/{{cluster}}' }],
      },
    },
    { row: 'Reconciles' },
    {
      panel: {
        title: 'Reconciles per second',
        description: 'By controller and result (success, error, requeue).',
        unit: 'ops',
        stack: true,
        targets: [{ expr: `sum by (controller, result) (rate(rocketcluster_operator_reconciles_total{${OP}}${RATE}))`, legend: '{{controller}} {{result}}' }],
      },
    },
    {
      panel: {
        title: 'Reconcile errors per second',
        description: 'Failed reconciles by controller; the Events of the RocketCluster say why.',
        unit: 'ops',
        targets: [{ expr: `sum by (controller) (rate(rocketcluster_operator_reconcile_errors_total{${OP}}${RATE}))`, legend: '{{controller}}' }],
      },
    },
    {
      panel: {
        title: 'Reconcile duration',
        description: '50th and 99th percentile per controller.',
        unit: 's',
        targets: [
          { expr: `histogram_quantile(0.99, sum by (le, controller) (rate(rocketcluster_operator_reconcile_duration_seconds_bucket{${OP}}${RATE})))`, legend: 'p99 {{controller}}' },
          { expr: `histogram_quantile(0.5, sum by (le, controller) (rate(rocketcluster_operator_reconcile_duration_seconds_bucket{${OP}}${RATE})))`, legend: 'p50 {{controller}}' },
        ],
      },
    },
    {
      panel: {
        title: 'Error ratio',
        description: 'Share of reconciles that ended in an error, per controller.',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum by (controller) (rate(rocketcluster_operator_reconciles_total{${OP},result="error"}${RATE})) / sum by (controller) (rate(rocketcluster_operator_reconciles_total{${OP}}${RATE}))`,
            legend: '{{controller}}',
          },
        ],
      },
    },
    { row: 'Failovers' },
    {
      panel: {
        title: 'Failovers',
        description: 'Masters replaced by the operator, per cluster and group.',
        unit: 'short',
        targets: [{ expr: `sum by (namespace, cluster, group) (increase(rocketcluster_operator_failovers_total{${OP}}${RATE}))`, legend: '{{namespace}}/{{cluster}}/{{group}}' }],
      },
    },
    {
      panel: {
        title: 'Switchovers',
        description: 'Planned master hand-overs (rollouts), per cluster and group.',
        unit: 'short',
        targets: [{ expr: `sum by (namespace, cluster, group) (increase(rocketcluster_operator_switchovers_total{${OP}}${RATE}))`, legend: '{{namespace}}/{{cluster}}/{{group}}' }],
      },
    },
  ],
};

/** File name (in deploy/grafana and the chart's dashboards/) → dashboard JSON text. */
export function dashboardFiles(): Record<string, string> {
  return {
    'rocketcluster-broker.json': `${JSON.stringify(dashboard(brokerDashboardSpec), null, 2)}\n`,
    'rocketcluster-operator.json': `${JSON.stringify(dashboard(operatorDashboardSpec), null, 2)}\n`,
  };
}
