/**
 * What `rocketctl send` will send: bodies (text, file or generated), keys with `{i}` replaced by
 * the message index, properties, delay level, count and concurrency, from the flags. Pure (the file
 * reader is passed in).
 */
import * as fs from 'node:fs';
import type { Message } from '../../client';
import { usageError } from '../errors';
import { intFlag, keyValueFlags, sizeFlag } from './flags';

export interface SendFlags {
  readonly tags?: string;
  readonly keys?: string;
  readonly body?: string;
  readonly file?: string;
  readonly count?: string;
  readonly size?: string;
  readonly property?: string[];
  readonly concurrency?: string;
  readonly delayLevel?: string;
}

export interface SendPlan {
  readonly topic: string;
  readonly count: number;
  readonly concurrency: number;
  /** The i-th message (0-based). */
  readonly message: (i: number) => Message;
  readonly bodyBytes: number;
}

export const DEFAULT_BODY = 'Hello RocketCluster';
export const MAX_SEND_COUNT = 100_000_000;
export const MAX_CONCURRENCY = 4096;
/** A broker's default body limit (FACTS 8.2); the broker has the last word. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
const KEY_INDEX = /\{i\}/g;

/** Printable filler so generated bodies read well in `consume` and `message show`. */
export function generatedBody(sizeBytes: number): Buffer {
  const pattern = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  const body = Buffer.allocUnsafe(sizeBytes);
  for (let i = 0; i < sizeBytes; i += pattern.length) pattern.copy(body, i, 0, Math.min(pattern.length, sizeBytes - i));
  return body;
}

export function planSend(topic: string, flags: SendFlags, readFile: (path: string) => Buffer = (p) => fs.readFileSync(p)): SendPlan {
  const sources = [flags.body, flags.file, flags.size].filter((s) => s !== undefined).length;
  if (sources > 1) throw usageError('use only one of --body, --file and --size');
  let body: Buffer;
  if (flags.file !== undefined) {
    try {
      body = readFile(flags.file);
    } catch (e) {
      throw usageError(`--file ${flags.file}: ${(e as Error).message}`);
    }
  } else if (flags.size !== undefined) {
    body = generatedBody(sizeFlag('size', flags.size, 0, 1, MAX_BODY_BYTES));
  } else {
    body = Buffer.from(flags.body ?? DEFAULT_BODY, 'utf8');
  }
  if (body.length === 0) throw usageError('the message body is empty (RocketMQ refuses empty bodies)');
  const count = intFlag('count', flags.count, 1, 1, MAX_SEND_COUNT);
  const concurrency = Math.min(count, intFlag('concurrency', flags.concurrency, 64, 1, MAX_CONCURRENCY));
  const properties = keyValueFlags('property', flags.property);
  const delayLevel = flags.delayLevel === undefined ? undefined : intFlag('delay-level', flags.delayLevel, 0, 1, 18);
  const { tags, keys } = flags;
  const message = (i: number): Message => ({
    topic,
    body,
    ...(tags === undefined ? {} : { tags }),
    // `{i}` in --keys becomes the message's index, so each of N messages can be found by its own key.
    ...(keys === undefined ? {} : { keys: keys.replace(KEY_INDEX, String(i)).split(/\s+/).filter((k) => k !== '') }),
    ...(Object.keys(properties).length === 0 ? {} : { properties }),
    ...(delayLevel === undefined ? {} : { delayLevel }),
  });
  return { topic, count, concurrency, message, bodyBytes: body.length };
}
