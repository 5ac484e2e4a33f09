import { DEFAULT_BODY, generatedBody, planSend } from './send-plan';

const noFile = () => {
  throw new Error('ENOENT: no such file');
};

describe('planSend', () => {
  test('defaults: one message with a greeting body', () => {
    const plan = planSend('T', {}, noFile);
    expect(plan.count).toBe(1);
    expect(plan.concurrency).toBe(1);
    const m = plan.message(0);
    expect(m.topic).toBe('T');
    expect(Buffer.from(m.body as Buffer).toString()).toBe(DEFAULT_BODY);
    expect(m).not.toHaveProperty('tags');
    expect(m).not.toHaveProperty('keys');
  });

  test('--keys with {i} gives each message its own key; several keys split on spaces', () => {
    const plan = planSend('T', { keys: 'order-{i} batch7', count: '3', tags: 'TagA' }, noFile);
    expect(plan.message(2)).toMatchObject({ tags: 'TagA', keys: ['order-2', 'batch7'] });
    expect(plan.concurrency).toBe(3);
  });

  test('--size generates a printable body of that many bytes; --file reads one', () => {
    const plan = planSend('T', { size: '1k', count: '100', concurrency: '8' }, noFile);
    expect(plan.bodyBytes).toBe(1024);
    expect(plan.concurrency).toBe(8);
    expect(generatedBody(40).toString()).toBe('0123456789abcdefghijklmnopqrstuvwxyz0123');
    const fromFile = planSend('T', { file: '/x' }, () => Buffer.from('filebody'));
    expect(Buffer.from(fromFile.message(0).body as Buffer).equals(Buffer.from('filebody'))).toBe(true);
  });

  test('properties and delay level are passed through', () => {
    const m = planSend('T', { property: ['a=1', 'b=x=y'], delayLevel: '3' }, noFile).message(0);
    expect(m.properties).toEqual({ a: '1', b: 'x=y' });
    expect(m.delayLevel).toBe(3);
  });

  test('usage errors: two body sources, an empty body, a missing file, bad numbers', () => {
    expect(() => planSend('T', { body: 'a', size: '3' }, noFile)).toThrow('use only one of --body, --file and --size');
    expect(() => planSend('T', { body: '' }, noFile)).toThrow(/empty/);
    expect(() => planSend('T', { file: '/nope' }, noFile)).toThrow('--file /nope: ENOENT: no such file');
    expect(() => planSend('T', { count: '0' }, noFile)).toThrow(/--count must be an integer/);
    expect(() => planSend('T', { size: '5g' }, noFile)).toThrow(/--size must be a size/);
    expect(() => planSend('T', { delayLevel: '19' }, noFile)).toThrow(/--delay-level/);
    expect(() => planSend('T', { property: ['novalue'] }, noFile)).toThrow(/key=value/);
  });
});
