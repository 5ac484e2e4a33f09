/**
 * Request and response codes of the RocketMQ remoting protocol, kept as data (STYLE.md: "errors are a
 * catalogue kept as data"). Each table row names the code, its number and what it is for; lookups go
 * both ways. The `RequestCode` / `ResponseCode` objects give typed constants (`RequestCode.SEND_MESSAGE`
 * is the literal type `10`) derived from the same rows, so a number is written down exactly once.
 *
 * Request codes and response codes are separate number spaces: 200 is both the request
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP and the response TRANSACTION_SHOULD_COMMIT.
 */
import { assert } from '../stdx';

export interface CodeInfo {
  readonly name: string;
  readonly code: number;
  /** Response codes only: a Java producer retries the send on another broker when it sees this code. */
  readonly retriable?: boolean;
  readonly description: string;
}

const REQUEST_CODE_ROWS = [
  // Broker: produce and consume.
  { name: 'SEND_MESSAGE', code: 10, description: 'send one message (long-name SendMessageRequestHeader)' },
  { name: 'PULL_MESSAGE', code: 11, description: 'pull from one consume queue; may be held for long polling' },
  { name: 'QUERY_MESSAGE', code: 12, description: 'query messages by key or unique key through the index' },
  { name: 'QUERY_BROKER_OFFSET', code: 13, description: 'query a broker offset (legacy)' },
  { name: 'QUERY_CONSUMER_OFFSET', code: 14, description: "read a group's committed offset of one queue" },
  { name: 'UPDATE_CONSUMER_OFFSET', code: 15, description: "commit a group's offset of one queue (usually oneway)" },
  { name: 'UPDATE_AND_CREATE_TOPIC', code: 17, description: 'admin: create or update a topic on a broker' },
  { name: 'UPDATE_AND_CREATE_TOPIC_LIST', code: 18, description: 'admin: create or update several topics (5.x)' },
  { name: 'GET_ALL_TOPIC_CONFIG', code: 21, description: 'all topic configs of a broker (slave sync, admin)' },
  { name: 'UPDATE_BROKER_CONFIG', code: 25, description: 'admin: change broker config' },
  { name: 'GET_BROKER_CONFIG', code: 26, description: 'admin: read broker config' },
  { name: 'GET_BROKER_RUNTIME_INFO', code: 28, description: 'broker runtime statistics (exporters, dashboards)' },
  { name: 'SEARCH_OFFSET_BY_TIMESTAMP', code: 29, description: 'queue offset of the first message stored at or after a time' },
  { name: 'GET_MAX_OFFSET', code: 30, description: 'max (next) queue offset of a consume queue' },
  { name: 'GET_MIN_OFFSET', code: 31, description: 'min queue offset of a consume queue' },
  { name: 'GET_EARLIEST_MSG_STORETIME', code: 32, description: 'store time of the oldest message in a queue' },
  { name: 'VIEW_MESSAGE_BY_ID', code: 33, description: 'read one message by commit-log offset' },
  { name: 'HEART_BEAT', code: 34, description: 'client heartbeat: producer and consumer groups, subscriptions' },
  { name: 'UNREGISTER_CLIENT', code: 35, description: 'client leaves a producer or consumer group' },
  { name: 'CONSUMER_SEND_MSG_BACK', code: 36, description: 'consumer returns a message for retry or DLQ' },
  { name: 'END_TRANSACTION', code: 37, description: 'producer commits or rolls back a half message (usually oneway)' },
  { name: 'GET_CONSUMER_LIST_BY_GROUP', code: 38, description: 'client ids of a consumer group (rebalance input)' },
  { name: 'CHECK_TRANSACTION_STATE', code: 39, description: 'broker to producer, oneway: ask for a transaction outcome' },
  { name: 'NOTIFY_CONSUMER_IDS_CHANGED', code: 40, description: 'broker to consumer, oneway: group membership changed' },
  { name: 'LOCK_BATCH_MQ', code: 41, description: 'orderly consumption: lock queues' },
  { name: 'UNLOCK_BATCH_MQ', code: 42, description: 'orderly consumption: unlock queues' },
  { name: 'GET_ALL_CONSUMER_OFFSET', code: 43, description: 'all consumer offsets (slave sync)' },
  { name: 'GET_ALL_DELAY_OFFSET', code: 45, description: 'schedule-topic progress (slave sync)' },
  { name: 'CHECK_CLIENT_CONFIG', code: 46, description: 'validate a subscription expression (SQL92)' },
  { name: 'GET_CLIENT_CONFIG', code: 47, description: 'client config (5.x)' },
  // Name server.
  { name: 'PUT_KV_CONFIG', code: 100, description: 'name server: store a namespaced key/value' },
  { name: 'GET_KV_CONFIG', code: 101, description: 'name server: read a namespaced key/value' },
  { name: 'DELETE_KV_CONFIG', code: 102, description: 'name server: delete a namespaced key/value' },
  { name: 'REGISTER_BROKER', code: 103, description: 'broker registers (and re-registers every 30 s) with a name server' },
  { name: 'UNREGISTER_BROKER', code: 104, description: 'broker leaves a name server' },
  { name: 'GET_ROUTEINFO_BY_TOPIC', code: 105, description: 'route of a topic: queue data and broker addresses' },
  { name: 'GET_BROKER_CLUSTER_INFO', code: 106, description: 'all brokers and clusters' },
  // Admin.
  { name: 'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP', code: 200, description: 'admin: create or update a subscription group' },
  { name: 'GET_ALL_SUBSCRIPTIONGROUP_CONFIG', code: 201, description: 'all subscription group configs' },
  { name: 'GET_TOPIC_STATS_INFO', code: 202, description: 'per-queue min/max offsets of a topic' },
  { name: 'GET_CONSUMER_CONNECTION_LIST', code: 203, description: 'connections of a consumer group' },
  { name: 'GET_PRODUCER_CONNECTION_LIST', code: 204, description: 'connections of a producer group' },
  { name: 'WIPE_WRITE_PERM_OF_BROKER', code: 205, description: 'name server: remove write permission of a broker' },
  { name: 'GET_ALL_TOPIC_LIST_FROM_NAMESERVER', code: 206, description: 'name server: every topic name' },
  { name: 'DELETE_SUBSCRIPTIONGROUP', code: 207, description: 'admin: delete a subscription group' },
  { name: 'GET_CONSUME_STATS', code: 208, description: 'consume progress of a group' },
  { name: 'DELETE_TOPIC_IN_BROKER', code: 215, description: 'admin: delete a topic on a broker' },
  { name: 'DELETE_TOPIC_IN_NAMESRV', code: 216, description: 'admin: delete a topic on a name server' },
  { name: 'REGISTER_TOPIC_IN_NAMESRV', code: 217, description: 'name server: register one topic (5.x)' },
  { name: 'GET_KVLIST_BY_NAMESPACE', code: 219, description: 'name server: every key/value of a namespace' },
  { name: 'RESET_CONSUMER_CLIENT_OFFSET', code: 220, description: 'broker to client: reset offsets' },
  { name: 'GET_CONSUMER_STATUS_FROM_CLIENT', code: 221, description: 'broker to client: consumer status' },
  { name: 'INVOKE_BROKER_TO_RESET_OFFSET', code: 222, description: 'admin to broker: reset a group offset' },
  { name: 'INVOKE_BROKER_TO_GET_CONSUMER_STATUS', code: 223, description: 'admin to broker: consumer status' },
  { name: 'GET_TOPICS_BY_CLUSTER', code: 224, description: 'name server: topics of a cluster' },
  { name: 'GET_SYSTEM_TOPIC_LIST_FROM_NS', code: 304, description: 'name server: system topics' },
  { name: 'GET_CONSUMER_RUNNING_INFO', code: 307, description: 'broker to client (admin relay): running info' },
  { name: 'CONSUME_MESSAGE_DIRECTLY', code: 309, description: 'broker to client: consume one message now' },
  { name: 'SEND_MESSAGE_V2', code: 310, description: 'send one message (single-letter header); default for Java clients' },
  { name: 'GET_UNIT_TOPIC_LIST', code: 311, description: 'name server: unit topics' },
  { name: 'GET_HAS_UNIT_SUB_TOPIC_LIST', code: 312, description: 'name server: topics with unit subscriptions' },
  { name: 'GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST', code: 313, description: 'name server: non-unit topics with unit subscriptions' },
  { name: 'VIEW_BROKER_STATS_DATA', code: 315, description: 'broker statistics (exporters)' },
  { name: 'UPDATE_NAMESRV_CONFIG', code: 318, description: 'admin: change name server config' },
  { name: 'GET_NAMESRV_CONFIG', code: 319, description: 'admin: read name server config' },
  { name: 'SEND_BATCH_MESSAGE', code: 320, description: 'send a batch (V2 header, batch body)' },
  { name: 'QUERY_DATA_VERSION', code: 322, description: 'broker asks a name server whether it must re-register' },
  { name: 'SEND_REPLY_MESSAGE', code: 324, description: 'request-reply: send the reply (long-name header)' },
  { name: 'SEND_REPLY_MESSAGE_V2', code: 325, description: 'request-reply: send the reply (single-letter header)' },
  { name: 'ADD_WRITE_PERM_OF_BROKER', code: 327, description: 'name server: restore write permission of a broker' },
  { name: 'GET_TOPIC_CONFIG', code: 351, description: 'one topic config (5.x)' },
  { name: 'GET_SUBSCRIPTIONGROUP_CONFIG', code: 352, description: 'one subscription group config (5.x)' },
  { name: 'LITE_PULL_MESSAGE', code: 361, description: 'pull for lite pull consumers (5.x, pull header)' },
  { name: 'QUERY_ASSIGNMENT', code: 400, description: 'server-side rebalance: queue assignment (5.x)' },
  { name: 'SET_MESSAGE_REQUEST_MODE', code: 401, description: 'server-side rebalance: pull or pop mode (5.x)' },
  // Broker-internal (5.x).
  { name: 'GET_BROKER_MEMBER_GROUP', code: 901, description: 'members of a broker group' },
  { name: 'ADD_BROKER', code: 902, description: 'add a broker to a container' },
  { name: 'REMOVE_BROKER', code: 903, description: 'remove a broker from a container' },
  { name: 'BROKER_HEARTBEAT', code: 904, description: 'lightweight broker heartbeat to name server or controller' },
  { name: 'NOTIFY_MIN_BROKER_ID_CHANGE', code: 905, description: 'acting master: min broker id changed' },
  { name: 'EXCHANGE_BROKER_HA_INFO', code: 906, description: 'HA: exchange master address and offsets' },
  { name: 'GET_BROKER_HA_STATUS', code: 907, description: 'HA: replication status' },
  { name: 'RESET_MASTER_FLUSH_OFFSET', code: 908, description: 'HA: reset the master flush offset' },
  // Controller (5.x).
  { name: 'CONTROLLER_ALTER_SYNC_STATE_SET', code: 1001, description: 'controller: change the in-sync replica set' },
  { name: 'CONTROLLER_ELECT_MASTER', code: 1002, description: 'controller: elect a master' },
  { name: 'CONTROLLER_REGISTER_BROKER', code: 1003, description: 'controller: register a broker' },
  { name: 'CONTROLLER_GET_REPLICA_INFO', code: 1004, description: 'controller: replica info of a broker group' },
  { name: 'CONTROLLER_GET_METADATA_INFO', code: 1005, description: 'controller: controller metadata' },
  { name: 'CONTROLLER_GET_SYNC_STATE_DATA', code: 1006, description: 'controller: sync state sets' },
  { name: 'GET_BROKER_EPOCH_CACHE', code: 1007, description: 'controller: epoch entries of a broker' },
  { name: 'NOTIFY_BROKER_ROLE_CHANGED', code: 1008, description: 'controller to broker: role changed' },
  { name: 'UPDATE_CONTROLLER_CONFIG', code: 1009, description: 'admin: change controller config' },
  { name: 'GET_CONTROLLER_CONFIG', code: 1010, description: 'admin: read controller config' },
  { name: 'CLEAN_BROKER_DATA', code: 1011, description: 'controller: forget a broker' },
  { name: 'CONTROLLER_GET_NEXT_BROKER_ID', code: 1012, description: 'controller: next free broker id' },
  { name: 'CONTROLLER_APPLY_BROKER_ID', code: 1013, description: 'controller: claim a broker id' },
  // Pop consumption (5.x); codes above 32767 only fit JSON headers.
  { name: 'POP_MESSAGE', code: 200050, description: 'pop consumption: pop messages' },
  { name: 'ACK_MESSAGE', code: 200051, description: 'pop consumption: acknowledge' },
  { name: 'PEEK_MESSAGE', code: 200052, description: 'pop consumption: peek' },
  { name: 'CHANGE_MESSAGE_INVISIBLETIME', code: 200053, description: 'pop consumption: extend invisibility' },
  { name: 'NOTIFICATION', code: 200054, description: 'pop consumption: wait for messages' },
  { name: 'POLLING_INFO', code: 200055, description: 'pop consumption: polling statistics' },
  { name: 'POP_ROLLBACK', code: 200056, description: 'pop consumption: roll back' },
  { name: 'BATCH_ACK_MESSAGE', code: 200151, description: 'pop consumption: acknowledge a batch' },
] as const satisfies readonly CodeInfo[];

