/**
 * An in-memory model of one broker group for controller tests: brokers with logs, epochs, roles
 * and the broker-side rules the controller relies on (README "Broker admin API contract"):
 *   - /role carries an epoch; a broker refuses any epoch below its own.
 *   - a slave follows only a master of its own epoch; on (re)connect it truncates to the longest
 *     prefix it shares with the master, then copies.
 *   - sync replication: a write is acknowledged once every replica of the master's required set
 *     holds it (at least `minInSyncReplicas` of them). The required set is the confirmed set
 *     (from the controller) plus every replica the master has reported in sync since; a replica
 *     leaves it only through a confirmation that excludes it.
 * It also records what the tests assert on: acknowledged ids, and any epoch claimed by two masters.
 */
import type { Clock, Result } from '../stdx';
import { err, ok } from '../stdx';
import { ControllerLoop } from './loop';
import type { MemoryGroupStateStore } from './memory-store';
import type { ControllerPorts } from './ports';
import type { BrokerObservation, BrokerRole, ControllerAction, ControllerPolicy, GroupObservation } from './types';

interface Entry {
  readonly id: string;
  readonly epoch: number;
}

export interface SimBroker {
  readonly id: string;
  priority: number;
  alive: boolean;
  partitioned: boolean;
  role: BrokerRole;
  epoch: number;
  fenced: boolean;
  log: Entry[];
  following: string | null;
  handshaken: boolean;
  syncStateSetEpoch: number;
  required: Set<string>;
}

interface PendingWrite {
  readonly id: string;
  readonly masterId: string;
  readonly epoch: number;
  readonly index: number;
}

export const SIM_GROUP = 'g';

export class FakeCluster {
  readonly brokers = new Map<string, SimBroker>();
  readonly acked = new Set<string>();
  readonly violations: string[] = [];
  private readonly epochOwners = new Map<number, string>();
  private pending: PendingWrite[] = [];
  private seq = 0;
  actionsApplied = 0;

  constructor(
    ids: readonly string[],
    private readonly minInSyncReplicas = 1,
    private readonly maxLagEntries = 100,
  ) {
    for (const id of ids) {
      this.brokers.set(id, {
        id, priority: 0, alive: true, partitioned: false, role: 'none', epoch: 0, fenced: false,
        log: [], following: null, handshaken: false, syncStateSetEpoch: 0, required: new Set(),
      });
    }
  }

  broker(id: string): SimBroker {
    const b = this.brokers.get(id);
    if (b === undefined) throw new Error(`no broker ${id}`);
    return b;
  }

  static address(id: string): string {
    return `${id}:10911`;
  }

  private reachable(b: SimBroker): boolean {
    return b.alive && !b.partitioned;
  }

  /** What the controller sees. A master reporting its in-sync set also adds it to its required set. */
  observe(): GroupObservation[] {
    const brokers: BrokerObservation[] = [...this.brokers.values()].map((b) => {
      if (!this.reachable(b)) return { reachable: false, replicaId: b.id };
      const isMaster = b.role === 'master';
      return {
        reachable: true,
        replicaId: b.id,
        address: FakeCluster.address(b.id),
        haAddress: `${b.id}:10912`,
        role: b.role,
        epoch: b.epoch,
        fenced: b.fenced,
        maxCommitLogOffset: b.log.length,
        masterAddress: b.role === 'slave' && b.following !== null ? FakeCluster.address(b.following) : null,
        ...(isMaster ? { inSyncReplicaIds: [b.id, ...this.reportInSync(b)], syncStateSetEpoch: b.syncStateSetEpoch } : {}),
        priority: b.priority,
      };
    });
    return [{ group: SIM_GROUP, brokers }];
  }

  /**
   * Slaves `m` counts in sync; they join its required set from now on. A slave joins once it holds
   * everything acknowledged (its log reaches the confirm offset) and stays while it lags by at
   * most `maxLagEntries` (it is required, so acknowledgements wait for it meanwhile).
   */
  private reportInSync(m: SimBroker): string[] {
    if (!this.reachable(m)) return [];
    const confirmOffset = this.confirmOffset(m);
    const inSync = [...this.brokers.values()]
      .filter((s) => this.reachable(s) && s.role === 'slave' && s.following === m.id && s.epoch === m.epoch && s.handshaken)
      .filter((s) => (m.required.has(s.id) ? m.log.length - s.log.length <= this.maxLagEntries : s.log.length >= confirmOffset))
      .map((s) => s.id);
    for (const id of inSync) m.required.add(id);
    return inSync;
  }

