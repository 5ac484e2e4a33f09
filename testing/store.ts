import { encodeProperties, parseHostAddress, PropertyKey } from '../message';
import type { HostAddress } from '../message';
import type { PutMessageInput } from '../broker/store';
import { loadNativeMmap, nativeMmapLoadError } from '../native';

export type IoModeName = 'mmap' | 'fs';

/**
 * The I/O modes the store suite runs against. mmap needs the native addon; where it could not be
 * built the mmap runs are skipped with a message, except under ROCKET_REQUIRE_NATIVE=1 (CI), where
 * a missing addon fails the suite instead.
 */
export function storeIoModes(): IoModeName[] {
  if (loadNativeMmap()) return ['mmap', 'fs'];
  if (process.env.ROCKET_REQUIRE_NATIVE === '1') throw new Error(`native mmap addon required but not loadable: ${nativeMmapLoadError()}`);
  console.warn(`skipping mmap mode: native addon not loadable (${nativeMmapLoadError()})`);
  return ['fs'];
}

function host(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
const bornHost = host('10.1.2.3:50000');
const storeHost = host('192.168.0.1:10911');

export interface SampleOptions {
  readonly topic?: string;
  readonly queueId?: number;
  readonly tags?: string;
  readonly keys?: string;
  readonly uniqKey?: string;
  readonly bodyBytes?: number;
  readonly sysFlag?: number;
}

/** A deterministic message whose body encodes `seq`, so tests can tell every message apart. */
export function sampleMessage(seq: number, o: SampleOptions = {}): PutMessageInput {
  const props: Record<string, string> = {};
  if (o.tags) props[PropertyKey.TAGS] = o.tags;
  if (o.keys) props[PropertyKey.KEYS] = o.keys;
  props[PropertyKey.UNIQ_KEY] = o.uniqKey ?? `UNIQ${String(seq).padStart(12, '0')}`;
  return {
    topic: o.topic ?? 'TopicTest',
    queueId: o.queueId ?? 0,
    flag: 0,
    body: sampleBody(seq, o.bodyBytes ?? 64),
    properties: encodeProperties(props),
    sysFlag: o.sysFlag ?? 0,
    bornTimestamp: 1_700_000_000_000 + seq,
    bornHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

export function sampleBody(seq: number, bytes: number): Buffer {
  const body = Buffer.alloc(bytes, 0x61 + (seq % 26));
  Buffer.from(`#${seq}#`).copy(body, 0);
  return body;
}
