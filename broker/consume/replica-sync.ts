/**
 * Subscription groups copied from a master to a slave (the slave's table becomes the master's, as
 * upstream's slave synchronisation does), applied only when the master's dataVersion moved.
 */
import type { DataVersion } from './subscription-groups';
import { parseSubscriptionGroups } from './subscription-groups';
import type { SubscriptionGroupTable } from './subscription-groups';

/** What a master's snapshot changed on a slave. */
export interface ReplicaApplied {
  readonly offsetsChanged: boolean;
  readonly groupsChanged: boolean;
}

function sameVersion(a: DataVersion, b: DataVersion): boolean {
  return a.counter === b.counter && a.timestamp === b.timestamp && a.stateVersion === b.stateVersion;
}

/** Applies `{subscriptionGroupTable, dataVersion}` when present; returns whether the table changed. Throws on a malformed one. */
export function applyGroupSnapshot(groups: SubscriptionGroupTable, value: unknown): boolean {
  const o = value as { subscriptionGroupTable?: unknown } | null;
  if (o === null || typeof o !== 'object' || o.subscriptionGroupTable === undefined) return false;
  const parsed = parseSubscriptionGroups(value);
  if (!parsed.ok) throw new Error(parsed.error);
  if (sameVersion(parsed.value.dataVersion, groups.toJson().dataVersion)) return false;
  groups.load(parsed.value);
  // Persisted by the flush timer like any other change.
  groups.markDirty();
  return true;
}
