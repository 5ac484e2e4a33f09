/**
 * Headers of message queries, client management, retries, transactions, topic admin and the name
 * server (FACTS 3.4, 5, 6). Field names are the Java header-class field names.
 */
import { defineHeader } from './header-schema';

// ----------------------------------------------------------------------------------- message queries

export interface QueryMessageRequestHeader {
  topic: string;
  key: string;
  maxNum: number;
  beginTimestamp: number;
  endTimestamp: number;
}

export const QueryMessageRequestHeader = defineHeader<QueryMessageRequestHeader>('QueryMessageRequestHeader', {
  topic: { type: 'string', required: true },
  key: { type: 'string', required: true },
  maxNum: { type: 'int', required: true },
  beginTimestamp: { type: 'long', required: true },
  endTimestamp: { type: 'long', required: true },
});

export interface QueryMessageResponseHeader {
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export const QueryMessageResponseHeader = defineHeader<QueryMessageResponseHeader>('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: { type: 'long', required: true },
  indexLastUpdatePhyoffset: { type: 'long', required: true },
});

export interface ViewMessageRequestHeader {
  /** Commit-log offset of the message. */
  offset: number;
  topic?: string;
}

export const ViewMessageRequestHeader = defineHeader<ViewMessageRequestHeader>('ViewMessageRequestHeader', {
  offset: { type: 'long', required: true },
  topic: { type: 'string', required: false },
});

// ---------------------------------------------------------------------------------- client management

export interface UnregisterClientRequestHeader {
  clientID: string;
  producerGroup?: string;
  consumerGroup?: string;
}

export const UnregisterClientRequestHeader = defineHeader<UnregisterClientRequestHeader>(
  'UnregisterClientRequestHeader',
  {
    clientID: { type: 'string', required: true },
    producerGroup: { type: 'string', required: false },
    consumerGroup: { type: 'string', required: false },
  },
);

export interface ConsumerGroupRequestHeader {
  consumerGroup: string;
}

/** GET_CONSUMER_LIST_BY_GROUP (38) request. */
export const GetConsumerListByGroupRequestHeader = defineHeader<ConsumerGroupRequestHeader>(
  'GetConsumerListByGroupRequestHeader',
  { consumerGroup: { type: 'string', required: true } },
);

/** NOTIFY_CONSUMER_IDS_CHANGED (40), broker to consumer. */
export const NotifyConsumerIdsChangedRequestHeader = defineHeader<ConsumerGroupRequestHeader>(
  'NotifyConsumerIdsChangedRequestHeader',
  { consumerGroup: { type: 'string', required: true } },
);

export interface ConsumerSendMsgBackRequestHeader {
  /** Commit-log offset of the message being returned. */
  offset: number;
  group: string;
  /** 0 lets the broker choose (3 + reconsumeTimes); negative sends straight to the DLQ. */
  delayLevel: number;
  originMsgId?: string;
  originTopic?: string;
  unitMode?: boolean;
  maxReconsumeTimes?: number;
}

export const ConsumerSendMsgBackRequestHeader = defineHeader<ConsumerSendMsgBackRequestHeader>(
  'ConsumerSendMsgBackRequestHeader',
  {
    offset: { type: 'long', required: true },
    group: { type: 'string', required: true },
    delayLevel: { type: 'int', required: true },
    originMsgId: { type: 'string', required: false },
    originTopic: { type: 'string', required: false },
    unitMode: { type: 'bool', required: false },
    maxReconsumeTimes: { type: 'int', required: false },
  },
);

// ------------------------------------------------------------------------------------- transactions

export interface EndTransactionRequestHeader {
  topic?: string;
  producerGroup: string;
  tranStateTableOffset: number;
  commitLogOffset: number;
  /** Transaction type bits of sysFlag: commit 0x8, rollback 0xC, not-a-type 0x0. */
  commitOrRollback: number;
  fromTransactionCheck?: boolean;
  msgId: string;
  transactionId?: string;
}

export const EndTransactionRequestHeader = defineHeader<EndTransactionRequestHeader>('EndTransactionRequestHeader', {
  topic: { type: 'string', required: false },
  producerGroup: { type: 'string', required: true },
  tranStateTableOffset: { type: 'long', required: true },
  commitLogOffset: { type: 'long', required: true },
  commitOrRollback: { type: 'int', required: true },
  fromTransactionCheck: { type: 'bool', required: false },
  msgId: { type: 'string', required: true },
  transactionId: { type: 'string', required: false },
});

