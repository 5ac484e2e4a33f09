/**
 * MetadataSync's size rule for the snapshot a slave gets after its handshake: a frame beyond the HA
 * frame limit makes the slave drop the connection (and the WELCOME that came with it), so a slave
 * would reconnect forever without ever replicating.
 */
import type { ServerLogger } from '../../ops';
import { FrameDecoder, MAX_FRAME_BYTES, encodeMetadata } from './frames';
import type { ReplicaMetadata } from './metadata-sync';
import { MetadataSync } from './metadata-sync';

function quietLogger(warnings: string[]): ServerLogger {
  const logger: ServerLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

const TOPICS = '{"topicConfigTable":{"T":{"topicName":"T"}}}';

function metadata(consumeBytes: number): ReplicaMetadata {
  // A consumer-state part of about `consumeBytes` (a broker with very many groups and queues).
  const consume = `{"offsetTable":{"T@g":{"0":1}},"pad":"${'x'.repeat(consumeBytes)}"}`;
  return {
    snapshot: () => `${TOPICS.slice(0, -1)},${consume.slice(1)}`,
    topicSnapshot: () => TOPICS,
    consumeSnapshot: () => consume,
    apply: () => undefined,
  };
}

function sync(m: ReplicaMetadata, warnings: string[]): MetadataSync {
  return new MetadataSync(m, { role: () => 'master', broadcast: () => undefined, sendToMaster: () => false, logger: quietLogger(warnings) });
}

test('a handshake snapshot within the frame limit goes whole', () => {
  const warnings: string[] = [];
  const snapshot = sync(metadata(10), warnings).handshakeSnapshot();
  expect(JSON.parse(snapshot!)).toMatchObject({ topicConfigTable: { T: {} }, offsetTable: { 'T@g': { '0': 1 } } });
  expect(warnings).toEqual([]);
});

test('a handshake snapshot beyond the frame limit falls back to the topic table, which a slave can decode', () => {
  const warnings: string[] = [];
  const snapshot = sync(metadata(MAX_FRAME_BYTES), warnings).handshakeSnapshot();
  // (compared as a boolean: a failing match would print 32 MiB)
  expect(snapshot === TOPICS).toBe(true);
  expect(warnings).toHaveLength(1);
  const decoded = new FrameDecoder().push(encodeMetadata(snapshot!));
  expect(decoded.ok && decoded.value.length).toBe(1);
});

test('nothing is sent after the handshake when even the topic table is too large', () => {
  const warnings: string[] = [];
  const huge = `{"topicConfigTable":{"pad":"${'x'.repeat(MAX_FRAME_BYTES)}"}}`;
  const m: ReplicaMetadata = { snapshot: () => huge, topicSnapshot: () => huge, apply: () => undefined };
  expect(sync(m, warnings).handshakeSnapshot() === undefined).toBe(true);
  expect(warnings).toHaveLength(1);
});