  /** Everything below the first write still waiting for its acknowledgement. */
  private confirmOffset(m: SimBroker): number {
    return Math.min(m.log.length, ...this.pending.filter((p) => p.masterId === m.id).map((p) => p.index));
  }

  act(a: ControllerAction): Result<void, string> {
    const b = this.broker(a.replicaId);
    if (!this.reachable(b)) return err(`${b.id} unreachable`);
    if (a.epoch < b.epoch) return err(`${b.id}: stale epoch ${a.epoch} < ${b.epoch}`);
    this.actionsApplied += 1;
    switch (a.kind) {
      case 'promote':
      case 'confirm-sync-set':
        // Mastering an epoch it already holds as a non-master would hand one epoch to two masters.
        if (a.epoch === b.epoch && b.role !== 'master') return err(`${b.id}: epoch ${a.epoch} is not above its own`);
        if (a.kind === 'confirm-sync-set' && b.role !== 'master') return err(`${b.id}: not master at ${a.epoch}`);
        if (b.role !== 'master' || b.epoch !== a.epoch) this.becomeMaster(b, a.epoch);
        b.fenced = false;
        b.syncStateSetEpoch = a.syncStateSetEpoch;
        b.required = new Set([...a.inSyncReplicaIds, ...this.reportInSync(b)]);
        return ok(undefined);
      case 'fence':
        if (b.role !== 'master' || b.epoch !== a.epoch) return err(`${b.id}: not master at ${a.epoch}`);
        b.fenced = true;
        return ok(undefined);
      case 'demote':
      case 'repoint':
        this.dropPendingOf(b.id);
        Object.assign(b, { role: 'slave', epoch: a.epoch, fenced: false, following: a.masterReplicaId, handshaken: false, required: new Set() });
        return ok(undefined);
    }
  }

  private becomeMaster(b: SimBroker, epoch: number): void {
    const owner = this.epochOwners.get(epoch);
    if (owner !== undefined && owner !== b.id) this.violations.push(`epoch ${epoch} mastered by ${owner} and ${b.id}`);
    this.epochOwners.set(epoch, b.id);
    this.dropPendingOf(b.id);
    Object.assign(b, { role: 'master', epoch, following: null, handshaken: false });
  }

  private dropPendingOf(id: string): void {
    this.pending = this.pending.filter((p) => p.masterId !== id);
  }

  /** Client writes to whoever accepts them (a partitioned master still has clients on its side). */
  write(count: number): string[] {
    const m = [...this.brokers.values()].find((b) => b.alive && b.role === 'master' && !b.fenced && !b.partitioned)
      ?? [...this.brokers.values()].find((b) => b.alive && b.role === 'master' && !b.fenced);
    if (m === undefined) return [];
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `m${++this.seq}`;
      m.log.push({ id, epoch: m.epoch });
      this.pending.push({ id, masterId: m.id, epoch: m.epoch, index: m.log.length - 1 });
      ids.push(id);
    }
    return ids;
  }

  /** One replication round: every connected slave handshakes if needed and copies up to `chunk` entries. */
  replicate(chunk = Number.POSITIVE_INFINITY): void {
    for (const s of this.brokers.values()) {
      if (s.role !== 'slave' || s.following === null || !this.reachable(s)) continue;
      const m = this.broker(s.following);
      if (!this.reachable(m) || m.role !== 'master') continue;
      if (m.epoch < s.epoch) {
        m.fenced = true; // a master meeting a newer epoch stops accepting writes at once
        continue;
      }
      if (m.epoch !== s.epoch) continue;
      if (!s.handshaken) {
        s.log = s.log.slice(0, commonPrefix(s.log, m.log));
        s.handshaken = true;
      }
      const end = Math.min(m.log.length, s.log.length + chunk);
      s.log.push(...m.log.slice(s.log.length, end));
    }
    this.evaluateAcks();
  }

  private evaluateAcks(): void {
    this.pending = this.pending.filter((p) => {
      const m = this.broker(p.masterId);
      if (!m.alive || m.role !== 'master' || m.epoch !== p.epoch || m.log[p.index]?.id !== p.id) return false;
      this.reportInSync(m);
      const others = [...m.required].filter((id) => id !== m.id);
      const held = others.every((id) => this.broker(id).log[p.index]?.id === p.id);
      if (others.length >= this.minInSyncReplicas && held) {
        this.acked.add(p.id);
        return false;
      }
      return true;
    });
  }

  kill(id: string): void {
    this.broker(id).alive = false;
  }

  /** A process restart: the log and epoch survive, the role does not. */
  restart(id: string): void {
    Object.assign(this.broker(id), { alive: true, role: 'none', fenced: false, following: null, handshaken: false, required: new Set() });
  }

  /** Masters currently claiming a role (alive, reachable or not). */
  masters(): SimBroker[] {
    return [...this.brokers.values()].filter((b) => b.alive && b.role === 'master');
  }

  /** Two live brokers claiming master at the same epoch right now. */
  sameEpochMasters(): string | null {
    const seen = new Map<number, string>();
    for (const m of this.masters()) {
      const other = seen.get(m.epoch);
      if (other !== undefined) return `${other} and ${m.id} both master at epoch ${m.epoch}`;
      seen.set(m.epoch, m.id);
    }
    return null;
  }

  /**
   * One writable master at the highest epoch any broker holds; every other live broker follows
   * it at that epoch with an identical log (call after `replicate()`).
   */
  converged(): SimBroker | null {
    const live = [...this.brokers.values()].filter((b) => this.reachable(b));
    const masters = live.filter((b) => b.role === 'master');
    if (masters.length !== 1 || masters[0]!.fenced) return null;
    const m = masters[0]!;
    if (live.some((b) => b.epoch > m.epoch)) return null;
    const followersOk = live.every((b) => b === m || (b.role === 'slave' && b.following === m.id && b.epoch === m.epoch && b.handshaken && sameLog(b.log, m.log)));
    return followersOk ? m : null;
  }

  /** Acknowledged ids missing from `id`'s log. */
  lostAcked(id: string): string[] {
    const have = new Set(this.broker(id).log.map((e) => e.id));
    return [...this.acked].filter((x) => !have.has(x));
  }
}

