/**
 * One producer connection in its own process (forked by workloads.ts), like the peers harness's
 * producer-worker.js: one Producer (one TCP connection to the broker), 200 untimed warm-up sends,
 * then `count` sends keeping up to `window` unacknowledged, timed from the parent's "go".
 *
 * IPC: child -> {ready} ; parent -> {cmd:'go'} ; child -> {done, acked, seconds, timedOut, cpuS, frames} | {error}
 */
import { Producer } from './sdk';
import { payload, profiledIn, runWindowed } from './window';

export interface ProducerWorkerArgs {
  readonly namesrvAddr: string;
  readonly topic: string;
  readonly idx: number;
  readonly count: number;
  readonly size: number;
  readonly window: number;
  readonly maxSeconds: number;
  readonly warmup: number;
  /** Write a client CPU profile of the timed part here (BENCH_PROFILE). */
  readonly profileDir?: string;
  readonly label: string;
}

export type WorkerMessage =
  | { readonly ready: true }
  | { readonly done: true; readonly acked: number; readonly seconds: number; readonly timedOut: boolean; readonly cpuS: number; readonly frames: number; readonly messages: number }
  | { readonly error: string };

function reply(message: WorkerMessage, then?: () => void): void {
  process.send!(message, () => then?.());
}

async function main(): Promise<void> {
  const args = JSON.parse(process.env.ROCKET_BENCH_WORKER ?? '{}') as ProducerWorkerArgs;
  const producer = new Producer({ namesrvAddr: args.namesrvAddr, groupName: `bench-producer-${args.idx}` });
  await producer.start();
  const body = payload(args.size, 1 + args.idx);
  const send = (): Promise<unknown> => producer.send({ topic: args.topic, body });
  await runWindowed(send, args.warmup, 50, 30);
  process.on('message', (m: { cmd?: string }) => {
    if (m.cmd !== 'go') return;
    void (async () => {
      const before = producer.stats;
      const c0 = process.cpuUsage();
      const profileDir = args.idx === 0 ? args.profileDir : undefined;
      const r = await profiledIn(profileDir, `client-${args.label}`, () => runWindowed(send, args.count, args.window, args.maxSeconds));
      const cpu = process.cpuUsage(c0);
      const after = producer.stats;
      await producer.shutdown();
      reply(
        { done: true, ...r, cpuS: (cpu.user + cpu.system) / 1e6, frames: after.frames - before.frames, messages: after.messages - before.messages },
        () => process.exit(0),
      );
    })().catch((e: unknown) => reply({ error: String((e as Error).stack ?? e) }, () => process.exit(1)));
  });
  reply({ ready: true });
}

// The parent is gone (killed, crashed): nobody will read our result.
process.on('disconnect', () => process.exit(1));

main().catch((e: unknown) => reply({ error: String((e as Error).stack ?? e) }, () => process.exit(1)));
