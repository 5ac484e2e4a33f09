/**
 * How messages are shown: one line per message for `consume`, a detailed view for `message show`,
 * and a JSON object for scripts (body as text when it is valid printable UTF-8, else base64). Pure.
 */
import type { ReceivedMessage } from '../../client';
import { bodyPreview, formatTimestamp, renderKeyValues } from '../format/table';

/** Property keys shown as their own fields, left out of the generic property list. */
const SHOWN_ELSEWHERE = new Set(['TAGS', 'KEYS', 'UNIQ_KEY']);

export function isPrintableUtf8(body: Buffer): boolean {
  const text = body.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return Buffer.byteLength(text) === body.length && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/.test(text);
}

/** `broker-a:3 #42 tags=TagA keys=k1 msgId=… | body preview` */
export function messageLine(m: ReceivedMessage, previewBytes = 120): string {
  const parts = [`${m.queue.brokerName}:${m.queue.queueId} #${m.queueOffset}`];
  if (m.tags !== undefined && m.tags !== '') parts.push(`tags=${m.tags}`);
  if (m.keys.length > 0) parts.push(`keys=${m.keys.join(',')}`);
  parts.push(`msgId=${m.msgId}`);
  if (m.reconsumeTimes > 0) parts.push(`reconsumed=${m.reconsumeTimes}`);
  return `${parts.join(' ')} | ${bodyPreview(m.body, previewBytes).replace(/[\r\n]+/g, ' ')}`;
}

export interface MessageJson {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly msgId: string;
  readonly offsetMsgId: string;
  readonly tags: string | null;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
  readonly bornHost: string;
  readonly storeHost: string;
  readonly reconsumeTimes: number;
  readonly bodyBytes: number;
  readonly bodyEncoding: 'utf8' | 'base64';
  readonly body: string;
}

export function messageJson(m: ReceivedMessage): MessageJson {
  const utf8 = isPrintableUtf8(m.body);
  return {
    topic: m.topic,
    brokerName: m.queue.brokerName,
    queueId: m.queue.queueId,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    tags: m.tags ?? null,
    keys: m.keys,
    properties: m.properties,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    bornHost: m.bornHost,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    bodyBytes: m.body.length,
    bodyEncoding: utf8 ? 'utf8' : 'base64',
    body: m.body.toString(utf8 ? 'utf8' : 'base64'),
  };
}

/** The `message show` view: headers, then user and system properties, then the body preview. */
export function messageDetails(m: ReceivedMessage, previewBytes = 1024): string[] {
  const lines = renderKeyValues([
    ['topic', m.topic],
    ['queue', `${m.queue.brokerName}:${m.queue.queueId}`],
    ['queueOffset', m.queueOffset],
    ['commitLogOffset', m.commitLogOffset],
    ['msgId', m.msgId],
    ['offsetMsgId', m.offsetMsgId],
    ['tags', m.tags],
    ['keys', m.keys.length > 0 ? m.keys.join(' ') : undefined],
    ['bornTime', `${formatTimestamp(m.bornTimestamp)} from ${m.bornHost}`],
    ['storeTime', `${formatTimestamp(m.storeTimestamp)} on ${m.storeHost}`],
    ['reconsumeTimes', m.reconsumeTimes],
    ['flag', m.flag],
    ['sysFlag', m.sysFlag],
    ['bodyBytes', m.body.length],
  ]);
  const props = Object.entries(m.properties).filter(([k]) => !SHOWN_ELSEWHERE.has(k)).sort(([a], [b]) => (a < b ? -1 : 1));
  if (props.length > 0) {
    lines.push('properties:');
    const width = Math.max(...props.map(([k]) => k.length));
    for (const [k, v] of props) lines.push(`  ${k.padEnd(width)}  ${v}`);
  }
  lines.push('body:');
  lines.push(...bodyPreview(m.body, previewBytes).split('\n').map((l) => `  ${l}`));
  return lines;
}
