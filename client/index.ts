/**
 * client/: the RocketCluster SDK. It speaks RocketMQ's 4.x remoting protocol, so it works with
 * RocketCluster and with Apache RocketMQ name servers and brokers. The only door into this folder.
 *
 * - Producer: `send` (concurrent sends share batch frames), `sendOneway`, `sendBatch`, ordered sends.
 * - PushConsumer: subscribe a handler; clustering (queues split across the group) or broadcasting.
 * - PullConsumer: explicit pulls and `for await` message streams.
 * - AdminClient: topics, cluster layout, consumer progress, message lookups.
 *
 * Imports only protocol/, remoting/, message/ and stdx/. Libraries do not log: problems in the
 * background are emitted as `warning` events; failed calls reject with a ClientError.
 */
export type { Message, MessageQueue, ReceivedMessage, SendResult } from './types';
export { SendStatus, compareQueues, queueKey } from './types';

export { BrokerError, ClientError, ClientErrorCode, ConnectionError, isClientError } from './errors';

export type { BatchingOptions, MessageQueueSelector, ProducerEvents, ProducerOptions, SendOptions } from './producer';
export { DEFAULT_PRODUCER_GROUP, Producer, hashSelector } from './producer';

export type { ConsumeContext, MessageHandler, PushConsumerEvents, PushConsumerOptions } from './push-consumer';
export { PushConsumer } from './push-consumer';

export type { MessageStreamOptions, PullConsumerEvents, PullConsumerOptions, PullOptions, StartPosition } from './pull-consumer';
export { MessageStream, PullConsumer } from './pull-consumer';
export type { PullResult } from './pull';
export { PullStatus } from './pull';
export type { ConsumeFrom } from './consumer-api';

export type {
  AdminClientOptions,
  BrokerInfo,
  ClusterView,
  ConsumerConnectionInfo,
  ConsumerConnections,
  ConsumerProgress,
  QueryOptions,
  QueueProgress,
  QueueStats,
  TopicDescription,
  TopicMessageType,
  TopicOptions,
} from './admin';
export { AdminClient } from './admin';

export type { TagFilter } from './tags';
export { SUBSCRIBE_ALL, parseTagExpression } from './tags';
export { allocateAveragely } from './allocate';
