/**
 * Leader election on a coordination.k8s.io/v1 Lease, so two operator replicas never reconcile at
 * once. A candidate takes the Lease when it is free or when its record has not changed for the
 * holder's lease duration, measured on the candidate's own monotonic clock from when it first saw
 * that record (as client-go does, so clock skew between nodes does not matter). The leader renews
 * every retry period; if no renewal succeeded within the renew deadline (shorter than the lease
 * duration) it steps down on its own timer, even while a request hangs, before anyone else may take
 * over. A clean stop releases the Lease so a standby takes over at once. Every write carries the
 * resourceVersion it read, so two candidates can never both win a round.
 */
import { assert, systemClock } from '../../stdx';
import type { Clock } from '../../stdx';
import type { KubeClient, KubeObject } from './types';
import { realTimers } from './work-queue';
import type { Timers } from './work-queue';

export interface LeaderElectorOptions {
  readonly namespace: string;
  readonly name: string;
  /** This replica (POD_NAME). */
  readonly identity: string;
  /** Default 15 s. Written to the Lease in whole seconds. */
  readonly leaseDurationMs?: number;
  /** Default 10 s. */
  readonly renewDeadlineMs?: number;
  /** Default 2 s. */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  /** The observed holder changed (undefined: nobody holds it). */
  readonly onNewLeader?: (identity: string | undefined) => void;
  readonly onError?: (error: unknown) => void;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export class LeaderElector {
  private leading = false;
  /** The last round ended with this replica holding the Lease. */
  private holding = false;
  private running = false;
  private tickTimer: unknown;
  private deadlineTimer: unknown;
  private current: Promise<void> = Promise.resolve();
  private observedKey = '';
  private observedAtMs = 0;
  private observedHolder: string | undefined;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(private readonly kube: KubeClient, private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? realTimers;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    assert(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs, 'need leaseDuration > renewDeadline > retryPeriod');
    assert(options.identity !== '', 'leader election needs an identity');
  }

  /** Starts campaigning (first attempt at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.current = this.tick();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease. */
  leader(): string | undefined {
    return this.observedHolder;
  }

  /** Resolves when the attempt in progress (if any) has finished (tests step time with it). */
  settled(): Promise<void> {
    return this.current;
  }

  /** Stops campaigning; a leader steps down and releases the Lease so a standby need not wait. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.tickTimer !== undefined) this.timers.clear(this.tickTimer);
    this.tickTimer = undefined;
    await this.current;
    this.stepDown();
    // Also when the last round won the Lease just as stop began (we never started leading on it).
    if (this.holding) await this.release();
    this.holding = false;
  }

  private async tick(): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew();
      this.holding = acquired;
      if (!this.running) return;
      if (acquired) this.renewed();
      // Someone else holds it now (we were too slow to renew): we lead no more, at once.
      else if (this.leading && this.observedHolder !== this.options.identity) this.stepDown();
    } catch (e) {
      this.options.onError?.(e);
    }
    if (this.running) {
      this.tickTimer = this.timers.set(() => {
        this.tickTimer = undefined;
        this.current = this.tick();
      }, this.retryPeriodMs);
    }
  }

  /** True when this replica holds the Lease after the round. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.options.namespace, name: this.options.name };
    const now = microTime(this.clock.nowMs());
    const lease = await this.kube.get<Lease>(ref);
    if (lease === null) {
      const created = await this.kube.create<Lease>({
        ...ref,
        metadata: { name: ref.name, namespace: ref.namespace },
        spec: { holderIdentity: this.options.identity, leaseDurationSeconds: this.leaseSeconds(), acquireTime: now, renewTime: now, leaseTransitions: 0 },
      });
      if (created.ok) this.observe(created.value.spec ?? {});
      return created.ok;
    }
    const spec = lease.spec ?? {};
    this.observe(spec);
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.options.identity;
    if (!mine && holder !== '' && !this.expired(spec)) return false;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseSeconds(),
      renewTime: now,
      acquireTime: mine ? spec.acquireTime ?? now : now,
      leaseTransitions: mine ? spec.leaseTransitions ?? 0 : (spec.leaseTransitions ?? 0) + 1,
    };
    const replaced = await this.kube.replace<Lease>({ ...lease, spec: next });
    if (replaced.ok) this.observe(replaced.value.spec ?? next);
    return replaced.ok;
  }

  /** Remembers when the Lease record last changed, on our clock. */
  private observe(spec: LeaseSpec): void {
    const key = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseTransitions ?? 0}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAtMs = this.clock.monotonicMs();
    }
    const holder = spec.holderIdentity || undefined;
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      this.options.onNewLeader?.(holder);
    }
  }

  private expired(spec: LeaseSpec): boolean {
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseSeconds()) * 1000;
    return this.clock.monotonicMs() - this.observedAtMs >= durationMs;
  }

  private renewed(): void {
    if (this.deadlineTimer !== undefined) this.timers.clear(this.deadlineTimer);
    this.deadlineTimer = this.timers.set(() => {
      this.deadlineTimer = undefined;
      this.stepDown();
    }, this.renewDeadlineMs);
    if (!this.leading) {
      this.leading = true;
      this.options.onStartedLeading();
    }
  }

  private stepDown(): void {
    if (this.deadlineTimer !== undefined) this.timers.clear(this.deadlineTimer);
    this.deadlineTimer = undefined;
    if (!this.leading) return;
    this.leading = false;
    this.options.onStoppedLeading();
  }

  private async release(): Promise<void> {
    try {
      const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.options.namespace, name: this.options.name };
      const lease = await this.kube.get<Lease>(ref);
      if (lease === null || lease.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.clock.nowMs());
      await this.kube.replace<Lease>({ ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now } });
    } catch (e) {
      this.options.onError?.(e);
    }
  }

  private leaseSeconds(): number {
    return Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
  }
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits (the server's parser insists). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