const RESPONSE_CODE_ROWS = [
  { name: 'SUCCESS', code: 0, description: 'the request succeeded' },
  { name: 'SYSTEM_ERROR', code: 1, retriable: true, description: 'unexpected server-side failure; the remark says what' },
  { name: 'SYSTEM_BUSY', code: 2, retriable: true, description: 'flow control: the server sheds load, try again later' },
  { name: 'REQUEST_CODE_NOT_SUPPORTED', code: 3, description: 'the server has no processor for this request code' },
  { name: 'TRANSACTION_FAILED', code: 4, description: 'the transaction could not be completed' },
  { name: 'FLUSH_DISK_TIMEOUT', code: 10, description: 'stored, but the synchronous flush did not finish in time' },
  { name: 'SLAVE_NOT_AVAILABLE', code: 11, description: 'stored, but no in-sync slave to replicate to' },
  { name: 'FLUSH_SLAVE_TIMEOUT', code: 12, description: 'stored, but slaves did not confirm in time' },
  { name: 'MESSAGE_ILLEGAL', code: 13, description: 'message rejected: body, topic or properties too large or invalid' },
  { name: 'SERVICE_NOT_AVAILABLE', code: 14, retriable: true, description: 'broker cannot serve: slave, shutting down or store not writable' },
  { name: 'VERSION_NOT_SUPPORTED', code: 15, description: 'the client version is not supported' },
  { name: 'NO_PERMISSION', code: 16, retriable: true, description: 'operation not permitted on this broker, topic or group' },
  { name: 'TOPIC_NOT_EXIST', code: 17, retriable: true, description: 'the topic does not exist and cannot be auto-created' },
  { name: 'TOPIC_EXIST_ALREADY', code: 18, description: 'the topic exists already' },
  { name: 'PULL_NOT_FOUND', code: 19, description: 'no new message at the requested offset' },
  { name: 'PULL_RETRY_IMMEDIATELY', code: 20, description: 'entries scanned but none matched; pull again from nextBeginOffset' },
  { name: 'PULL_OFFSET_MOVED', code: 21, description: 'requested offset is out of range; continue at nextBeginOffset' },
  { name: 'QUERY_NOT_FOUND', code: 22, description: 'nothing found (offset query, message query)' },
  { name: 'SUBSCRIPTION_PARSE_FAILED', code: 23, description: 'the subscription expression does not parse' },
  { name: 'SUBSCRIPTION_NOT_EXIST', code: 24, description: 'no subscription registered for the group and topic' },
  { name: 'SUBSCRIPTION_NOT_LATEST', code: 25, description: 'the pull carries a newer subscription version than registered' },
  { name: 'SUBSCRIPTION_GROUP_NOT_EXIST', code: 26, description: 'the subscription group does not exist' },
  { name: 'FILTER_DATA_NOT_EXIST', code: 27, description: 'filter data missing' },
  { name: 'FILTER_DATA_NOT_LATEST', code: 28, description: 'filter data stale' },
  { name: 'INVALID_PARAMETER', code: 29, description: 'a request parameter is invalid' },
  { name: 'TRANSACTION_SHOULD_COMMIT', code: 200, description: 'transaction check answer: commit' },
  { name: 'TRANSACTION_SHOULD_ROLLBACK', code: 201, description: 'transaction check answer: roll back' },
  { name: 'TRANSACTION_STATE_UNKNOW', code: 202, description: 'transaction check answer: unknown yet' },
  { name: 'TRANSACTION_STATE_GROUP_WRONG', code: 203, description: 'transaction check: wrong producer group' },
  { name: 'NO_BUYER_ID', code: 204, retriable: true, description: 'unit routing: no buyer id' },
  { name: 'NOT_IN_CURRENT_UNIT', code: 205, retriable: true, description: 'unit routing: not in the current unit' },
  { name: 'CONSUMER_NOT_ONLINE', code: 206, description: 'the consumer is not connected' },
  { name: 'CONSUME_MSG_TIMEOUT', code: 207, description: 'direct consumption timed out' },
  { name: 'NO_MESSAGE', code: 208, description: 'pop consumption: no message' },
  // In 4.9.x, 209-211 were the ACL failures UPDATE_AND_CREATE_ACL_CONFIG_FAILED, DELETE_ACL_CONFIG_FAILED
  // and UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED; we use the 5.x names.
  { name: 'POLLING_FULL', code: 209, description: 'pop polling queue full (4.9.x: ACL config update failed)' },
  { name: 'POLLING_TIMEOUT', code: 210, description: 'pop polling timed out (4.9.x: ACL config delete failed)' },
  { name: 'BROKER_NOT_EXIST', code: 211, description: 'the broker does not exist (4.9.x: white list update failed)' },
  { name: 'BROKER_DISPATCH_NOT_COMPLETE', code: 212, description: 'dispatch to consume queues not complete' },
  { name: 'BROADCAST_CONSUMPTION', code: 213, description: 'operation not valid for broadcast consumption' },
  { name: 'FLOW_CONTROL', code: 215, description: 'flow control' },
  { name: 'NOT_LEADER_FOR_QUEUE', code: 501, description: 'static topic: this broker does not lead the queue' },
  { name: 'ILLEGAL_OPERATION', code: 604, description: 'operation not allowed' },
  { name: 'GO_AWAY', code: 1500, retriable: true, description: 'the server is going away; reconnect elsewhere' },
  { name: 'CONTROLLER_FENCED_MASTER_EPOCH', code: 2000, description: 'controller: master epoch is stale' },
  { name: 'CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH', code: 2001, description: 'controller: sync-state-set epoch is stale' },
  { name: 'CONTROLLER_INVALID_MASTER', code: 2002, description: 'controller: invalid master' },
  { name: 'CONTROLLER_INVALID_REPLICAS', code: 2003, description: 'controller: invalid replicas' },
  { name: 'CONTROLLER_MASTER_NOT_AVAILABLE', code: 2004, description: 'controller: no master available' },
  { name: 'CONTROLLER_INVALID_REQUEST', code: 2005, description: 'controller: invalid request' },
  { name: 'CONTROLLER_BROKER_NOT_ALIVE', code: 2006, description: 'controller: broker not alive' },
  { name: 'CONTROLLER_NOT_LEADER', code: 2007, description: 'controller: not the controller leader' },
  { name: 'CONTROLLER_BROKER_METADATA_NOT_EXIST', code: 2008, description: 'controller: no metadata for the broker' },
  { name: 'CONTROLLER_INVALID_CLEAN_BROKER_METADATA', code: 2009, description: 'controller: cannot clean broker metadata' },
  { name: 'CONTROLLER_BROKER_NEED_TO_BE_REGISTERED', code: 2010, description: 'controller: broker must register first' },
  { name: 'CONTROLLER_MASTER_STILL_EXIST', code: 2011, description: 'controller: a master still exists' },
  { name: 'CONTROLLER_ELECT_MASTER_FAILED', code: 2012, description: 'controller: election failed' },
  { name: 'CONTROLLER_ALTER_SYNC_STATE_SET_FAILED', code: 2013, description: 'controller: in-sync set change failed' },
  { name: 'CONTROLLER_BROKER_ID_INVALID', code: 2014, description: 'controller: invalid broker id' },
  { name: 'CONTROLLER_JRAFT_INTERNAL_ERROR', code: 2015, description: 'controller: raft internal error' },
  { name: 'CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS', code: 2016, description: 'controller: no liveness info for the broker' },
  { name: 'USER_NOT_EXIST', code: 3001, description: 'auth: user does not exist' },
  { name: 'POLICY_NOT_EXIST', code: 3002, description: 'auth: policy does not exist' },
  // Client-local outcomes that never cross the wire; kept so a client can report them with the same table.
  { name: 'RPC_UNKNOWN', code: -1000, description: 'client-local: unknown remoting failure' },
  { name: 'RPC_ADDR_IS_NULL', code: -1002, description: 'client-local: no address to send to' },
  { name: 'RPC_SEND_TO_CHANNEL_FAILED', code: -1004, description: 'client-local: writing the request failed' },
  { name: 'RPC_TIME_OUT', code: -1006, description: 'client-local: no response in time' },
] as const satisfies readonly CodeInfo[];

