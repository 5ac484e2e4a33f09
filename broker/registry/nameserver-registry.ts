/**
 * Registration with name servers (FACTS 5.1, 5.2): REGISTER_BROKER (103) to every configured name
 * server at start, every `intervalMs`, and soon after each topic change; UNREGISTER_BROKER (104) on
 * shutdown. Each name server is handled on its own: a slow or dead one delays nobody else, a failure
 * is logged and the next tick retries. Changes arriving while a registration is in flight cause one
 * more registration after it, not one per change.
 */
import * as zlib from 'node:zlib';
import type { RemotingCommand } from '../../protocol';
import { RegisterBrokerRequestHeader, RequestCode, ResponseCode, UnregisterBrokerRequestHeader, makeRequest, responseCodeName } from '../../protocol';
import { RemotingClient } from '../../remoting';
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

export interface NameserverRegistryOptions {
  readonly namesrvAddrs: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly identity: () => BrokerIdentity;
  /** `{"dataVersion":...,"topicConfigTable":...}` (TopicConfigSerializeWrapper JSON). */
  readonly topicConfigWrapperJson: () => string;
  readonly logger: ServerLogger;
  readonly clock?: Clock;
}

/** What is known about one name server, for /healthz. */
export interface RegistrationStatus {
  readonly namesrvAddr: string;
  readonly registered: boolean;
  readonly lastSuccessMs?: number;
  readonly lastError?: string;
  readonly registrations: number;
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

export class NameserverRegistry {
  private readonly client = new RemotingClient();
  private readonly targets: Target[];
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: NameserverRegistryOptions) {
    this.targets = options.namesrvAddrs.map((addr) => new Target(addr));
    this.clock = options.clock ?? systemClock;
  }

  /** Registers now and then every intervalMs. */
  start(): void {
    if (this.targets.length === 0) {
      this.options.logger.warn('no name server configured: clients cannot find this broker through routes');
      return;
    }
    this.registerAll();
    this.timer = setInterval(() => this.registerAll(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Asks every name server to take the current topic table (after a topic change). */
  registerAll(): void {
    if (this.closed) return;
    for (const target of this.targets) this.schedule(target);
  }

  /** Resolves when no registration is in flight (tests and shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = this.targets.map((t) => t.inFlight).filter((p): p is Promise<void> => p !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  status(): RegistrationStatus[] {
    return this.targets.map((t) => {
      const s: { -readonly [K in keyof RegistrationStatus]: RegistrationStatus[K] } = { namesrvAddr: t.addr, registered: t.registered, registrations: t.registrations };
      if (t.lastSuccessMs !== undefined) s.lastSuccessMs = t.lastSuccessMs;
      if (t.lastError !== undefined) s.lastError = t.lastError;
      return s;
    });
  }

  /** Stops re-registering and tells every name server this broker is leaving. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.idle();
    await Promise.all(this.targets.map((t) => this.unregister(t)));
    await this.client.close();
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
