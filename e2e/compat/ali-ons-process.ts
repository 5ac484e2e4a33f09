/**
 * The test side of `ali-ons-driver.js`: forks a driver process, sends it commands and collects what
 * its ali-ons clients report (messages handed to handlers, emitted errors, ali-ons's own warnings).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const DRIVER = path.join(__dirname, 'ali-ons-driver.js');
const COMMAND_TIMEOUT_MS = 20_000;

/** Client timings short enough for tests (defaults are 10-30 s); see CLIENTS.md 2.1. */
export const FAST_CLIENT_OPTIONS = {
  pollNameServerInteval: 1000,
  heartbeatBrokerInterval: 1000,
  rebalanceInterval: 300,
  persistConsumerOffsetInterval: 200,
  brokerSuspendMaxTimeMillis: 3000,
  consumerTimeoutMillisWhenSuspend: 8000,
} as const;

export interface OutgoingMessage {
  readonly topic: string;
  readonly tags: string;
  readonly keys?: readonly string[];
  readonly body: Buffer;
  readonly shardingKey?: string;
}

export type SendOutcome =
  | { readonly ok: true; readonly sendStatus: string; readonly msgId: string; readonly brokerName: string; readonly queueId: number; readonly queueOffset: number }
  | { readonly ok: false; readonly name: string; readonly code: number | undefined; readonly message: string };

export interface DeliveredMessage {
  readonly consumer: string;
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly msgId: string;
  readonly storeHost: string;
  readonly tags: string | null;
  readonly keys: string | undefined;
  readonly body: Buffer;
  readonly reconsumeTimes: number;
  /** 1 for the first message handed to this consumer's handler, 2 for the next, ... */
  readonly call: number;
  /** Handed over after `closeConsumer` was called: must not happen. */
  readonly afterClose: boolean;
}

export interface ClientError {
  readonly client: string;
  readonly error: { readonly name: string; readonly code: number | undefined; readonly message: string };
}

/** A request a broker sent to a consumer's connection (ali-ons never answers). */
export interface ServerRequest {
  readonly client: string;
  readonly code: number;
  readonly extFields: Record<string, string>;
}

export interface ConsumerSpec {
  readonly topic: string;
  readonly expression: string;
  /** ali-ons Consumer options (consumerGroup, instanceName, consumeFromWhere, isBroadcast, ...). */
  readonly options: Record<string, unknown>;
  /** The handler finishes this many messages, then waits for `setLimit` (default: no limit). */
  readonly limit?: number;
}

export interface QueuePullState {
  /** `brokerName/queueId`. */
  readonly queue: string;
  /** Queue offset of the consumer's next pull. */
  readonly nextOffset: number;
  /** Pulled, not yet consumed. */
  readonly backlog: number;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { message: string };
}
type Notice =
  | ({ event: 'message' } & Omit<DeliveredMessage, 'body'> & { body: string })
  | { event: 'done'; consumer: string; msgId: string }
  | ({ event: 'serverRequest' } & ServerRequest)
  | ({ event: 'error' } & ClientError)
  | { event: 'log'; client: string; level: string; text: string }
  | { event: 'ready'; pid: number };

export class AliOnsProcess {
  readonly delivered: DeliveredMessage[] = [];
  /** Messages whose handler returned. */
  readonly done: { consumer: string; msgId: string }[] = [];
  readonly serverRequests: ServerRequest[] = [];
  readonly errors: ClientError[] = [];
  readonly logs: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly exited: Promise<void>;

  private constructor(
    readonly label: string,
    private readonly namesrvAddr: string,
    private readonly child: ChildProcess,
    ready: () => void,
  ) {
    child.on('message', (m: Reply | Notice) => this.onMessage(m, ready));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => this.failPending(`driver ${label} exited`));
  }

  /** Forks a driver and waits until it can take commands. */
  static async start(label: string, namesrvAddr: string): Promise<AliOnsProcess> {
    const child = fork(DRIVER, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let proc: AliOnsProcess | undefined;
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`driver ${label} exited with ${code} before it was ready`)));
      proc = new AliOnsProcess(label, namesrvAddr, child, resolve);
    });
    return proc!;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  startProducer(name: string, options: Record<string, unknown> = {}): Promise<void> {
    return this.call('startProducer', { name, namesrvAddr: this.namesrvAddr, options: { ...FAST_CLIENT_OPTIONS, ...options } }) as Promise<void>;
  }

  async send(producer: string, messages: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    const wire = messages.map((m) => ({ ...m, body: m.body.toString('base64') }));
    return (await this.call('send', { producer, messages: wire })) as SendOutcome[];
  }

  startConsumer(name: string, spec: ConsumerSpec): Promise<void> {
    return this.call('startConsumer', { name, namesrvAddr: this.namesrvAddr, ...spec, options: { ...FAST_CLIENT_OPTIONS, ...spec.options } }) as Promise<void>;
  }

  /** Every queue of `topic` the consumer pulls now (its rebalance result), sorted. */
  async pullState(consumer: string, topic: string): Promise<QueuePullState[]> {
    const list = (await this.call('pullState', { consumer, topic })) as { brokerName: string; queueId: number; nextOffset: number; backlog: number }[];
    return list.map((q) => ({ queue: `${q.brokerName}/${q.queueId}`, nextOffset: q.nextOffset, backlog: q.backlog })).sort((x, y) => (x.queue < y.queue ? -1 : 1));
  }

  /** `brokerName/queueId` of every queue of `topic` the consumer pulls now, sorted. */
  async queues(consumer: string, topic: string): Promise<string[]> {
    return (await this.pullState(consumer, topic)).map((q) => q.queue);
  }

  setLimit(consumer: string, limit: number): Promise<void> {
    return this.call('setLimit', { name: consumer, limit }) as Promise<void>;
  }

  closeConsumer(name: string): Promise<void> {
    return this.call('closeConsumer', { name }) as Promise<void>;
  }

  deliveredTo(consumer: string): DeliveredMessage[] {
    return this.delivered.filter((m) => m.consumer === consumer);
  }

  /** SIGKILL: no offsets persisted, no UNREGISTER_CLIENT; the broker sees the connection drop. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private call(op: string, args: object): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`driver ${this.label}: ${op} did not answer within ${COMMAND_TIMEOUT_MS} ms; ali-ons said:\n${this.logs.slice(-20).join('\n')}`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, op, args });
    });
  }

  private onMessage(m: Reply | Notice, ready: () => void): void {
    if ('id' in m) {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`driver ${this.label}: ${m.error?.message}`));
      return;
    }
    switch (m.event) {
      case 'ready':
        ready();
        break;
      case 'message': {
        const { event: _event, body, ...rest } = m;
        this.delivered.push({ ...rest, body: Buffer.from(body, 'base64') });
        break;
      }
      case 'done':
        this.done.push({ consumer: m.consumer, msgId: m.msgId });
        break;
      case 'serverRequest':
        this.serverRequests.push({ client: m.client, code: m.code, extFields: m.extFields });
        break;
      case 'error':
        this.errors.push({ client: m.client, error: m.error });
        this.logs.push(`[${m.client}] emitted ${m.error.name} ${m.error.code ?? ''}: ${m.error.message}`);
        break;
      case 'log':
        this.logs.push(`[${m.client}] ${m.level}: ${m.text}`);
        break;
    }
  }

  private failPending(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
      this.pending.delete(id);
    }
  }
}