type CodeObject<Rows extends readonly CodeInfo[]> = { readonly [Row in Rows[number] as Row['name']]: Row['code'] };

/** Indexes rows both ways and checks that names and numbers are unique (a table typo is a programmer error). */
class CodeTable<Rows extends readonly CodeInfo[]> {
  readonly byName: CodeObject<Rows>;
  private readonly rowsByCode = new Map<number, CodeInfo>();
  private readonly rowsByName = new Map<string, CodeInfo>();

  constructor(readonly kind: string, readonly rows: Rows) {
    const byName: Record<string, number> = {};
    for (const row of rows) {
      assert(Number.isInteger(row.code), `${kind} code ${row.name} is not an integer`);
      assert(!this.rowsByCode.has(row.code), `${kind} code ${row.code} is listed twice`);
      assert(!this.rowsByName.has(row.name), `${kind} code name ${row.name} is listed twice`);
      this.rowsByCode.set(row.code, row);
      this.rowsByName.set(row.name, row);
      byName[row.name] = row.code;
    }
    this.byName = Object.freeze(byName) as CodeObject<Rows>;
  }

  info(code: number): CodeInfo | undefined {
    return this.rowsByCode.get(code);
  }

  infoByName(name: string): CodeInfo | undefined {
    return this.rowsByName.get(name);
  }

