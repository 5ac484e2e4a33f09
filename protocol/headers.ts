/**
 * Broker request and response headers (FACTS 4, 6): send, pull, offsets, queries, client management,
 * transactions and topic admin. Field names are the Java header-class field names, which are the
 * `extFields` keys on the wire. Required fields are the ones Java marks non-null: a response must carry
 * all of them or Java clients fail to decode it.
 */
import type { Result } from '../stdx';
import { err } from '../stdx';
import { RequestCode } from './codes';
import { defineHeader } from './header-schema';

// ---------------------------------------------------------------------------------------------- send

/** SEND_MESSAGE (10) and SEND_REPLY_MESSAGE (324) header; also the decoded form of the V2 header. */
export interface SendMessageRequestHeader {
  producerGroup: string;
  topic: string;
  /** Auto-create template topic, normally TBW102. */
  defaultTopic: string;
  defaultTopicQueueNums: number;
  /** Negative: the broker picks a writable queue. */
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  /** User flag. */
  flag: number;
  /** Properties in 0x01/0x02 form. */
  properties?: string;
  reconsumeTimes?: number;
  unitMode?: boolean;
  batch?: boolean;
  maxReconsumeTimes?: number;
  brokerName?: string;
}

export const SendMessageRequestHeader = defineHeader<SendMessageRequestHeader>('SendMessageRequestHeader', {
  producerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  defaultTopic: { type: 'string', required: true },
  defaultTopicQueueNums: { type: 'int', required: true },
  queueId: { type: 'int', required: true },
  sysFlag: { type: 'int', required: true },
  bornTimestamp: { type: 'long', required: true },
  flag: { type: 'int', required: true },
  properties: { type: 'string', required: false },
  reconsumeTimes: { type: 'int', required: false },
  unitMode: { type: 'bool', required: false },
  batch: { type: 'bool', required: false },
  maxReconsumeTimes: { type: 'int', required: false },
  brokerName: { type: 'string', required: false },
});

/** SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320), SEND_REPLY_MESSAGE_V2 (325): one-letter keys (FACTS 4.1). */
export interface SendMessageRequestHeaderV2 {
  a: string;
  b: string;
  c: string;
  d: number;
  e: number;
  f: number;
  g: number;
  h: number;
  i?: string;
  j?: number;
  k?: boolean;
  l?: number;
  m?: boolean;
  n?: string;
}

/** V2 letter -> V1 field name. */
export const SEND_V2_FIELD_NAMES = {
  a: 'producerGroup',
  b: 'topic',
  c: 'defaultTopic',
  d: 'defaultTopicQueueNums',
  e: 'queueId',
  f: 'sysFlag',
  g: 'bornTimestamp',
  h: 'flag',
  i: 'properties',
  j: 'reconsumeTimes',
  k: 'unitMode',
  l: 'maxReconsumeTimes',
  m: 'batch',
  n: 'brokerName',
} as const satisfies { readonly [K in keyof SendMessageRequestHeaderV2]-?: keyof SendMessageRequestHeader };

export const SendMessageRequestHeaderV2 = defineHeader<SendMessageRequestHeaderV2>(
  'SendMessageRequestHeaderV2',
  {
    a: { type: 'string', required: true },
    b: { type: 'string', required: true },
    c: { type: 'string', required: true },
    d: { type: 'int', required: true },
    e: { type: 'int', required: true },
    f: { type: 'int', required: true },
    g: { type: 'long', required: true },
    h: { type: 'int', required: true },
    i: { type: 'string', required: false },
    j: { type: 'int', required: false },
    k: { type: 'bool', required: false },
    l: { type: 'int', required: false },
    m: { type: 'bool', required: false },
    n: { type: 'string', required: false },
  },
  SEND_V2_FIELD_NAMES,
);

export function sendHeaderFromV2(v2: SendMessageRequestHeaderV2): SendMessageRequestHeader {
  const out: Record<string, unknown> = {};
  for (const [letter, name] of Object.entries(SEND_V2_FIELD_NAMES)) {
    const value = (v2 as unknown as Record<string, unknown>)[letter];
    if (value !== undefined) out[name] = value;
  }
  return out as unknown as SendMessageRequestHeader;
}

export function sendHeaderToV2(header: SendMessageRequestHeader): SendMessageRequestHeaderV2 {
  const out: Record<string, unknown> = {};
  for (const [letter, name] of Object.entries(SEND_V2_FIELD_NAMES)) {
    const value = (header as unknown as Record<string, unknown>)[name];
    if (value !== undefined) out[letter] = value;
  }
  return out as unknown as SendMessageRequestHeaderV2;
}

/** Reads the send header of any send request code, whichever header form that code uses. */
export function parseSendMessageRequest(
  code: number,
  extFields: Readonly<Record<string, string>> | undefined,
): Result<SendMessageRequestHeader, string> {
  switch (code) {
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE_V2: {
      const v2 = SendMessageRequestHeaderV2.parse(extFields);
      return v2.ok ? { ok: true, value: sendHeaderFromV2(v2.value) } : v2;
    }
    case RequestCode.SEND_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE:
      return SendMessageRequestHeader.parse(extFields);
    default:
      return err(`request code ${code} is not a send request`);
  }
}

export interface SendMessageResponseHeader {
  /** Offset message id (comma-separated for batches). */
  msgId: string;
  queueId: number;
  /** First queue offset for batches. */
  queueOffset: number;
  /** The message's UNIQ_KEY. */
  transactionId?: string;
  batchUniqId?: string;
  recallHandle?: string;
  /** Not a header-class field: ext fields the Java broker adds to every send response. */
  MSG_REGION?: string;
  TRACE_ON?: string;
}

