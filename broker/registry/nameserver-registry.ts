/**
 * Registration with name servers (FACTS 5.1, 5.2): REGISTER_BROKER (103) to every name server at
 * start, every `intervalMs`, and soon after each topic change; UNREGISTER_BROKER (104) on shutdown.
 * Each name server is handled on its own: a slow or dead one delays nobody else, a failure is logged
 * and the next round retries. Changes arriving while a registration is in flight cause one more
 * registration after it, not one per change.
 *
 * A configured `host:port` whose host is a name (not an IP literal) stands for every address the
 * name resolves to, looked up again on every periodic round: a Kubernetes headless Service lists
 * each name server pod, and pods come and go. A new address is registered with at once; an address
 * gone from the answer is unregistered from (best effort: its pod may be gone) and its connection
 * closed. A failed lookup is logged and keeps the addresses known so far until a later round
 * resolves the name again.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import type { RemotingCommand } from '../../protocol';
import { RegisterBrokerRequestHeader, RequestCode, ResponseCode, UnregisterBrokerRequestHeader, makeRequest, responseCodeName } from '../../protocol';
import { RemotingClient, parseAddress } from '../../remoting';
import type { ServerLogger } from '../../ops';
import type { Clock } from '../../stdx';
import { systemClock } from '../../stdx';

export interface BrokerIdentity {
  readonly brokerName: string;
  /** `brokerIP1:listenPort`. */
  readonly brokerAddr: string;
  readonly clusterName: string;
  /** `brokerIP2:haListenPort`. */
  readonly haServerAddr: string;
  readonly brokerId: number;
}

