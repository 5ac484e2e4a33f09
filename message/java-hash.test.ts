import { javaHashOfUtf8, javaStringHashCode, tagsCodeOf } from './java-hash';

describe('javaStringHashCode (Java String.hashCode, the consume-queue tag code)', () => {
  it('computes s[0]*31^(n-1) + ... + s[n-1] for a short tag', () => {
    const expected = 'T'.charCodeAt(0) * 31 ** 3 + 'a'.charCodeAt(0) * 31 ** 2 + 'g'.charCodeAt(0) * 31 + 'A'.charCodeAt(0);
    expect(expected).toBe(2598919);
    expect(javaStringHashCode('TagA')).toBe(expected);
  });

  it('is 0 for the empty string', () => {
    expect(javaStringHashCode('')).toBe(0);
  });

  it('matches values known from the JVM, including int32 overflow', () => {
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB')); // the classic collision, 2112
    expect(javaStringHashCode('Aa')).toBe(2112);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('hashes UTF-16 code units, so non-ASCII and astral characters hash like Java', () => {
    expect(javaStringHashCode('标签')).toBe(0x6807 * 31 + 0x7b7e);
    // U+1F600 is the surrogate pair D83D DE00 in UTF-16.
    const units = [0xd83d, 0xde00, 'x'.charCodeAt(0)];
    const expected = units.reduce((h, u) => (Math.imul(h, 31) + u) | 0, 0);
    expect(javaStringHashCode('😀x')).toBe(expected);
  });
});

describe('tagsCodeOf', () => {
  it('is 0 without a tag and the Java hash otherwise', () => {
    expect(tagsCodeOf(undefined)).toBe(0);
    expect(tagsCodeOf('')).toBe(0);
    expect(tagsCodeOf('TagA')).toBe(2598919);
  });
});

describe('javaHashOfUtf8 (hash straight from stored bytes)', () => {
  it.each(['TagA', '标签', '😀x', 'a b c', ''])('agrees with the string hash for %j', (text) => {
    const buf = Buffer.concat([Buffer.from('xx'), Buffer.from(text, 'utf8'), Buffer.from('yy')]);
    expect(javaHashOfUtf8(buf, 2, buf.length - 2)).toBe(javaStringHashCode(text));
  });
});
