import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR, PropertyKey, decodeProperties, decodePropertiesFromBytes, encodeProperties } from './properties';

describe('properties text', () => {
  it('encodes name 0x01 value 0x02 per item, in insertion order', () => {
    expect(NAME_VALUE_SEPARATOR).toBe('\u0001');
    expect(PROPERTY_SEPARATOR).toBe('\u0002');
    expect(encodeProperties({ TAGS: 'TagA', KEYS: 'k1 k2' })).toBe('TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002');
    expect(encodeProperties(new Map([['b', '2'], ['a', '1']]))).toBe('b\u00012\u0002a\u00011\u0002');
    expect(encodeProperties({})).toBe('');
  });

  it('round-trips unicode names and values through text and UTF-8 bytes', () => {
    const props = new Map([
      [PropertyKey.TAGS, '标签'],
      [PropertyKey.KEYS, 'ключ 😀'],
      ['名前', 'value with 0x01 \u0001 inside'],
      [PropertyKey.UNIQ_KEY, '0A0102030000000000000000000000'],
    ]);
    const text = encodeProperties(props);
    expect(decodeProperties(text)).toEqual(props);
    const bytes = Buffer.concat([Buffer.from('garbage'), Buffer.from(text, 'utf8'), Buffer.from('tail')]);
    expect(decodePropertiesFromBytes(bytes, 7, bytes.length - 4)).toEqual(props);
  });

  it('skips malformed items like RocketMQ: empty name, empty value, no separator, short items', () => {
    const text = ['a\u0001b', '\u0001x', 'k\u0001', 'novalue', 'ab', '', 'ok\u0001yes'].join('\u0002');
    const expected = new Map([['a', 'b'], ['ok', 'yes']]);
    expect(decodeProperties(text)).toEqual(expected);
    const bytes = Buffer.from(text, 'utf8');
    expect(decodePropertiesFromBytes(bytes, 0, bytes.length)).toEqual(expected);
  });

  it('keeps the last value when a name repeats and accepts a missing final separator', () => {
    expect(decodeProperties('a\u00011\u0002a\u00012')).toEqual(new Map([['a', '2']]));
  });

  it('refuses names or values that would corrupt the encoding', () => {
    expect(() => encodeProperties({ 'a\u0001': 'x' })).toThrow(/separator/);
    expect(() => encodeProperties({ a: 'x\u0002y' })).toThrow(/separator/);
    expect(() => encodeProperties({ '': 'x' })).toThrow(/empty/);
  });

  it('uses RocketMQ key strings', () => {
    expect(PropertyKey.SHARDING_KEY).toBe('__SHARDINGKEY');
    expect(PropertyKey.CRC32).toBe('__CRC32#');
    expect(PropertyKey.DELAY).toBe('DELAY');
    expect(PropertyKey.UNIQ_KEY).toBe('UNIQ_KEY');
    expect(PropertyKey.TRANSACTION_ID).toBe('__transactionId__');
  });
});