export interface CheckTransactionStateRequestHeader {
  topic?: string;
  tranStateTableOffset: number;
  commitLogOffset: number;
  msgId?: string;
  transactionId?: string;
  offsetMsgId?: string;
}

export const CheckTransactionStateRequestHeader = defineHeader<CheckTransactionStateRequestHeader>(
  'CheckTransactionStateRequestHeader',
  {
    topic: { type: 'string', required: false },
    tranStateTableOffset: { type: 'long', required: true },
    commitLogOffset: { type: 'long', required: true },
    msgId: { type: 'string', required: false },
    transactionId: { type: 'string', required: false },
    offsetMsgId: { type: 'string', required: false },
  },
);

// ----------------------------------------------------------------------------------------- topic admin

export interface CreateTopicRequestHeader {
  topic: string;
  defaultTopic: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  /** `SINGLE_TAG` or `MULTI_TAG`. */
  topicFilterType: string;
  topicSysFlag?: number;
  order: boolean;
  /** JSON object of topic attributes (5.x). */
  attributes?: string;
  force?: boolean;
}

export const CreateTopicRequestHeader = defineHeader<CreateTopicRequestHeader>('CreateTopicRequestHeader', {
  topic: { type: 'string', required: true },
  defaultTopic: { type: 'string', required: true },
  readQueueNums: { type: 'int', required: true },
  writeQueueNums: { type: 'int', required: true },
  perm: { type: 'int', required: true },
  topicFilterType: { type: 'string', required: true },
  topicSysFlag: { type: 'int', required: false },
  order: { type: 'bool', required: true },
  attributes: { type: 'string', required: false },
  force: { type: 'bool', required: false },
});

export interface TopicRequestHeader {
  topic: string;
}

/** DELETE_TOPIC_IN_BROKER (215). */
export const DeleteTopicRequestHeader = defineHeader<TopicRequestHeader>('DeleteTopicRequestHeader', {
  topic: { type: 'string', required: true },
});

// ------------------------------------------------------------------------------------------ name server

export interface GetRouteInfoRequestHeader {
  topic: string;
  /** 5.x: ask for standard JSON (quoted map keys) whatever the version. */
  acceptStandardJsonOnly?: boolean;
}

export const GetRouteInfoRequestHeader = defineHeader<GetRouteInfoRequestHeader>('GetRouteInfoRequestHeader', {
  topic: { type: 'string', required: true },
  acceptStandardJsonOnly: { type: 'bool', required: false },
});

export interface RegisterBrokerRequestHeader {
  brokerName: string;
  /** `brokerIP1:listenPort`. */
  brokerAddr: string;
  clusterName: string;
  /** `brokerIP2:haListenPort`. */
  haServerAddr: string;
  brokerId: number;
  heartbeatTimeoutMillis?: number;
  enableActingMaster?: boolean;
  /** Body is the compressed form rather than JSON. */
  compressed?: boolean;
  /** CRC32 of the body masked to 31 bits; 0 = unchecked. */
  bodyCrc32?: number;
}

export const RegisterBrokerRequestHeader = defineHeader<RegisterBrokerRequestHeader>('RegisterBrokerRequestHeader', {
  brokerName: { type: 'string', required: true },
  brokerAddr: { type: 'string', required: true },
  clusterName: { type: 'string', required: true },
  haServerAddr: { type: 'string', required: true },
  brokerId: { type: 'long', required: true },
  heartbeatTimeoutMillis: { type: 'long', required: false },
  enableActingMaster: { type: 'bool', required: false },
  compressed: { type: 'bool', required: false },
  bodyCrc32: { type: 'int', required: false },
});

export interface RegisterBrokerResponseHeader {
  haServerAddr?: string;
  masterAddr?: string;
}

export const RegisterBrokerResponseHeader = defineHeader<RegisterBrokerResponseHeader>('RegisterBrokerResponseHeader', {
  haServerAddr: { type: 'string', required: false },
  masterAddr: { type: 'string', required: false },
});

export interface BrokerIdentityRequestHeader {
  brokerName: string;
  brokerAddr: string;
  clusterName: string;
  brokerId: number;
}

const brokerIdentitySchema = {
  brokerName: { type: 'string', required: true },
  brokerAddr: { type: 'string', required: true },
  clusterName: { type: 'string', required: true },
  brokerId: { type: 'long', required: true },
} as const;

/** UNREGISTER_BROKER (104). */
export const UnregisterBrokerRequestHeader = defineHeader<BrokerIdentityRequestHeader>(
  'UnRegisterBrokerRequestHeader',
  brokerIdentitySchema,
);

