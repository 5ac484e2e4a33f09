/**
 * Subscriptions and the tag filter a pull applies (FACTS 4.3, 6.1). A subscription expression is `*`
 * (everything) or tags separated by `||`; the consume queue keeps each message's tag hash, so a pull
 * compares hashes and never reads a record it will not return. A hash collision lets a foreign tag
 * through; clients re-check the exact tag, as with upstream brokers.
 */
import { javaStringHashCode } from '../../message';
import type { SubscriptionData } from '../../protocol';
import type { MessageFilter } from '../store';

export const SUBSCRIBE_ALL = '*';
export const ExpressionType = { TAG: 'TAG', SQL92: 'SQL92' } as const;

/** Tags in one subscription expression at most: a bound on what a client can make us hold. */
export const MAX_SUBSCRIPTION_TAGS = 1024;
/** Expressions parsed and kept per service, reused across pulls (clients send the same one each time). */
export const MAX_CACHED_EXPRESSIONS = 4096;

/** A subscription reduced to what a pull needs. `filter` undefined means every message matches. */
export interface PullSubscription {
  readonly topic: string;
  readonly subString: string;
  readonly expressionType: string;
  readonly filter: MessageFilter | undefined;
}

class TagCodeFilter implements MessageFilter {
  constructor(private readonly codes: ReadonlySet<number>) {}
  byTagsCode(tagsCode: number): boolean {
    return this.codes.has(tagsCode);
  }
}

function filterOfCodes(codes: readonly number[]): MessageFilter {
  return new TagCodeFilter(new Set(codes));
}

export function isSubscribeAll(subString: string): boolean {
  return subString === SUBSCRIBE_ALL || subString.trim() === '';
}

/** Splits `TagA || TagB` into tags, as upstream's FilterAPI does (trimmed, empty pieces dropped). */
export function parseTags(subString: string): string[] | string {
  const tags: string[] = [];
  for (const piece of subString.split('||')) {
    const tag = piece.trim();
    if (tag.length === 0) continue;
    if (tags.length >= MAX_SUBSCRIPTION_TAGS) return `subscription has more than ${MAX_SUBSCRIPTION_TAGS} tags`;
    tags.push(tag);
  }
  return tags;
}

/** What a pull carrying its own expression (PullSysFlag.SUBSCRIPTION) subscribes to; a string is a parse error. */
export function subscriptionFromExpression(topic: string, subString: string, expressionType: string): PullSubscription | string {
  if (expressionType !== ExpressionType.TAG) return unsupportedExpression(expressionType);
  if (isSubscribeAll(subString)) return { topic, subString: SUBSCRIBE_ALL, expressionType, filter: undefined };
  const tags = parseTags(subString);
  if (typeof tags === 'string') return tags;
  if (tags.length === 0) return { topic, subString: SUBSCRIBE_ALL, expressionType, filter: undefined };
  return { topic, subString, expressionType, filter: filterOfCodes(tags.map(javaStringHashCode)) };
}

/** The subscription a heartbeat registered, using the hash codes the client computed, as upstream does. */
export function subscriptionFromHeartbeat(data: SubscriptionData): PullSubscription | string {
  const expressionType = data.expressionType || ExpressionType.TAG;
  if (expressionType !== ExpressionType.TAG) {
    return { topic: data.topic, subString: data.subString, expressionType, filter: undefined };
  }
  if (isSubscribeAll(data.subString)) {
    return { topic: data.topic, subString: SUBSCRIBE_ALL, expressionType, filter: undefined };
  }
  if (data.codeSet.length > MAX_SUBSCRIPTION_TAGS) return `subscription has more than ${MAX_SUBSCRIPTION_TAGS} tags`;
  // A client that sent tags but no codes (not Java's behaviour, but cheap to tolerate) gets codes computed here.
  const codes = data.codeSet.length > 0 ? data.codeSet : data.tagsSet.map(javaStringHashCode);
  if (codes.length === 0) return subscriptionFromExpression(data.topic, data.subString, expressionType);
  return { topic: data.topic, subString: data.subString, expressionType, filter: filterOfCodes(codes) };
}

export function unsupportedExpression(expressionType: string): string {
  return expressionType === ExpressionType.SQL92
    ? 'The broker does not support consumer to filter message by SQL92'
    : `unknown subscription expression type ${JSON.stringify(expressionType)}`;
}

/**
 * Parsed expressions by `expressionType:subString`. Clients repeat the same expression on every pull,
 * so parsing (split, hash, Set) happens once; the map is cleared when full rather than tracking use.
 */
export class ExpressionCache {
  private readonly cache = new Map<string, PullSubscription | string>();

  get(topic: string, subString: string, expressionType: string): PullSubscription | string {
    const key = `${topic}\u0001${expressionType}\u0001${subString}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const parsed = subscriptionFromExpression(topic, subString, expressionType);
    if (this.cache.size >= MAX_CACHED_EXPRESSIONS) this.cache.clear();
    this.cache.set(key, parsed);
    return parsed;
  }
}
