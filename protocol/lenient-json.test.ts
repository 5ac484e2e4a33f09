import { parseLenientJson } from './lenient-json';

describe('parseLenientJson', () => {
  test('reads standard JSON exactly like JSON.parse', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\u0001\\n\\"y"],"b":{"c":{}}}';
    expect(parseLenientJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  test('reads fastjson bare integer map keys, top level and nested', () => {
    const text = '{0:"a",1:"b","brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"}}],-1:"neg"}';
    expect(parseLenientJson(text)).toEqual({
      ok: true,
      value: { 0: 'a', 1: 'b', brokerDatas: [{ brokerAddrs: { 0: '10.0.0.1:10911', 1: '10.0.0.2:10911' } }], '-1': 'neg' },
    });
  });

  test('reads fastjson offset tables with bare keys and whitespace', () => {
    const text = '{\n\t"offsetTable":{\n\t\t"TopicA@group":{0 : 15, 1:22}\n\t}\n}';
    expect(parseLenientJson(text)).toEqual({ ok: true, value: { offsetTable: { 'TopicA@group': { 0: 15, 1: 22 } } } });
  });

  test('turns object keys (fastjson admin bodies) into their JSON text', () => {
    const text = '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:{"brokerOffset":5}}}';
    const result = parseLenientJson(text);
    expect(result).toEqual({
      ok: true,
      value: { offsetTable: { '{"brokerName":"b","queueId":0,"topic":"t"}': { brokerOffset: 5 } } },
    });
  });

  test.each([
    ['unterminated object', '{0:"a"'],
    ['bare word key', '{abc:1}'],
    ['trailing comma', '{0:"a",}'],
    ['trailing garbage', '{0:"a"} x'],
    ['bad escape', '{0:"\\q"}'],
    ['raw control character', '{0:"a\u0001"}'],
    ['leading zero', '{01:"a"}'],
    ['empty input', ''],
  ])('rejects %s with an offset in the message instead of throwing', (_name, text) => {
    const result = parseLenientJson(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/invalid JSON at offset \d+/);
  });

  test('limits nesting so hostile input cannot exhaust the stack', () => {
    const deep = '{0:'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const result = parseLenientJson(deep, { maxDepth: 64 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/nesting deeper than 64/);
  });

  test('a __proto__ key becomes an own property, not a prototype', () => {
    const result = parseLenientJson('{0:1,"__proto__":{"polluted":true}}');
    if (!result.ok) throw new Error(result.error);
    const value = result.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['0', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
