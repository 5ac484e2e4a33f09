/**
 * Long polling (FACTS 4.5): a pull that finds nothing and carries the SUSPEND flag is held instead of
 * answered, until its queue gains messages past the requested offset or its deadline passes.
 *
 * - Wake-ups: the store reports dispatch progress (`onDispatched`); checks are coalesced to one per
 *   event-loop turn, and a check costs one max-offset lookup per queue that has held pulls.
 * - Deadlines: one timer wheel (ticks of `TICK_MS`, buckets keyed by tick) instead of a timer per held
 *   pull; the ticker runs only while something is held. A deadline is honoured up to one tick late.
 * - A held pull re-runs its read when woken. If everything new was filtered out, it keeps waiting from
 *   the scanned position (upstream would not have woken it: it checks the tag hash on arrival).
 * - The re-run on timeout may not suspend again and answers what the read says (PULL_NOT_FOUND).
 * - Held pulls of a closed connection are dropped: nobody is left to answer.
 * - At most `maxHeld` pulls are held; past it the caller answers at once.
 */
import type { RemotingCommand } from '../../protocol';

export const TICK_MS = 50;

/** What a held pull does when it is woken or times out. */
export interface HeldPullRun {
  /**
   * Re-reads the queue from `queueOffset`. Returns the response, or a number (the offset scanned up to)
   * when nothing matched and the pull may keep waiting; with `final` a response is required.
   */
  (queueOffset: number, final: boolean): RemotingCommand | number;
}

interface HeldPull {
  readonly topic: string;
  readonly queueId: number;
  readonly queueKey: string;
  readonly connectionId: number;
  readonly tick: number;
  queueOffset: number;
  readonly run: HeldPullRun;
  readonly resolve: (response: RemotingCommand | null) => void;
  done: boolean;
}

export interface HoldRequest {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly connectionId: number;
  readonly holdMs: number;
  readonly run: HeldPullRun;
}

export class PullHoldService {
  private readonly byQueue = new Map<string, Set<HeldPull>>();
  private readonly byConnection = new Map<number, Set<HeldPull>>();
  private readonly wheel = new Map<number, Set<HeldPull>>();
  private heldCount = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private checkScheduled = false;
  private closed = false;

  constructor(
    private readonly maxHeld: number,
    private readonly monotonicMs: () => number,
    private readonly maxQueueOffset: (topic: string, queueId: number) => number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.heldCount;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Holds a pull; resolves with its eventual response (null if its connection closed). Undefined when full. */
  hold(request: HoldRequest): Promise<RemotingCommand | null> | undefined {
    if (this.closed || this.heldCount >= this.maxHeld) return undefined;
    this.startTicker();
    // Never a tick the ticker has already passed, or the pull would wait forever.
    const tick = Math.max(this.lastTick, Math.ceil((this.monotonicMs() + Math.max(0, request.holdMs)) / TICK_MS));
    return new Promise((resolve) => {
      const held: HeldPull = {
        topic: request.topic,
        queueId: request.queueId,
        queueKey: `${request.topic}@${request.queueId}`,
        connectionId: request.connectionId,
        tick,
        queueOffset: request.queueOffset,
        run: request.run,
        resolve,
        done: false,
      };
      addTo(this.byQueue, held.queueKey, held);
      addTo(this.byConnection, held.connectionId, held);
      addTo(this.wheel, held.tick, held);
      this.heldCount++;
      // A message may have been dispatched between the read and the hold.
      this.scheduleCheck();
    });
  }

  /** The store dispatched more records: check the held queues soon (once per event-loop turn). */
  scheduleCheck(): void {
    if (this.heldCount === 0 || this.checkScheduled || this.closed) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.checkQueues();
    });
  }

  /** Drops the held pulls of a closed connection without answering. */
  dropConnection(connectionId: number): void {
    const held = this.byConnection.get(connectionId);
    if (held === undefined) return;
    for (const pull of [...held]) this.finish(pull, null);
  }

  /** Answers every held pull with its final read (PULL_NOT_FOUND in practice) and stops the ticker. */
  close(): void {
    this.closed = true;
    for (const set of [...this.byQueue.values()]) for (const pull of [...set]) this.answerFinal(pull);
    this.stopTicker();
  }

  private checkQueues(): void {
    for (const set of [...this.byQueue.values()]) {
      const first = set.values().next().value;
      if (first === undefined) continue;
      const max = this.maxQueueOffset(first.topic, first.queueId);
      for (const pull of [...set]) {
        if (!pull.done && max > pull.queueOffset) this.wake(pull);
      }
    }
  }

  private wake(pull: HeldPull): void {
    let result: RemotingCommand | number;
    try {
      result = pull.run(pull.queueOffset, false);
    } catch (error) {
      this.onError(error);
      this.finish(pull, null);
      return;
    }
    if (typeof result === 'number') pull.queueOffset = Math.max(pull.queueOffset, result);
    else this.finish(pull, result);
  }

  private answerFinal(pull: HeldPull): void {
    let response: RemotingCommand | null = null;
    try {
      const result = pull.run(pull.queueOffset, true);
      response = typeof result === 'number' ? null : result;
    } catch (error) {
      this.onError(error);
    }
    this.finish(pull, response);
  }

  private finish(pull: HeldPull, response: RemotingCommand | null): void {
    if (pull.done) return;
    pull.done = true;
    removeFrom(this.byQueue, pull.queueKey, pull);
    removeFrom(this.byConnection, pull.connectionId, pull);
    removeFrom(this.wheel, pull.tick, pull);
    this.heldCount--;
    if (this.heldCount === 0) this.stopTicker();
    pull.resolve(response);
  }

  private startTicker(): void {
    if (this.ticker !== undefined) return;
    this.lastTick = Math.floor(this.monotonicMs() / TICK_MS);
    this.ticker = setInterval(() => this.onTick(), TICK_MS);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker === undefined) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private onTick(): void {
    const nowTick = Math.floor(this.monotonicMs() / TICK_MS);
    // Buckets are keyed by the tick their deadline rounds up to; walk every tick since the last run.
    // After a long stall that is many cheap lookups, bounded by the stall's length in ticks.
    for (let tick = this.lastTick; tick <= nowTick; tick++) {
      const bucket = this.wheel.get(tick);
      if (bucket === undefined) continue;
      for (const pull of [...bucket]) this.answerFinal(pull);
    }
    this.lastTick = nowTick + 1;
  }
}

function addTo<K>(map: Map<K, Set<HeldPull>>, key: K, pull: HeldPull): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(pull);
}

function removeFrom<K>(map: Map<K, Set<HeldPull>>, key: K, pull: HeldPull): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(pull);
  if (set.size === 0) map.delete(key);
}
