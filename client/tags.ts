/**
 * Tag expressions of TAG subscriptions: `*` (everything) or tags joined by `||` (`TagA || TagB`).
 * The broker filters on the Java hash of each tag (the consume-queue tag code), so the heartbeat and
 * pull carry both the tags and their hashes; hashes can collide, so the client re-checks the exact
 * tag of every message it receives, as the Java client does.
 */
import { javaStringHashCode } from '../message';
import { invalidArgument } from './errors';

export const SUBSCRIBE_ALL = '*';

export interface TagFilter {
  /** Normalized expression: `*`, or the tags joined by ` || `. */
  readonly expression: string;
  /** Empty for `*`. */
  readonly tags: readonly string[];
  /** Java `String.hashCode()` of each tag, in the same order. */
  readonly codes: readonly number[];
  /** Whether a message with this TAGS value passes. */
  matches(tag: string | undefined): boolean;
}

const MATCH_ALL: TagFilter = {
  expression: SUBSCRIBE_ALL,
  tags: [],
  codes: [],
  matches: () => true,
};

/** Parses `*`, an empty string (same as `*`) or `a || b`; throws ROCKET_INVALID_ARGUMENT otherwise. */
export function parseTagExpression(expression: string | undefined): TagFilter {
  const trimmed = (expression ?? '').trim();
  if (trimmed === '' || trimmed === SUBSCRIBE_ALL) return MATCH_ALL;
  const tags: string[] = [];
  for (const part of trimmed.split('||')) {
    const tag = part.trim();
    if (tag === '') continue;
    if (tag === SUBSCRIBE_ALL) return MATCH_ALL;
    if (tag.includes('\u0001') || tag.includes('\u0002')) throw invalidArgument(`tag ${JSON.stringify(tag)} contains a property separator`);
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length === 0) throw invalidArgument(`tag expression ${JSON.stringify(expression)} names no tag`);
  const set = new Set(tags);
  return {
    expression: tags.join(' || '),
    tags,
    codes: tags.map(javaStringHashCode),
    matches: (tag) => tag !== undefined && set.has(tag),
  };
}