export const SendMessageResponseHeader = defineHeader<SendMessageResponseHeader>('SendMessageResponseHeader', {
  msgId: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  queueOffset: { type: 'long', required: true },
  transactionId: { type: 'string', required: false },
  batchUniqId: { type: 'string', required: false },
  recallHandle: { type: 'string', required: false },
  MSG_REGION: { type: 'string', required: false },
  TRACE_ON: { type: 'string', required: false },
});

// ---------------------------------------------------------------------------------------------- pull

/** Bits of `PullMessageRequestHeader.sysFlag`. */
export const PullSysFlag = { COMMIT_OFFSET: 1, SUSPEND: 2, SUBSCRIPTION: 4, CLASS_FILTER: 8, LITE_PULL: 16 } as const;

export interface PullMessageRequestHeader {
  consumerGroup: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums: number;
  sysFlag: number;
  commitOffset: number;
  suspendTimeoutMillis: number;
  subscription?: string;
  subVersion: number;
  expressionType?: string;
  maxMsgBytes?: number;
}

export const PullMessageRequestHeader = defineHeader<PullMessageRequestHeader>('PullMessageRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  queueOffset: { type: 'long', required: true },
  maxMsgNums: { type: 'int', required: true },
  sysFlag: { type: 'int', required: true },
  commitOffset: { type: 'long', required: true },
  suspendTimeoutMillis: { type: 'long', required: true },
  subscription: { type: 'string', required: false },
  subVersion: { type: 'long', required: true },
  expressionType: { type: 'string', required: false },
  maxMsgBytes: { type: 'int', required: false },
});

export interface PullMessageResponseHeader {
  suggestWhichBrokerId: number;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  offsetDelta?: number;
  topicSysFlag?: number;
  groupSysFlag?: number;
  forbiddenType?: number;
}

export const PullMessageResponseHeader = defineHeader<PullMessageResponseHeader>('PullMessageResponseHeader', {
  suggestWhichBrokerId: { type: 'long', required: true },
  nextBeginOffset: { type: 'long', required: true },
  minOffset: { type: 'long', required: true },
  maxOffset: { type: 'long', required: true },
  offsetDelta: { type: 'long', required: false },
  topicSysFlag: { type: 'int', required: false },
  groupSysFlag: { type: 'int', required: false },
  forbiddenType: { type: 'int', required: false },
});

// --------------------------------------------------------------------------------------------- offsets

export interface QueryConsumerOffsetRequestHeader {
  consumerGroup: string;
  topic: string;
  queueId: number;
  setZeroIfNotFound?: boolean;
}

export const QueryConsumerOffsetRequestHeader = defineHeader<QueryConsumerOffsetRequestHeader>(
  'QueryConsumerOffsetRequestHeader',
  {
    consumerGroup: { type: 'string', required: true },
    topic: { type: 'string', required: true },
    queueId: { type: 'int', required: true },
    setZeroIfNotFound: { type: 'bool', required: false },
  },
);

export interface UpdateConsumerOffsetRequestHeader {
  consumerGroup: string;
  topic: string;
  queueId: number;
  commitOffset: number;
}

export const UpdateConsumerOffsetRequestHeader = defineHeader<UpdateConsumerOffsetRequestHeader>(
  'UpdateConsumerOffsetRequestHeader',
  {
    consumerGroup: { type: 'string', required: true },
    topic: { type: 'string', required: true },
    queueId: { type: 'int', required: true },
    commitOffset: { type: 'long', required: true },
  },
);

export interface GetMaxOffsetRequestHeader {
  topic: string;
  queueId: number;
  /** 5.x: only count offsets replicated to in-sync slaves; Java's default is true. */
  committed?: boolean;
}

export const GetMaxOffsetRequestHeader = defineHeader<GetMaxOffsetRequestHeader>('GetMaxOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  committed: { type: 'bool', required: false },
});

export interface TopicQueueRequestHeader {
  topic: string;
  queueId: number;
}

/** GET_MIN_OFFSET (31) request. */
export const GetMinOffsetRequestHeader = defineHeader<TopicQueueRequestHeader>('GetMinOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
});

/** GET_EARLIEST_MSG_STORETIME (32) request. */
export const GetEarliestMsgStoretimeRequestHeader = defineHeader<TopicQueueRequestHeader>(
  'GetEarliestMsgStoretimeRequestHeader',
  {
    topic: { type: 'string', required: true },
    queueId: { type: 'int', required: true },
  },
);

export interface SearchOffsetRequestHeader {
  topic: string;
  queueId: number;
  timestamp: number;
  /** 5.x: `lower` or `upper` when several messages share the timestamp. */
  boundaryType?: string;
}

export const SearchOffsetRequestHeader = defineHeader<SearchOffsetRequestHeader>('SearchOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  timestamp: { type: 'long', required: true },
  boundaryType: { type: 'string', required: false },
});

/** The response of QUERY_CONSUMER_OFFSET, GET_MAX_OFFSET, GET_MIN_OFFSET and SEARCH_OFFSET_BY_TIMESTAMP. */
export interface OffsetResponseHeader {
  offset: number;
}

export const OffsetResponseHeader = defineHeader<OffsetResponseHeader>('OffsetResponseHeader', {
  offset: { type: 'long', required: true },
});

export interface GetEarliestMsgStoretimeResponseHeader {
  timestamp: number;
}

export const GetEarliestMsgStoretimeResponseHeader = defineHeader<GetEarliestMsgStoretimeResponseHeader>(
  'GetEarliestMsgStoretimeResponseHeader',
  { timestamp: { type: 'long', required: true } },
);