  /** Name for logs and remarks; unknown codes print as `UNKNOWN(<n>)` rather than failing. */
  nameOf(code: number): string {
    return this.rowsByCode.get(code)?.name ?? `UNKNOWN(${code})`;
  }
}

const requestTable = new CodeTable('request', REQUEST_CODE_ROWS);
const responseTable = new CodeTable('response', RESPONSE_CODE_ROWS);

export const REQUEST_CODES: readonly CodeInfo[] = REQUEST_CODE_ROWS;
export const RESPONSE_CODES: readonly CodeInfo[] = RESPONSE_CODE_ROWS;

/** Typed request code constants: `RequestCode.PULL_MESSAGE === 11`. */
export const RequestCode = requestTable.byName;
export type RequestCodeName = keyof typeof RequestCode;

/** Typed response code constants: `ResponseCode.PULL_NOT_FOUND === 19`. */
export const ResponseCode = responseTable.byName;
export type ResponseCodeName = keyof typeof ResponseCode;

export function requestCodeInfo(code: number): CodeInfo | undefined {
  return requestTable.info(code);
}

export function requestCodeByName(name: string): CodeInfo | undefined {
  return requestTable.infoByName(name);
}

export function requestCodeName(code: number): string {
  return requestTable.nameOf(code);
}

