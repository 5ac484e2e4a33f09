/**
 * The body of `POST /role`, checked field by field (pure). Every problem is reported at once, so a
 * controller sees what is wrong with its command in one round trip.
 */
import { parseAddress } from '../../remoting';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { RoleCommand } from '../ha';

const MAX_EPOCH = 0x7fffffff;
const KNOWN_FIELDS = new Set(['role', 'epoch', 'masterAddress', 'brokerId', 'writable', 'inSyncSet', 'syncStateSetEpoch']);
/** A broker group has a handful of replicas. */
const MAX_IN_SYNC_SET = 64;

export function parseRoleRequest(body: unknown): Result<RoleCommand, string[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return err(['the body must be a JSON object']);
  const o = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(o)) if (!KNOWN_FIELDS.has(key)) problems.push(`unknown field ${JSON.stringify(key)}`);
  const { role, epoch, masterAddress, brokerId, writable, inSyncSet, syncStateSetEpoch } = o;
  if (role !== 'master' && role !== 'slave') problems.push('role must be "master" or "slave"');
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 1 || epoch > MAX_EPOCH) problems.push(`epoch must be an integer in 1..${MAX_EPOCH}`);
  if (role === 'master') {
    if (masterAddress !== undefined) problems.push('masterAddress is for slaves');
    if (brokerId !== undefined) problems.push('brokerId is for slaves (a master registers as 0)');
    if (writable !== undefined && typeof writable !== 'boolean') problems.push('writable must be true or false');
    problems.push(...inSyncSetProblems(inSyncSet, syncStateSetEpoch));
  }
  if (role === 'slave') {
    if (typeof masterAddress !== 'string' || !parseAddress(masterAddress).ok) problems.push('masterAddress must be the master\'s HA address, host:port');
    if (brokerId !== undefined && (typeof brokerId !== 'number' || !Number.isSafeInteger(brokerId) || brokerId < 1)) problems.push('brokerId must be an integer >= 1');
    if (writable !== undefined) problems.push('writable is for masters');
    if (inSyncSet !== undefined || syncStateSetEpoch !== undefined) problems.push('inSyncSet and syncStateSetEpoch are for masters');
  }
  if (problems.length > 0) return err(problems);
  if (role === 'master') {
    return ok({
      role,
      epoch: epoch as number,
      ...(writable !== undefined ? { writable: writable as boolean } : {}),
      ...(inSyncSet !== undefined ? { inSyncSet: inSyncSet as string[], syncStateSetEpoch: syncStateSetEpoch as number } : {}),
    });
  }
  return ok({ role: 'slave', epoch: epoch as number, masterAddress: masterAddress as string, ...(brokerId !== undefined ? { brokerId: brokerId as number } : {}) });
}

/** `inSyncSet` (remoting addresses) and `syncStateSetEpoch` come together, or not at all. */
function inSyncSetProblems(inSyncSet: unknown, syncStateSetEpoch: unknown): string[] {
  if (inSyncSet === undefined && syncStateSetEpoch === undefined) return [];
  const problems: string[] = [];
  if (!Array.isArray(inSyncSet) || inSyncSet.length > MAX_IN_SYNC_SET || !inSyncSet.every((a) => typeof a === 'string' && parseAddress(a).ok)) {
    problems.push(`inSyncSet must be a list of at most ${MAX_IN_SYNC_SET} remoting addresses, host:port`);
  }
  if (typeof syncStateSetEpoch !== 'number' || !Number.isSafeInteger(syncStateSetEpoch) || syncStateSetEpoch < 0) {
    problems.push('syncStateSetEpoch must be an integer >= 0 (given with inSyncSet)');
  }
  return problems;
}
