/**
 * Helpers for replication tests: brokers of one group in-process on loopback (temp dirs, free ports,
 * small segments so replication crosses segment boundaries), the admin API over real HTTP, sends over
 * real remoting, a byte-for-byte log comparison, and a TCP proxy whose master -> slave direction can
 * be held (a slave that stops reading). Tests only; production code never imports this file.
 */
import * as net from 'node:net';
import type { RemotingCommand } from '../../protocol';
import { ResponseCode } from '../../protocol';
import type { RemotingClient } from '../../remoting';
import { localBrokerConfig } from '../../testing/cluster';
import { Broker } from '../broker';
import type { BrokerConfig } from '../config';
import type { MessageStore } from '../store';
import { sendV2Request } from '../test-kit';

export interface HaNode {
  readonly broker: Broker;
  readonly config: BrokerConfig;
  /** Remoting address. */
  readonly addr: string;
  readonly haAddr: string;
  readonly httpUrl: string;
  readonly store: MessageStore;
}

const KiB = 1024;

/** Segments of 1 MiB: a few thousand small messages roll the commit log over. */
export const HA_TEST_OVERRIDES: Partial<BrokerConfig> = {
  brokerName: 'broker-ha',
  commitLogSegmentBytes: 1024 * KiB,
  maxMessageSize: 256 * KiB,
  roleSource: 'controller',
  haHeartbeatIntervalMs: 200,
  haPeerTimeoutMs: 2000,
};

export async function startHaBroker(namesrvAddr: readonly string[], overrides: Partial<BrokerConfig>): Promise<HaNode> {
  const config = localBrokerConfig(0, namesrvAddr, { ...HA_TEST_OVERRIDES, ...overrides });
  const broker = new Broker(config, { processMetrics: false });
  const started = await broker.start();
  if (!started.ok) throw new Error(started.error);
  return { broker, config, addr: started.value.brokerAddr, haAddr: started.value.haAddr, httpUrl: `http://127.0.0.1:${started.value.httpPort}`, store: broker.store! };
}

export interface HttpReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function postRole(node: HaNode, body: unknown, token?: string): Promise<HttpReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${node.httpUrl}/role`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function getStatus(node: HaNode, token?: string): Promise<HttpReply> {
  const res = await fetch(`${node.httpUrl}/status`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** POST /role and insist on 200. */
export async function setRole(node: HaNode, body: unknown, token?: string): Promise<void> {
  const reply = await postRole(node, body, token);
  if (reply.status !== 200) throw new Error(`POST /role ${JSON.stringify(body)} -> ${reply.status} ${JSON.stringify(reply.body)}`);
}

export async function send(client: RemotingClient, addr: string, topic: string, body: Buffer, queueId = 0): Promise<RemotingCommand> {
  const response = await client.invoke(addr, sendV2Request({ topic, body, queueId, defaultTopicQueueNums: 4 }), 10_000);
  if (!response.ok) throw response.error;
  return response.value;
}

/** Sends `count` messages of `bodyBytes` round-robin over 4 queues, `parallel` at a time; all must succeed. */
export async function sendMany(client: RemotingClient, addr: string, topic: string, count: number, bodyBytes: number, tag = 'm'): Promise<void> {
  const parallel = 32;
  for (let i = 0; i < count; i += parallel) {
    const batch: Promise<RemotingCommand>[] = [];
    for (let j = i; j < Math.min(count, i + parallel); j++) {
      const body = Buffer.alloc(bodyBytes, `${tag}-${j}-`);
      batch.push(send(client, addr, topic, body, j % 4));
    }
    for (const r of await Promise.all(batch)) {
      if (r.code !== ResponseCode.SUCCESS) throw new Error(`send failed: ${r.code} ${r.remark ?? ''}`);
    }
  }
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True when both logs hold the same bytes over the same range. */
export function sameLog(a: MessageStore, b: MessageStore): boolean {
  if (a.commitLogMaxOffset !== b.commitLogMaxOffset || a.commitLogMinOffset !== b.commitLogMinOffset) return false;
  let offset = a.commitLogMinOffset;
  while (offset < a.commitLogMaxOffset) {
    const x = a.readRaw(offset, 256 * KiB);
    const y = b.readRaw(offset, 256 * KiB);
    if (x === undefined || y === undefined || x.length !== y.length || !Buffer.from(x).equals(Buffer.from(y))) return false;
    offset += x.length;
  }
  return true;
}

/** Every queue's max offset, `topic:queueId -> maxQueueOffset`. */
export function queueMaxOffsets(store: MessageStore): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [topic, queueIds] of store.listQueues()) for (const q of queueIds) out[`${topic}:${q}`] = store.getMaxQueueOffset(topic, q);
  return out;
}

/**
 * A TCP proxy in front of a master's HA port. `hold()` stops forwarding master -> slave (as if the
 * slave stopped reading) while the slave's acks still reach the master; `release()` lets it all through.
 */
export class HoldingProxy {
  private held = false;
  private readonly pending: { socket: net.Socket; chunks: Buffer[] }[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
  ) {}

  static async start(target: string): Promise<HoldingProxy> {
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new HoldingProxy(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    server.on('connection', (client) => proxy.connect(client, host, port));
    return proxy;
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const p of this.pending) for (const c of p.chunks.splice(0)) p.socket.write(c);
  }

  /** Drops every proxied connection (both ends see a reset); new ones are still accepted. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect({ host, port });
    const queue = { socket: client, chunks: [] as Buffer[] };
    this.pending.push(queue);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      if (this.held) queue.chunks.push(d);
      else client.write(d);
    });
  }
}
