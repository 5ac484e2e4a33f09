/**
 * AdminApi over the client's AdminClient: the shapes the commands print, from the SDK's calls. The
 * one place that knows the SDK's admin types.
 */
import type { ClusterView } from '../../client';
import { AdminClient, ClientError, ClientErrorCode } from '../../client';
import { CliError } from '../errors';
import type { AdminApi, BrokerView, QueryByKey, TopicBrokerEntry, TopicSettings, TopicTarget } from './admin-api';

const MASTER_ID = 0;

export async function connectAdminClient(namesrv: string): Promise<AdminApi> {
  const admin = new AdminClient({ namesrvAddr: namesrv });
  await admin.start();
  return new AdminClientAdapter(admin);
}

/** The cluster whose masters a topic command addresses, and those masters' broker names. */
export function targetMasters(view: ClusterView, target: TopicTarget): { clusterName: string; brokerNames: string[] } {
  const clusters = Object.keys(view.clusters).sort();
  let clusterName: string | undefined;
  if ('brokerName' in target) {
    clusterName = view.brokers[target.brokerName]?.cluster;
    if (clusterName === undefined) throw new CliError(`broker ${target.brokerName} is not registered with the name server`);
  } else if ('clusterName' in target) {
    clusterName = target.clusterName;
    if (view.clusters[clusterName] === undefined) throw new CliError(`cluster ${clusterName} is unknown to the name server (known: ${clusters.join(', ') || 'none'})`);
  } else {
    if (clusters.length === 0) throw new CliError('no broker is registered with the name server');
    if (clusters.length > 1) throw new CliError(`there are ${clusters.length} clusters (${clusters.join(', ')}); choose one with --cluster`);
    clusterName = clusters[0]!;
  }
  const members = view.clusters[clusterName] ?? [];
  const brokerNames = members.filter((name) => ('brokerName' in target ? name === target.brokerName : true) && view.brokers[name]?.addrs[MASTER_ID] !== undefined);
  if (brokerNames.length === 0) throw new CliError(`no master broker in cluster ${clusterName}${'brokerName' in target ? ` named ${target.brokerName}` : ''}`);
  return { clusterName, brokerNames };
}

class AdminClientAdapter implements AdminApi {
  constructor(private readonly admin: AdminClient) {}

  async createOrUpdateTopic(topic: string, settings: TopicSettings, target: TopicTarget): Promise<readonly string[]> {
    const { clusterName, brokerNames } = targetMasters(await this.admin.clusterInfo(), target);
    await this.admin.createTopic(topic, {
      clusterName,
      brokerNames,
      readQueueNums: settings.readQueueNums,
      writeQueueNums: settings.writeQueueNums,
      perm: settings.perm,
      messageType: settings.messageType,
    });
    return brokerNames;
  }

  /**
   * From the topic's description: the route's permission per broker, and the queue count as the
   * broker's topic stats list it (its write queues). An unknown topic has no brokers.
   */
  async topicBrokers(topic: string): Promise<readonly TopicBrokerEntry[]> {
    let description;
    try {
      description = await this.admin.describeTopic(topic);
    } catch (e) {
      if (e instanceof ClientError && e.code === ClientErrorCode.TOPIC_NOT_FOUND) return [];
      throw e;
    }
    return Object.entries(description.perm)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([brokerName, perm]) => {
        const queues = description.queues.filter((q) => q.queue.brokerName === brokerName).length;
        return { brokerName, readQueueNums: queues, writeQueueNums: queues, perm };
      });
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.admin.deleteTopic(topic);
  }

  listTopics(): Promise<readonly string[]> {
    return this.admin.listTopics();
  }

  async clusterNames() {
    const view = await this.admin.clusterInfo();
    return { clusters: Object.keys(view.clusters), brokerNames: Object.keys(view.brokers) };
  }

  async describeTopic(topic: string) {
    const d = await this.admin.describeTopic(topic);
    const brokers = Object.entries(d.perm)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([brokerName, perm]) => {
        const queues = d.queues.filter((q) => q.queue.brokerName === brokerName).length;
        return { brokerName, readQueueNums: queues, writeQueueNums: queues, perm };
      });
    const queues = d.queues.map((q) => ({ brokerName: q.queue.brokerName, queueId: q.queue.queueId, minOffset: q.minOffset, maxOffset: q.maxOffset, lastUpdateTimestamp: q.lastUpdateTimestamp }));
    return { topic: d.topic, brokers, queues };
  }

  /** Every registered broker, with its runtime info when it answers (an unreachable broker is still listed). */
  async cluster(): Promise<readonly BrokerView[]> {
    const view = await this.admin.clusterInfo();
    const entries = Object.values(view.brokers).flatMap((b) => Object.entries(b.addrs).map(([id, addr]) => ({ clusterName: b.cluster, brokerName: b.brokerName, brokerId: Number(id), addr })));
    return Promise.all(
      entries.map(async (e): Promise<BrokerView> => {
        try {
          const runtime = await this.admin.brokerRuntimeInfo(e.addr);
          const version = runtime.brokerVersionDesc;
          return version === undefined ? { ...e, runtime } : { ...e, runtime, version };
        } catch {
          return e;
        }
      }),
    );
  }

  async consumerProgress(group: string) {
    const p = await this.admin.consumerProgress(group);
    return {
      group: p.group,
      consumeTps: p.consumeTps,
      queues: p.queues.map((q) => ({ topic: q.queue.topic, brokerName: q.queue.brokerName, queueId: q.queue.queueId, brokerOffset: q.brokerOffset, consumerOffset: q.consumerOffset, lastTimestamp: q.lastTimestamp })),
    };
  }

  viewMessage(offsetMsgId: string) {
    return this.admin.viewMessage(offsetMsgId);
  }

  queryMessageByKey(q: QueryByKey) {
    return this.admin.queryMessageByKey(q.topic, q.key, { begin: q.beginMs, end: q.endMs, maxNum: q.maxResults });
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}
