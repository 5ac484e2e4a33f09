/**
 * Child process for the kill -9 test: appends with async flush and prints one line per
 * acknowledged message, `<seq> <commitLogOffset> <queueId> <queueOffset>`, until it is killed.
 * Usage: store-crash-child <storeDir> <ioMode> <inFlight>
 */
import { MessageStore, PutStatus } from '../broker/store';
import type { FileIoMode } from '../broker/store';
import { sampleMessage } from './store';
import { CRASH_TEST_CONFIG, CRASH_TEST_QUEUES, crashBodyBytes } from './store-crash-config';

async function main(): Promise<void> {
  const [dir, mode, inFlightArg] = process.argv.slice(2);
  const store = new MessageStore({ storeDir: dir!, ioMode: mode as FileIoMode, ...CRASH_TEST_CONFIG });
  const opened = await store.open();
  if (!opened.ok) throw new Error(opened.error.message);
  let seq = 0;
  for (let q = 0; q < CRASH_TEST_QUEUES; q++) seq += store.getMaxQueueOffset('CrashTopic', q);
  const inFlight = Number(inFlightArg ?? 32);
  process.stdout.write(`ready ${seq}\n`);
  const worker = async () => {
    for (;;) {
      const s = seq++;
      const queueId = s % CRASH_TEST_QUEUES;
      const r = await store.putMessage(sampleMessage(s, { topic: 'CrashTopic', queueId, bodyBytes: crashBodyBytes(s), keys: `k${s}` }));
      if (r.status !== PutStatus.PUT_OK) throw new Error(`put failed: ${r.status}`);
      const rec = r.records[0]!;
      process.stdout.write(`${s} ${rec.commitLogOffset} ${queueId} ${rec.queueOffset}\n`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