/** Every address a host name resolves to (IPv4 and IPv6 text forms). */
export type HostResolver = (host: string) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo, as the rest of the process sees names), every address. */
export const systemResolver: HostResolver = async (host) => (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface NameserverRegistryOptions {
  /** `host:port` entries; a host name stands for every address it resolves to. */
  readonly namesrvAddrs: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly identity: () => BrokerIdentity;
  /** `{"dataVersion":...,"topicConfigTable":...}` (TopicConfigSerializeWrapper JSON). */
  readonly topicConfigWrapperJson: () => string;
  readonly logger: ServerLogger;
  readonly clock?: Clock;
  /** How host names are resolved; the system resolver by default (tests inject one). */
  readonly resolve?: HostResolver;
}

/** What is known about one name server, for /healthz. */
export interface RegistrationStatus {
  /** The address registered with (`ip:port`), or the configured entry while its name is unresolved. */
  readonly namesrvAddr: string;
  readonly registered: boolean;
  readonly lastSuccessMs?: number;
  readonly lastError?: string;
  readonly registrations: number;
  /** The configured `host:port` this address was resolved from, when that was a host name. */
  readonly resolvedFrom?: string;
}

class Target {
  inFlight: Promise<void> | undefined;
  again = false;
  registered = false;
  lastSuccessMs: number | undefined;
  lastError: string | undefined;
  registrations = 0;

  constructor(readonly addr: string) {}
}

/** One configured `host:port`. */
class Entry {
  /** The addresses (`ip:port`) it stands for now. */
  addrs: readonly string[];
  resolveError: string | undefined;

  constructor(
    readonly configured: string,
    /** The host name to resolve; '' for an IP literal. */
    readonly host: string,
    readonly port: number,
  ) {
    // An IP literal (or something unparseable, which fails at connect as before) stands for itself.
    this.addrs = host === '' ? [configured] : [];
  }

  get isName(): boolean {
    return this.host !== '';
  }
}

function entryOf(configured: string): Entry {
  const parsed = parseAddress(configured);
  if (!parsed.ok || net.isIP(parsed.value.host) !== 0) return new Entry(configured, '', 0);
  return new Entry(configured, parsed.value.host, parsed.value.port);
}

function addressOf(ip: string, port: number): string {
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class NameserverRegistry {
  private readonly client = new RemotingClient();
  private readonly entries: Entry[];
  /** By address; an address two entries share is one target. */
  private readonly targets = new Map<string, Target>();
  /** Unregistrations from addresses no entry lists any more. */
  private readonly leaving = new Set<Promise<void>>();
  private readonly clock: Clock;
  private readonly resolve: HostResolver;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: NameserverRegistryOptions) {
    this.entries = options.namesrvAddrs.map(entryOf);
    this.clock = options.clock ?? systemClock;
    this.resolve = options.resolve ?? systemResolver;
    this.syncTargets();
  }

  /** Registers now and then every intervalMs (resolving host names again each time). */
  start(): void {
    if (this.entries.length === 0) {
      this.options.logger.warn('no name server configured: clients cannot find this broker through routes');
      return;
    }
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * One registration round: resolves every host name again, leaves addresses that disappeared,
   * then registers with every address. A round in progress is joined, not doubled.
   */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.round !== undefined) return this.round;
    const names = this.entries.filter((e) => e.isName);
    const round = (async () => {
      if (names.length > 0) {
        await Promise.all(names.map((e) => this.resolveEntry(e)));
        if (this.closed) return;
        this.syncTargets();
      }
      this.registerAll();
    })().finally(() => {
      this.round = undefined;
    });
    this.round = round;
    return round;
  }

  /** Asks every known name server to take the current topic table (after a topic change). */
  registerAll(): void {
    if (this.closed) return;
    for (const target of this.targets.values()) this.schedule(target);
  }

  /** Resolves when no round, registration or unregistration is in flight (tests and shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [this.round, ...[...this.targets.values()].map((t) => t.inFlight), ...this.leaving].filter((p): p is Promise<void> => p !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  status(): RegistrationStatus[] {
    const rows: RegistrationStatus[] = [];
    const seen = new Set<string>();
    for (const entry of this.entries) {
      if (entry.addrs.length === 0) {
        rows.push({ namesrvAddr: entry.configured, registered: false, registrations: 0, lastError: entry.resolveError ?? 'not resolved yet' });
        continue;
      }
      for (const addr of entry.addrs) {
        const t = this.targets.get(addr);
        if (t === undefined || seen.has(addr)) continue;
        seen.add(addr);
        const s: { -readonly [K in keyof RegistrationStatus]: RegistrationStatus[K] } = { namesrvAddr: t.addr, registered: t.registered, registrations: t.registrations };
        if (t.lastSuccessMs !== undefined) s.lastSuccessMs = t.lastSuccessMs;
        if (t.lastError !== undefined) s.lastError = t.lastError;
        if (entry.isName) s.resolvedFrom = entry.configured;
        rows.push(s);
      }
    }
    return rows;
  }

  /** Stops re-registering and tells every name server this broker is leaving. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.idle();
    await Promise.all([...this.targets.values()].map((t) => this.unregister(t)));
    await this.client.close();
  }

  private async resolveEntry(entry: Entry): Promise<void> {
    let failure: string;
    try {
      const ips = await withTimeout(this.resolve(entry.host), this.options.timeoutMs, `resolving ${entry.host} took over ${this.options.timeoutMs} ms`);
      const addrs = [...new Set(ips.map((ip) => addressOf(ip, entry.port)))];
      if (addrs.length > 0) {
        if (entry.resolveError !== undefined || addrs.join() !== entry.addrs.join()) {
          this.options.logger.info('name server host resolved', { namesrvAddr: entry.configured, addresses: addrs });
        }
        entry.addrs = addrs;
        entry.resolveError = undefined;
        return;
      }
      failure = 'resolved to no address';
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    // The addresses known so far stay: one failed lookup must not drop live registrations.
    if (failure !== entry.resolveError) {
      this.options.logger.warn('cannot resolve name server host; keeping the addresses known, retrying next round', { namesrvAddr: entry.configured, error: failure, keeping: entry.addrs });
    }
    entry.resolveError = failure;
  }

  /** Makes the targets match the entries' addresses: new ones are added, gone ones leave. */
  private syncTargets(): void {
    const wanted = new Set(this.entries.flatMap((e) => e.addrs));
    for (const addr of wanted) if (!this.targets.has(addr)) this.targets.set(addr, new Target(addr));
    for (const [addr, target] of [...this.targets]) {
      if (wanted.has(addr)) continue;
      this.targets.delete(addr);
      const leaving: Promise<void> = this.leave(target).finally(() => this.leaving.delete(leaving));
      this.leaving.add(leaving);
    }
  }

  /** A name server address no longer resolved: unregister (its pod may be gone already) and hang up. */
  private async leave(target: Target): Promise<void> {
    await target.inFlight;
    this.options.logger.info('name server address no longer resolved; leaving it', { namesrvAddr: target.addr });
    await this.unregister(target);
    this.client.connectionTo(target.addr)?.close('name server address no longer resolved');
  }

  private schedule(target: Target): void {
    if (target.inFlight !== undefined) {
      target.again = true;
      return;
    }
    target.inFlight = (async () => {
      do {
        target.again = false;
        await this.register(target);
      } while (target.again && !this.closed);
    })().finally(() => {
      target.inFlight = undefined;
    });
  }

  private async register(target: Target): Promise<void> {
    const identity = this.options.identity();
    const body = Buffer.from(`{"filterServerList":[],"topicConfigSerializeWrapper":${this.options.topicConfigWrapperJson()}}`, 'utf8');
    const request = makeRequest(RequestCode.REGISTER_BROKER, {
      extFields: RegisterBrokerRequestHeader.format({ ...identity, compressed: false, bodyCrc32: zlib.crc32(body) & 0x7fffffff }),
      body,
    });
    const failure = describeFailure(await this.client.invoke(target.addr, request, this.options.timeoutMs));
    target.registrations++;
    if (failure === undefined) {
      if (!target.registered) this.options.logger.info('registered with name server', { namesrvAddr: target.addr, brokerAddr: identity.brokerAddr });
      target.registered = true;
      target.lastSuccessMs = this.clock.nowMs();
      target.lastError = undefined;
      return;
    }
    // Log a failure once per change of reason, not every tick while a name server stays down.
    if (failure !== target.lastError) this.options.logger.warn('registration with name server failed; retrying next period', { namesrvAddr: target.addr, error: failure });
    target.registered = false;
    target.lastError = failure;
  }

  private async unregister(target: Target): Promise<void> {
    if (!target.registered) return;
    const identity = this.options.identity();
    const request = makeRequest(RequestCode.UNREGISTER_BROKER, {
      extFields: UnregisterBrokerRequestHeader.format({
        brokerName: identity.brokerName,
        brokerAddr: identity.brokerAddr,
        clusterName: identity.clusterName,
        brokerId: identity.brokerId,
      }),
    });
    const failure = describeFailure(await this.client.invoke(target.addr, request, this.options.timeoutMs));
    if (failure === undefined) this.options.logger.info('unregistered from name server', { namesrvAddr: target.addr });
    else this.options.logger.warn('unregistering from name server failed', { namesrvAddr: target.addr, error: failure });
    target.registered = false;
  }
}

function describeFailure(result: { ok: true; value: RemotingCommand } | { ok: false; error: Error }): string | undefined {
  if (!result.ok) return result.error.message;
  const response = result.value;
  if (response.code === ResponseCode.SUCCESS) return undefined;
  return `${responseCodeName(response.code)}${response.remark !== undefined ? `: ${response.remark}` : ''}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
