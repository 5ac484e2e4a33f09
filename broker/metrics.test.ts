import type { ReplicationView } from './metrics';
import { BrokerMetrics } from './metrics';

function metricsWith(view: ReplicationView | undefined): BrokerMetrics {
  const m = new BrokerMetrics({ brokerClusterName: 'c1', brokerName: 'broker-a', processMetrics: false });
  m.observeReplication(() => view);
  return m;
}

const master: ReplicationView = {
  role: 'master',
  epoch: 3,
  writable: true,
  maxCommitLogOffset: 5000,
  confirmedOffset: 4000,
  slaves: [
    { address: '10.0.0.2:10911', lagBytes: 1000, inSync: true, lastAckAgoMs: 250 },
    { address: '10.0.0.3:10911', lagBytes: 90000, inSync: false, lastAckAgoMs: 12000 },
  ],
  inSyncSet: ['10.0.0.1:10911', '10.0.0.2:10911'],
  link: null,
};

describe('replication gauges', () => {
  test('a master reports its role, epoch, writability, in-sync count and each slave', async () => {
    const text = await metricsWith(master).registry.metrics();
    expect(text).toContain('rocketmq_broker_role{role="master",cluster="c1",node_type="broker",node_id="broker-a"} 1');
    expect(text).toContain('rocketmq_broker_role{role="slave",cluster="c1",node_type="broker",node_id="broker-a"} 0');
    expect(text).toMatch(/rocketmq_broker_epoch\{[^}]*\} 3/);
    expect(text).toMatch(/rocketmq_broker_writable\{[^}]*\} 1/);
    expect(text).toMatch(/rocketmq_replication_in_sync_replicas\{[^}]*\} 2/);
    expect(text).toMatch(/rocketmq_replication_slave_lag_bytes\{slave="10.0.0.3:10911"[^}]*\} 90000/);
    expect(text).toMatch(/rocketmq_replication_slave_in_sync\{slave="10.0.0.3:10911"[^}]*\} 0/);
    expect(text).toMatch(/rocketmq_replication_slave_last_ack_seconds\{slave="10.0.0.2:10911"[^}]*\} 0.25/);
    expect(text).toMatch(/rocketmq_replication_behind_bytes\{[^}]*\} 0/);
  });

  test('a slave reports how far behind its master it is; a detached slave series disappears', async () => {
    const m = new BrokerMetrics({ brokerClusterName: 'c1', brokerName: 'broker-a', processMetrics: false });
    let view: ReplicationView = master;
    m.observeReplication(() => view);
    expect(await m.registry.metrics()).toContain('slave="10.0.0.3:10911"');
    view = {
      ...master,
      role: 'slave',
      writable: false,
      slaves: [],
      inSyncSet: [],
      link: { connected: true, masterMaxOffset: 7000, confirmedOffset: 6500 },
    };
    const text = await m.registry.metrics();
    expect(text).not.toContain('slave="10.0.0.3:10911"');
    expect(text).toMatch(/rocketmq_replication_behind_bytes\{[^}]*\} 500/);
    expect(text).toMatch(/rocketmq_replication_link_connected\{[^}]*\} 1/);
    expect(text).toMatch(/rocketmq_broker_writable\{[^}]*\} 0/);
    expect(text).toMatch(/rocketmq_replication_in_sync_replicas\{[^}]*\} 0/);
  });

  test('before replication exists no role is reported and the rest read 0', async () => {
    const text = await metricsWith(undefined).registry.metrics();
    expect(text).not.toMatch(/rocketmq_broker_role\{/);
    expect(text).toMatch(/rocketmq_broker_epoch\{[^}]*\} 0/);
    expect(text).not.toMatch(/rocketmq_replication_slave_lag_bytes\{/);
  });
});
