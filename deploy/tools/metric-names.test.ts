import { knownMetricNames, metricsInExpr } from './metric-names';

describe('metricsInExpr', () => {
  test('finds the series of an expression, not its functions, labels, grouping clauses or durations', () => {
    expect(metricsInExpr('histogram_quantile(0.99, sum by (le, node_id) (rate(rocketmq_rpc_latency_bucket{a=~"x|y",b="}"}[$__rate_interval])))')).toEqual(['rocketmq_rpc_latency_bucket']);
    expect(metricsInExpr('a_total / on (pod) group_left(node) b_total > 0.5 and deriv(rec:lag:sum[15m]) > 0 unless c offset 5m')).toEqual(['a_total', 'b_total', 'rec:lag:sum', 'c']);
    expect(metricsInExpr('sum(rate(x_total{job="up"}[5m])) without (instance)')).toEqual(['x_total']);
  });
});

describe('knownMetricNames', () => {
  test('reads the broker, consumer, nameserver and operator series; histograms only through _bucket/_sum/_count', () => {
    const known = knownMetricNames();
    for (const name of ['rocketmq_messages_in_total', 'rocketmq_consumer_lag_messages', 'rocketmq_nameserver_brokers', 'rocketmq_rpc_latency_bucket', 'rocketcluster_operator_failovers_total', 'up']) expect(known.has(name)).toBe(true);
    expect(known.has('rocketmq_rpc_latency')).toBe(false);
    expect(known.has('rocketmq_replication_lag_bytes')).toBe(false);
  });
});
