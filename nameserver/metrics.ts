/**
 * Prometheus metrics of a name server, on a registry the process owns. Gauges are read from the
 * route table when scraped, so they never drift from the truth.
 *
 * - rocketmq_nameserver_brokers            live broker addresses (masters and slaves)
 * - rocketmq_nameserver_broker_names       broker groups (brokerName) with at least one address
 * - rocketmq_nameserver_clusters           clusters
 * - rocketmq_nameserver_topics             topics with queue data
 * - rocketmq_nameserver_connections        open remoting connections
 * - rocketmq_nameserver_requests_total{code,response}   requests by request code (number; `other`
 *                                          for codes outside the table) and response code name
 * - rocketmq_nameserver_brokers_removed_total{reason}   expired, channel-closed, unregistered
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { requestCodeInfo, responseCodeName } from '../protocol';
import type { RouteTableStats } from './route-table';

export interface NameserverMetricSources {
  stats(): RouteTableStats;
  connections(): number;
}

export class NameserverMetrics {
  private readonly requests: Counter<'code' | 'response'>;
  private readonly removed: Counter<'reason'>;

  constructor(registry: Registry, sources: NameserverMetricSources) {
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    };
    gauge('rocketmq_nameserver_brokers', 'Live broker addresses registered with this name server', () => sources.stats().brokers);
    gauge('rocketmq_nameserver_broker_names', 'Broker groups (brokerName) with at least one live address', () => sources.stats().brokerNames);
    gauge('rocketmq_nameserver_clusters', 'Clusters with at least one broker group', () => sources.stats().clusters);
    gauge('rocketmq_nameserver_topics', 'Topics with queue data', () => sources.stats().topics);
    gauge('rocketmq_nameserver_connections', 'Open remoting connections', () => sources.connections());
    this.requests = new Counter({
      name: 'rocketmq_nameserver_requests_total',
      help: 'Requests answered, by request code and response code',
      labelNames: ['code', 'response'],
      registers: [registry],
    });
    this.removed = new Counter({
      name: 'rocketmq_nameserver_brokers_removed_total',
      help: 'Brokers removed from the route table, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  requestHandled(requestCode: number, responseCode: number): void {
    // Unknown codes share one label value so a misbehaving peer cannot create unbounded series.
    const code = requestCodeInfo(requestCode) === undefined ? 'other' : String(requestCode);
    this.requests.inc({ code, response: responseCodeName(responseCode) });
  }

  brokersRemoved(reason: string, count: number): void {
    if (count > 0) this.removed.inc({ reason }, count);
  }
}
