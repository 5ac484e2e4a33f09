import { SysFlag, encodeRecord, encodedRecordLength } from './record';
import type { RecordFields } from './record';
import { readDispatchInfo } from './record-read';
import { dispatchPropertiesOf } from './dispatch-properties';
import { javaStringHashCode } from './java-hash';
import { parseHostAddress } from './host';
import type { HostAddress } from './host';

function host(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** What dispatch reads back from the stored record for properties `text`. */
function storedView(text: string, recordCrc: boolean): { tagsCode: number; keys: string | undefined; uniqKey: string | undefined } {
  const f: RecordFields = {
    queueId: 1, flag: 0, queueOffset: 7, commitLogOffset: 4096, sysFlag: SysFlag.TRANSACTION_NOT_TYPE,
    bornTimestamp: 1_700_000_000_000, bornHost: host('10.0.0.7:40000'), storeTimestamp: 1_700_000_000_001,
    storeHost: host('10.0.0.1:10911'), reconsumeTimes: 0, preparedTransactionOffset: 0,
    body: Buffer.from('b'), topic: Buffer.from('T'), properties: text,
  };
  const buf = Buffer.alloc(encodedRecordLength(f, { recordCrc }));
  encodeRecord(buf, 0, f, { recordCrc });
  const info = readDispatchInfo(buf, 0);
  return { tagsCode: info.tagsCode, keys: info.keys, uniqKey: info.uniqKey };
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

const PIECES = ['TAGS\u0001', 'KEYS\u0001', 'UNIQ_KEY\u0001', '\u0002TAGS\u0001', 'TAGS', 'KEYS', 'UNIQ_KEY', 'WAIT', 'TAG', 'UNIQ_KEYS', '\u0001', '\u0002', '\u0001\u0001', '\u0002\u0002', 'a', 'x y', ' ', 'é', '中文', '\ud83d\ude00', '7F000001'];

describe('dispatchPropertiesOf', () => {
  it('reads tags, keys and uniq key as dispatch reads them from the stored record', () => {
    const text = 'UNIQ_KEY\u0001AC11000100002A9F0000000000000001\u0002TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002WAIT\u0001true\u0002';
    expect(dispatchPropertiesOf(text)).toEqual({ tagsCode: javaStringHashCode('TagA'), keys: 'k1 k2', uniqKey: 'AC11000100002A9F0000000000000001' });
    expect(dispatchPropertiesOf('')).toEqual({ tagsCode: 0, keys: undefined, uniqKey: undefined });
    expect(dispatchPropertiesOf('TAGS\u0001a\u0002TAGS\u0001b')).toEqual({ tagsCode: javaStringHashCode('b'), keys: undefined, uniqKey: undefined });
    // An empty value or name keeps nothing, as the stored-record reader does.
    expect(dispatchPropertiesOf('TAGS\u0001\u0002\u0001KEYS\u0002')).toEqual({ tagsCode: 0, keys: undefined, uniqKey: undefined });
  });

  it('agrees with readDispatchInfo on 3,000 random property texts, with and without the record CRC', () => {
    let refused = 0;
    let compared = 0;
    let found = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const next = rng(seed);
      let text = '';
      const pieces = Math.floor(next() * 14);
      for (let i = 0; i < pieces; i++) text += PIECES[Math.floor(next() * PIECES.length)];
      const fromText = dispatchPropertiesOf(text);
      if (fromText === undefined) {
        // Refused only for a surrogate (here: the emoji's pair) inside one of the three values.
        refused++;
        const valueHasPair = text.split('\u0002').some((item) => ['TAGS', 'KEYS', 'UNIQ_KEY'].some((k) => item.startsWith(`${k}\u0001`) && item.includes('\ud83d')));
        if (!valueHasPair) throw new Error(`seed ${seed}: ${JSON.stringify(text)} refused`);
        continue;
      }
      compared++;
      if (fromText.tagsCode !== 0 || fromText.keys !== undefined || fromText.uniqKey !== undefined) found++;
      for (const recordCrc of [false, true]) {
        const stored = storedView(text, recordCrc);
        if (stored.tagsCode !== fromText.tagsCode || stored.keys !== fromText.keys || stored.uniqKey !== fromText.uniqKey) {
          throw new Error(`seed ${seed} (${JSON.stringify(text)}): text says ${JSON.stringify(fromText)}, stored record says ${JSON.stringify(stored)}`);
        }
      }
    }
    // The generator reaches every case: refusals, texts with a value found, texts without.
    expect(refused).toBeGreaterThan(0);
    expect(found).toBeGreaterThan(300);
    expect(compared - found).toBeGreaterThan(300);
  });

  it('refuses values holding a surrogate, whose stored bytes may read back as other text', () => {
    const lone = 'TAGS\u0001a\ud800b';
    expect(dispatchPropertiesOf(lone)).toBeUndefined();
    // Stored, the lone half becomes U+FFFD: the hash of the text would have been wrong.
    expect(storedView(lone, false).tagsCode).toBe(javaStringHashCode('a\ufffdb'));
    expect(dispatchPropertiesOf('KEYS\u0001\ud83d\ude00')).toBeUndefined();
    expect(dispatchPropertiesOf('UNIQ_KEY\u0001\udc00')).toBeUndefined();
    // Surrogates elsewhere do not matter.
    expect(dispatchPropertiesOf('OTHER\u0001\ud800\u0002TAGS\u0001t')).toEqual({ tagsCode: javaStringHashCode('t'), keys: undefined, uniqKey: undefined });
  });
});
