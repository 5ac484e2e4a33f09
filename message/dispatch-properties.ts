/**
 * What the dispatcher needs from a record's properties (tag code, KEYS, UNIQ_KEY), read from the
 * properties text a put hands to the store, before it is encoded. The store uses it for records it
 * has just appended itself, so dispatch need not parse them back out of the commit log; the rules
 * are `readDispatchInfo`'s (items split on 0x02, name up to the first 0x01, non-empty name and
 * value, a later duplicate wins), and a property test keeps the two in agreement.
 */
import { javaStringHashCode } from './java-hash';
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from './properties';

export interface DispatchProperties {
  /** Java hash of TAGS (int32), 0 without tags. */
  readonly tagsCode: number;
  readonly keys: string | undefined;
  readonly uniqKey: string | undefined;
}

/**
 * The dispatch view of `text`, or undefined when one of the three values holds a UTF-16 surrogate:
 * its stored UTF-8 bytes may then decode to different text (a lone surrogate is stored as U+FFFD),
 * and only a read of the stored record gives what a later re-dispatch would.
 */
export function dispatchPropertiesOf(text: string): DispatchProperties | undefined {
  const into = { tagsCode: 0, keys: undefined, uniqKey: undefined };
  return readDispatchProperties(text, into) ? into : undefined;
}

/** `dispatchPropertiesOf` into a caller's object (the store reuses one): false where that gives undefined. */
export function readDispatchProperties(text: string, into: { -readonly [K in keyof DispatchProperties]: DispatchProperties[K] }): boolean {
  let tags: string | undefined;
  let keys: string | undefined;
  let uniqKey: string | undefined;
  const len = text.length;
  let index = 0;
  while (index < len) {
    let itemEnd = text.indexOf(PROPERTY_SEPARATOR, index);
    if (itemEnd < 0) itemEnd = len;
    const sep = text.indexOf(NAME_VALUE_SEPARATOR, index);
    if (sep > index && sep < itemEnd - 1) {
      const nameLength = sep - index;
      if (nameLength === 4) {
        if (text.startsWith('TAGS', index)) tags = text.substring(sep + 1, itemEnd);
        else if (text.startsWith('KEYS', index)) keys = text.substring(sep + 1, itemEnd);
      } else if (nameLength === 8 && text.startsWith('UNIQ_KEY', index)) {
        uniqKey = text.substring(sep + 1, itemEnd);
      }
    }
    index = itemEnd + 1;
  }
  if (hasSurrogate(tags) || hasSurrogate(keys) || hasSurrogate(uniqKey)) return false;
  into.tagsCode = tags === undefined ? 0 : javaStringHashCode(tags);
  into.keys = keys;
  into.uniqKey = uniqKey;
  return true;
}

function hasSurrogate(s: string | undefined): boolean {
  if (s === undefined) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}