export function responseCodeInfo(code: number): CodeInfo | undefined {
  return responseTable.info(code);
}

export function responseCodeByName(name: string): CodeInfo | undefined {
  return responseTable.infoByName(name);
}

export function responseCodeName(code: number): string {
  return responseTable.nameOf(code);
}

/** Whether a Java producer would retry a send that got this response code on another broker. */
export function isRetriableResponseCode(code: number): boolean {
  return responseTable.info(code)?.retriable === true;
}

/** Sender language: the JSON header carries the name, the ROCKETMQ binary header the number. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;
export type LanguageName = keyof typeof LanguageCode;

const languageNamesByCode = new Map<number, LanguageName>(
  (Object.keys(LanguageCode) as LanguageName[]).map((name) => [LanguageCode[name], name]),
);

/** Language name of a binary-header language byte; unknown bytes read as OTHER (Java would yield null). */
export function languageName(code: number): LanguageName {
  return languageNamesByCode.get(code) ?? 'OTHER';
}

/** Binary-header byte of a language name; names we do not know are sent as OTHER. */
export function languageCodeOf(name: string): number {
  return Object.prototype.hasOwnProperty.call(LanguageCode, name) ? LanguageCode[name as LanguageName] : LanguageCode.OTHER;
}

/** Header serialization, the high byte of the frame's header-length word. */
export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeTypeName = keyof typeof SerializeType;
export type SerializeTypeCode = (typeof SerializeType)[SerializeTypeName];

/**
 * `MQVersion.Version` ordinals that matter on the wire. A name server answers requests with
 * version >= V4_9_4 with standard JSON (quoted map keys); older versions get fastjson's form.
 */
export const MQVersion = { V4_0_0: 213, V4_9_4: 401, V4_9_8: 409, V5_0_0: 413, V5_3_3: 479 } as const;
