import { javaStringHashCode } from '../message';
import { ClientErrorCode } from './errors';
import { parseTagExpression } from './tags';

describe('parseTagExpression', () => {
  test('* and the empty expression match everything and name no tags', () => {
    for (const expression of ['*', '', '  ', undefined, 'a || *']) {
      const filter = parseTagExpression(expression);
      expect(filter.expression).toBe('*');
      expect(filter.tags).toEqual([]);
      expect(filter.matches(undefined)).toBe(true);
      expect(filter.matches('anything')).toBe(true);
    }
  });

  test('tags joined by || are trimmed, deduplicated and hashed like Java String.hashCode', () => {
    const filter = parseTagExpression(' TagA ||TagB||  TagA || ');
    expect(filter.tags).toEqual(['TagA', 'TagB']);
    expect(filter.expression).toBe('TagA || TagB');
    expect(filter.codes).toEqual([javaStringHashCode('TagA'), javaStringHashCode('TagB')]);
    expect(filter.codes[0]).toBe(2_598_919);
  });

  test('matching is exact: hashes may collide, tags may not', () => {
    // "Aa" and "BB" have the same Java hash.
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB'));
    const filter = parseTagExpression('Aa');
    expect(filter.matches('Aa')).toBe(true);
    expect(filter.matches('BB')).toBe(false);
    expect(filter.matches(undefined)).toBe(false);
  });

  test('non-ASCII tags hash over UTF-16 code units', () => {
    expect(parseTagExpression('日本').codes).toEqual([javaStringHashCode('日本')]);
  });

  test('an expression with only separators, or a tag with a property separator, is refused', () => {
    expect(() => parseTagExpression('||')).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }));
    expect(() => parseTagExpression('a\u0001b')).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }));
  });
});