/** QUERY_DATA_VERSION (322); the body is the broker's DataVersion JSON. */
export const QueryDataVersionRequestHeader = defineHeader<BrokerIdentityRequestHeader>(
  'QueryDataVersionRequestHeader',
  brokerIdentitySchema,
);

export interface QueryDataVersionResponseHeader {
  changed: boolean;
}

export const QueryDataVersionResponseHeader = defineHeader<QueryDataVersionResponseHeader>(
  'QueryDataVersionResponseHeader',
  { changed: { type: 'bool', required: true } },
);

export interface KVConfigRequestHeader {
  namespace: string;
  key: string;
}

/** GET_KV_CONFIG (101) and DELETE_KV_CONFIG (102). */
export const KVConfigRequestHeader = defineHeader<KVConfigRequestHeader>('KVConfigRequestHeader', {
  namespace: { type: 'string', required: true },
  key: { type: 'string', required: true },
});

export interface PutKVConfigRequestHeader {
  namespace: string;
  key: string;
  value: string;
}

export const PutKVConfigRequestHeader = defineHeader<PutKVConfigRequestHeader>('PutKVConfigRequestHeader', {
  namespace: { type: 'string', required: true },
  key: { type: 'string', required: true },
  value: { type: 'string', required: true },
});

export interface GetKVConfigResponseHeader {
  value?: string;
}

export const GetKVConfigResponseHeader = defineHeader<GetKVConfigResponseHeader>('GetKVConfigResponseHeader', {
  value: { type: 'string', required: false },
});

export interface NamespaceRequestHeader {
  namespace: string;
}

/** GET_KVLIST_BY_NAMESPACE (219). */
export const GetKVListByNamespaceRequestHeader = defineHeader<NamespaceRequestHeader>(
  'GetKVListByNamespaceRequestHeader',
  { namespace: { type: 'string', required: true } },
);

export interface BrokerNameRequestHeader {
  brokerName: string;
}

/** WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327). */
export const BrokerPermRequestHeader = defineHeader<BrokerNameRequestHeader>('BrokerPermRequestHeader', {
  brokerName: { type: 'string', required: true },
});

export interface WipeWritePermOfBrokerResponseHeader {
  wipeTopicCount: number;
}

export const WipeWritePermOfBrokerResponseHeader = defineHeader<WipeWritePermOfBrokerResponseHeader>(
  'WipeWritePermOfBrokerResponseHeader',
  { wipeTopicCount: { type: 'int', required: true } },
);

export interface DeleteTopicFromNamesrvRequestHeader {
  topic: string;
  clusterName?: string;
}

export const DeleteTopicFromNamesrvRequestHeader = defineHeader<DeleteTopicFromNamesrvRequestHeader>(
  'DeleteTopicFromNamesrvRequestHeader',
  {
    topic: { type: 'string', required: true },
    clusterName: { type: 'string', required: false },
  },
);

export interface GetTopicsByClusterRequestHeader {
  cluster: string;
}

export const GetTopicsByClusterRequestHeader = defineHeader<GetTopicsByClusterRequestHeader>(
  'GetTopicsByClusterRequestHeader',
  { cluster: { type: 'string', required: true } },
);

export interface AddWritePermOfBrokerResponseHeader {
  addTopicCount: number;
}

/** ADD_WRITE_PERM_OF_BROKER (327) response. */
export const AddWritePermOfBrokerResponseHeader = defineHeader<AddWritePermOfBrokerResponseHeader>(
  'AddWritePermOfBrokerResponseHeader',
  { addTopicCount: { type: 'int', required: true } },
);

export interface BrokerHeartbeatRequestHeader {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId?: number;
  epoch?: number;
  maxOffset?: number;
  confirmOffset?: number;
  /** Java spells it `Mills` in this header. */
  heartbeatTimeoutMills?: number;
  electionPriority?: number;
}

/** BROKER_HEARTBEAT (904), 5.x: a broker's lightweight keep-alive to a name server or controller. */
export const BrokerHeartbeatRequestHeader = defineHeader<BrokerHeartbeatRequestHeader>('BrokerHeartbeatRequestHeader', {
  clusterName: { type: 'string', required: true },
  brokerAddr: { type: 'string', required: true },
  brokerName: { type: 'string', required: true },
  brokerId: { type: 'long', required: false },
  epoch: { type: 'int', required: false },
  maxOffset: { type: 'long', required: false },
  confirmOffset: { type: 'long', required: false },
  heartbeatTimeoutMills: { type: 'long', required: false },
  electionPriority: { type: 'int', required: false },
});
