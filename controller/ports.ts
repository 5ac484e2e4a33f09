/**
 * The loop's ports, owned here (the consumer) and implemented by its hosts: the local supervisor
 * (HTTP to each broker's admin port, a state file) and the operator (HTTP to pods, the
 * RocketCluster status written with resourceVersion concurrency).
 */
import type { Result } from '../stdx';
import type { ControllerAction, GroupObservation, GroupState } from './types';

export interface StoredGroupState {
  /** Opaque version for compare-and-set: a resourceVersion, a file generation. */
  readonly version: string;
  readonly state: GroupState;
}

export type SaveOutcome =
  | { readonly kind: 'saved'; readonly version: string }
  /** Someone else saved since `expectedVersion` was read; nothing was written. */
  | { readonly kind: 'conflict'; readonly reason?: string };

/** Persisted per-group decisions with compare-and-set saves. */
export interface GroupStateStore {
  load(group: string): Promise<StoredGroupState | null>;
  /** Writes `state` only if the stored version is still `expectedVersion` (null: nothing stored yet). */
  save(group: string, expectedVersion: string | null, state: GroupState): Promise<SaveOutcome>;
}

export interface ControllerPorts {
  /** Every group the host manages with every replica it knows of, reachable or not. */
  observe(): Promise<readonly GroupObservation[]>;
  /** Sends one action to one broker; an error result (or a throw) stops the group's actions this tick. */
  act(action: ControllerAction): Promise<Result<void, string>>;
  readonly store: GroupStateStore;
}

/** Timer functions, injectable so a host can drive ticks itself; tests call `tick()` directly. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
