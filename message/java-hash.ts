/**
 * Java's `String.hashCode`, which RocketMQ uses for the consume-queue tag code (FACTS 2.1) and the
 * index file key hash: h = 31*h + c over UTF-16 code units, wrapping at 32 bits.
 */

/** Java `String.hashCode()` of `s` as a signed int32. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The consume-queue tag code of a TAGS property value: its Java hash, or 0 when the message has
 * no tag. (The consume queue stores it sign-extended to 64 bits.)
 */
export function tagsCodeOf(tags: string | undefined): number {
  if (tags === undefined || tags.length === 0) return 0;
  return javaStringHashCode(tags);
}

/**
 * Java hash of the UTF-8 text in `buf[start, end)`. ASCII text (every real tag in practice) is
 * hashed in place; other text is decoded first so surrogate pairs and malformed bytes hash
 * exactly as the decoded string would.
 */
export function javaHashOfUtf8(buf: Buffer, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80) return javaStringHashCode(buf.toString('utf8', start, end));
    h = (Math.imul(h, 31) + b) | 0;
  }
  return h;
}
