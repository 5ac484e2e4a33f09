/**
 * What kind of change a saved controller decision is, for counters, Events and status. Pure.
 */
import type { GroupState } from '../../controller';

export type DecisionKind =
  /** The group's first master. */
  | 'bootstrap'
  /** A new master replaced one that was down (or asked away by a manual failover). */
  | 'failover'
  /** A planned switchover completed: the fenced master handed over to a caught-up slave. */
  | 'switchover'
  /** The same master at a new epoch (it came back without its role and was elected again). */
  | 'reelected'
  /** In-sync set or switchover bookkeeping only. */
  | 'update';

export function classifyDecision(from: GroupState | null, to: GroupState): DecisionKind {
  if (from === null || from.masterId === null) return to.masterId === null ? 'update' : 'bootstrap';
  if (to.epoch === from.epoch) return 'update';
  if (to.masterId === from.masterId) return 'reelected';
  if (from.pending !== null && from.pending.toId === to.masterId) return 'switchover';
  return 'failover';
}
