/**
 * Reading and extending the encoded properties text of a send request without decoding it into a map
 * (FACTS 1.8: `name 0x01 value 0x02 ...`). The send path only needs a few keys, so it searches for
 * them; a full decode would allocate a Map and strings for every property of every message.
 */
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../message';

const PROPERTY_CODE = 0x02;

/**
 * The value of `key`, matched only at the start of an item; `needle` is `key + 0x01`, passed in so
 * callers build it once. Like RocketMQ's decoder, a later duplicate wins and empty values count as absent.
 */
export function propertyValue(properties: string, needle: string): string | undefined {
  let found: string | undefined;
  let from = 0;
  for (;;) {
    const at = properties.indexOf(needle, from);
    if (at < 0) return found;
    if (at === 0 || properties.charCodeAt(at - 1) === PROPERTY_CODE) {
      const start = at + needle.length;
      let end = properties.indexOf(PROPERTY_SEPARATOR, start);
      if (end < 0) end = properties.length;
      if (end > start) found = properties.slice(start, end);
      from = end;
    } else {
      from = at + 1;
    }
  }
}

/** `name 0x01` for `propertyValue`. */
export function needleOf(key: string): string {
  return key + NAME_VALUE_SEPARATOR;
}

/** Appends one property; the text gets its missing final separator first. */
export function appendProperty(properties: string, key: string, value: string): string {
  const joined = properties.length === 0 || properties.charCodeAt(properties.length - 1) === PROPERTY_CODE ? properties : properties + PROPERTY_SEPARATOR;
  return joined + key + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}
