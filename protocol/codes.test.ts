import {
  LanguageCode,
  REQUEST_CODES,
  RESPONSE_CODES,
  RequestCode,
  ResponseCode,
  isRetriableResponseCode,
  languageCodeOf,
  languageName,
  requestCodeByName,
  requestCodeInfo,
  requestCodeName,
  responseCodeByName,
  responseCodeInfo,
  responseCodeName,
} from './codes';

describe('code tables', () => {
  test('hold the request codes the broker and name server speak (FACTS 3.4)', () => {
    const expected: Record<string, number> = {
      SEND_MESSAGE: 10, PULL_MESSAGE: 11, QUERY_MESSAGE: 12, QUERY_BROKER_OFFSET: 13, QUERY_CONSUMER_OFFSET: 14,
      UPDATE_CONSUMER_OFFSET: 15, UPDATE_AND_CREATE_TOPIC: 17, GET_ALL_TOPIC_CONFIG: 21, GET_BROKER_RUNTIME_INFO: 28,
      SEARCH_OFFSET_BY_TIMESTAMP: 29, GET_MAX_OFFSET: 30, GET_MIN_OFFSET: 31, GET_EARLIEST_MSG_STORETIME: 32,
      VIEW_MESSAGE_BY_ID: 33, HEART_BEAT: 34, UNREGISTER_CLIENT: 35, CONSUMER_SEND_MSG_BACK: 36, END_TRANSACTION: 37,
      GET_CONSUMER_LIST_BY_GROUP: 38, CHECK_TRANSACTION_STATE: 39, NOTIFY_CONSUMER_IDS_CHANGED: 40, LOCK_BATCH_MQ: 41,
      UNLOCK_BATCH_MQ: 42, PUT_KV_CONFIG: 100, GET_KV_CONFIG: 101, DELETE_KV_CONFIG: 102, REGISTER_BROKER: 103,
      UNREGISTER_BROKER: 104, GET_ROUTEINFO_BY_TOPIC: 105, GET_BROKER_CLUSTER_INFO: 106,
      GET_ALL_TOPIC_LIST_FROM_NAMESERVER: 206, DELETE_TOPIC_IN_BROKER: 215, DELETE_TOPIC_IN_NAMESRV: 216,
      SEND_MESSAGE_V2: 310, SEND_BATCH_MESSAGE: 320, QUERY_DATA_VERSION: 322, BROKER_HEARTBEAT: 904,
      POP_MESSAGE: 200050, CONTROLLER_ELECT_MASTER: 1002,
    };
    for (const [name, code] of Object.entries(expected)) {
      expect(requestCodeByName(name)?.code).toBe(code);
      expect(requestCodeName(code)).toBe(name);
      expect((RequestCode as Record<string, number>)[name]).toBe(code);
    }
  });

  test('hold the response codes of FACTS 3.5', () => {
    const expected: Record<string, number> = {
      SUCCESS: 0, SYSTEM_ERROR: 1, SYSTEM_BUSY: 2, REQUEST_CODE_NOT_SUPPORTED: 3, TRANSACTION_FAILED: 4,
      FLUSH_DISK_TIMEOUT: 10, SLAVE_NOT_AVAILABLE: 11, FLUSH_SLAVE_TIMEOUT: 12, MESSAGE_ILLEGAL: 13,
      SERVICE_NOT_AVAILABLE: 14, VERSION_NOT_SUPPORTED: 15, NO_PERMISSION: 16, TOPIC_NOT_EXIST: 17,
      TOPIC_EXIST_ALREADY: 18, PULL_NOT_FOUND: 19, PULL_RETRY_IMMEDIATELY: 20, PULL_OFFSET_MOVED: 21,
      QUERY_NOT_FOUND: 22, SUBSCRIPTION_PARSE_FAILED: 23, SUBSCRIPTION_NOT_EXIST: 24, SUBSCRIPTION_NOT_LATEST: 25,
      SUBSCRIPTION_GROUP_NOT_EXIST: 26, INVALID_PARAMETER: 29, NO_BUYER_ID: 204, NOT_IN_CURRENT_UNIT: 205,
      NO_MESSAGE: 208, NOT_LEADER_FOR_QUEUE: 501, ILLEGAL_OPERATION: 604, GO_AWAY: 1500,
      CONTROLLER_FENCED_MASTER_EPOCH: 2000, CONTROLLER_MASTER_NOT_AVAILABLE: 2004, RPC_TIME_OUT: -1006,
    };
    for (const [name, code] of Object.entries(expected)) {
      expect(responseCodeByName(name)?.code).toBe(code);
      expect(responseCodeName(code)).toBe(name);
    }
    expect(ResponseCode.PULL_NOT_FOUND).toBe(19);
  });

  test('request and response codes are separate number spaces', () => {
    expect(requestCodeName(200)).toBe('UPDATE_AND_CREATE_SUBSCRIPTIONGROUP');
    expect(responseCodeName(200)).toBe('TRANSACTION_SHOULD_COMMIT');
  });

  test('every row has a description and unknown codes print as UNKNOWN', () => {
    for (const row of [...REQUEST_CODES, ...RESPONSE_CODES]) expect(row.description.length).toBeGreaterThan(5);
    expect(requestCodeInfo(9999)).toBeUndefined();
    expect(responseCodeInfo(9999)).toBeUndefined();
    expect(requestCodeName(9999)).toBe('UNKNOWN(9999)');
  });

  test('marks the codes on which a Java producer retries elsewhere', () => {
    const retriable = RESPONSE_CODES.filter((r) => isRetriableResponseCode(r.code)).map((r) => r.code).sort((a, b) => a - b);
    expect(retriable).toEqual([1, 2, 14, 16, 17, 204, 205, 1500]);
  });

  test('language codes map both ways', () => {
    expect(LanguageCode.JAVA).toBe(0);
    expect(LanguageCode.NODE_JS).toBe(13);
    expect(languageName(9)).toBe('GO');
    expect(languageName(200)).toBe('OTHER');
    expect(languageCodeOf('RUST')).toBe(12);
    expect(languageCodeOf('toString')).toBe(LanguageCode.OTHER);
  });
});
