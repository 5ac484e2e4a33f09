import {
  dlqTopicOf, isDlqTopic, isNotAllowedSendTopic, isRetryTopic, isSystemTopic, retryTopicOf, validateGroupName, validateTopicName,
} from './topic';

describe('topic and group names', () => {
  it('accepts RocketMQ charset names up to 127 chars', () => {
    expect(validateTopicName('TopicTest').ok).toBe(true);
    expect(validateTopicName('a%b|c_d-E9').ok).toBe(true);
    expect(validateTopicName('t'.repeat(127)).ok).toBe(true);
  });

  it('rejects empty, over-long and illegal names, citing the rule', () => {
    const empty = validateTopicName('');
    expect(!empty.ok && empty.error).toMatch(/empty/);
    const long = validateTopicName('t'.repeat(128));
    expect(!long.ok && long.error).toMatch(/127/);
    for (const bad of ['a b', 'a.b', 'a/b', 'ä', 'a\u0001', 'a:b']) {
      const r = validateTopicName(bad);
      expect(!r.ok && r.error).toContain('^[%|a-zA-Z0-9_-]+$');
    }
  });

  it('allows retry and DLQ topics up to 255 chars', () => {
    expect(validateTopicName(retryTopicOf('g'.repeat(248))).ok).toBe(true);
    expect(validateTopicName(dlqTopicOf('g'.repeat(250))).ok).toBe(true);
    expect(validateTopicName(retryTopicOf('g'.repeat(249))).ok).toBe(false);
  });

  it('validates groups with the same charset up to 255 chars', () => {
    expect(validateGroupName('CID_group-1').ok).toBe(true);
    expect(validateGroupName('g'.repeat(255)).ok).toBe(true);
    expect(validateGroupName('g'.repeat(256)).ok).toBe(false);
    expect(validateGroupName('bad group').ok).toBe(false);
    expect(validateGroupName('').ok).toBe(false);
  });

  it('builds and recognises retry and DLQ topics', () => {
    expect(retryTopicOf('cg')).toBe('%RETRY%cg');
    expect(dlqTopicOf('cg')).toBe('%DLQ%cg');
    expect(isRetryTopic('%RETRY%cg')).toBe(true);
    expect(isDlqTopic('%DLQ%cg')).toBe(true);
    expect(isRetryTopic('%DLQ%cg')).toBe(false);
    expect(isDlqTopic('TopicTest')).toBe(false);
  });

  it('knows RocketMQ system topics', () => {
    for (const t of ['TBW102', 'SCHEDULE_TOPIC_XXXX', 'BenchmarkTest', 'RMQ_SYS_TRANS_HALF_TOPIC', 'RMQ_SYS_TRACE_TOPIC', 'RMQ_SYS_TRANS_OP_HALF_TOPIC', 'TRANS_CHECK_MAX_TIME_TOPIC', 'SELF_TEST_TOPIC', 'OFFSET_MOVED_EVENT', 'rmq_sys_anything']) {
      expect(isSystemTopic(t)).toBe(true);
    }
    expect(isSystemTopic('TopicTest')).toBe(false);
    expect(isSystemTopic('%RETRY%cg')).toBe(false);
    expect(isNotAllowedSendTopic('SCHEDULE_TOPIC_XXXX')).toBe(true);
    expect(isNotAllowedSendTopic('TBW102')).toBe(false);
  });
});
