/**
 * One consumer in its own process (forked by workloads.ts), so every consumer API starts as cold as
 * an application's would and its CPU is counted alone: a consumer measured after another one in the
 * same process would inherit its JIT warm-up.
 *
 * IPC: child -> {ready} ; parent -> {cmd:'go'} ; child -> {done, count, bytes, seconds, firstMs, cpuS, shutdownMs, api} | {error}
 */
import type { ConsumerApi } from './consume';
import { drainTopic } from './consume';
import { profiledIn } from './window';

export interface ConsumerWorkerArgs {
  readonly api: ConsumerApi;
  readonly pullBatchSize: number;
  readonly namesrvAddr: string;
  readonly topic: string;
  readonly group: string;
  readonly expected: number;
  readonly maxSeconds: number;
  readonly profileDir?: string;
  readonly label: string;
}

export type ConsumerWorkerMessage =
  | { readonly ready: true }
  | {
      readonly done: true;
      readonly count: number;
      readonly bytes: number;
      /** From the "go" to the last message. */
      readonly seconds: number;
      readonly firstMs: number | null;
      readonly cpuS: number;
      readonly shutdownMs: number;
      readonly api: string;
    }
  | { readonly error: string };

function reply(message: ConsumerWorkerMessage, then?: () => void): void {
  process.send!(message, () => then?.());
}

async function run(args: ConsumerWorkerArgs): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let firstAt: bigint | undefined;
  const r = await profiledIn(args.profileDir, `client-${args.label}`, () =>
    drainTopic({ ...args, onFirst: () => (firstAt ??= process.hrtime.bigint()) }),
  );
  const cpu = process.cpuUsage(c0);
  reply(
    {
      done: true,
      count: r.count,
      bytes: r.bytes,
      seconds: Number(r.lastAt - t0) / 1e9,
      firstMs: firstAt === undefined ? null : Number(firstAt - t0) / 1e6,
      cpuS: (cpu.user + cpu.system) / 1e6,
      shutdownMs: r.shutdownMs,
      api: r.api,
    },
    () => process.exit(0),
  );
}

// The parent is gone (killed, crashed): nobody will read our result.
process.on('disconnect', () => process.exit(1));

const args = JSON.parse(process.env.ROCKET_BENCH_WORKER ?? '{}') as ConsumerWorkerArgs;
process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'go') run(args).catch((e: unknown) => reply({ error: String((e as Error).stack ?? e) }, () => process.exit(1)));
});
reply({ ready: true });