function commonPrefix(a: readonly Entry[], b: readonly Entry[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.id === b[i]!.id) i++;
  return i;
}

function sameLog(a: readonly Entry[], b: readonly Entry[]): boolean {
  return a.length === b.length && commonPrefix(a, b) === a.length;
}

/** Deterministic PRNG (mulberry32) for the randomized tests. */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a planned controller crash falls relative to the side effect it interrupts. */
export type CrashVariant = 'before' | 'after';

/**
 * A controller process that can die: its loop's ports hang forever once the planned side effect
 * (a save or an action, counted from 1) is reached, just before or just after it takes effect.
 * `tick()` then reports 'crashed' and a fresh loop starts from the same store.
 */
export class CrashableController {
  ops = 0;
  loops = 0;
  crashAt: number | null = null;
  variant: CrashVariant = 'before';
  /** Runs before each action lands: the world (clients, replication) moves on between actions. */
  beforeAct: (() => void) | null = null;
  private current: { loop: ControllerLoop; crashed: Promise<'crashed'> };

  constructor(
    private readonly cluster: FakeCluster,
    readonly store: MemoryGroupStateStore,
    private readonly clock: Clock,
    private readonly policy: ControllerPolicy,
    private readonly intervalMs: number,
  ) {
    this.current = this.startLoop();
  }

  get loop(): ControllerLoop {
    return this.current.loop;
  }

  async tick(): Promise<'ok' | 'crashed'> {
    const outcome = await Promise.race([this.current.loop.tick().then(() => 'ok' as const), this.current.crashed]);
    if (outcome === 'crashed') this.restart();
    return outcome;
  }

  /** Drops the loop (between ticks) and starts another, as a process restart would. */
  restart(): void {
    this.current = this.startLoop();
  }

  private startLoop(): { loop: ControllerLoop; crashed: Promise<'crashed'> } {
    this.loops += 1;
    let dead = false;
    let signal: () => void = () => undefined;
    const crashed = new Promise<'crashed'>((resolve) => (signal = () => resolve('crashed')));
    const hang = (): Promise<never> => {
      dead = true;
      signal();
      return new Promise<never>(() => undefined);
    };
    const sideEffect = async <T>(apply: () => Promise<T>): Promise<T> => {
      if (dead) return hang();
      this.ops += 1;
      if (this.ops !== this.crashAt) return apply();
      if (this.variant === 'after') await apply();
      return hang();
    };
    const ports: ControllerPorts = {
      observe: async () => (dead ? hang() : this.cluster.observe()),
      act: (a) =>
        sideEffect(async () => {
          this.beforeAct?.();
          return this.cluster.act(a);
        }),
      store: {
        load: (g) => this.store.load(g),
        save: (g, v, s) => sideEffect(() => this.store.save(g, v, s)),
      },
    };
    return { loop: new ControllerLoop(ports, { clock: this.clock, intervalMs: this.intervalMs, policy: this.policy }), crashed };
  }
}
