import {
  brokerGroupIndex,
  brokerGroupName,
  brokerNamesrvAddr,
  brokerPodSelector,
  nameserverAddress,
  podDnsName,
  podName,
  statefulSetName,
} from './names';
import { makeCluster } from './test-kit.test-util';

describe('names and addresses (operator contract)', () => {
  const c = makeCluster({}, 'orders', 'shop');

  it('names groups broker-<i> and parses them back', () => {
    expect(brokerGroupName(0)).toBe('broker-0');
    expect(brokerGroupName(12)).toBe('broker-12');
    expect(brokerGroupIndex('broker-12')).toBe(12);
    for (const bad of ['broker-', 'broker-01', 'broker-a', 'x-broker-1', 'broker-1 ']) expect(brokerGroupIndex(bad)).toBeUndefined();
  });

  it('names StatefulSets and pods <c>-broker-<i>[-<k>] with stable pod DNS through the headless Service', () => {
    expect(statefulSetName(c, 1)).toBe('orders-broker-1');
    expect(podName(c, 1, 2)).toBe('orders-broker-1-2');
    expect(podDnsName(c, 1, 2)).toBe('orders-broker-1-2.orders-broker-1.shop.svc');
  });

  it('gives clients the ClusterIP Service and brokers the headless Service of the nameservers', () => {
    expect(nameserverAddress(c)).toBe('orders-nameserver.shop.svc:9876');
    expect(brokerNamesrvAddr(c)).toBe('orders-nameserver-headless.shop.svc:9876');
  });

  it('selects broker pods by cluster and component (status.selector)', () => {
    expect(brokerPodSelector(c)).toBe('rocketcluster.io/cluster=orders,app.kubernetes.io/component=broker');
  });

  it('keeps every derived name a DNS label within 63 characters for the longest cluster name and group', () => {
    const longest = makeCluster({ broker: { groups: 64 } }, 'a'.repeat(40));
    const names = [`${longest.metadata.name}-nameserver-headless`, statefulSetName(longest, 63), podName(longest, 63, 4), `${statefulSetName(longest, 63)}-${'f'.repeat(10)}`];
    for (const name of names) expect([name, name.length <= 63]).toEqual([name, true]);
  });
});
