/**
 * The control endpoint's contract: how `rocketctl switchover` / `failover` reach the controller that
 * `rocketctl up` hosts. The CLI never talks to brokers' `POST /role` itself: the controller's
 * persisted decision is the source of truth for roles, and a role changed behind its back would be
 * undone (or fought over) on the next tick. Plain data shared by the server and the client.
 *
 * HTTP on loopback, JSON, `Authorization: Bearer <token>`:
 * - `GET  /v1/groups` → `{groups: string[]}`
 * - `GET  /v1/groups/<group>?since=<seq>` → GroupView (events after `seq`)
 * - `POST /v1/groups/<group>/switchover` `{to?: replicaId}` → IntentReply
 * - `POST /v1/groups/<group>/failover` `{}` → IntentReply
 * Errors: `{error}` with 400 (bad request), 401 (token), 404 (unknown group or route), 409 (refused).
 */
import type { BrokerObservation, GroupState } from '../../controller';

export const CONTROL_API_PREFIX = '/v1';

/** Where `up` writes the control token (mode 0600), next to its state file. */
export const CONTROL_TOKEN_FILE = 'rocketctl-control.token';

/** Something the controller decided, noted or failed at for a group; `seq` grows by one per event. */
export interface ControlEvent {
  readonly seq: number;
  readonly atMs: number;
  readonly kind: string;
  readonly message: string;
}

export interface ReplicaInfo {
  readonly replicaId: string;
  readonly address: string;
  readonly haAddress: string;
  readonly httpUrl: string;
}

/** One group as the controller sees it now. */
export interface GroupView {
  readonly group: string;
  readonly replicas: readonly ReplicaInfo[];
  /** The persisted decision; null before the first election. */
  readonly state: GroupState | null;
  /** The last tick's observations (empty before the first tick). */
  readonly observed: readonly BrokerObservation[];
  readonly observedAtMs: number | null;
  readonly events: readonly ControlEvent[];
  /** The seq of the newest event ever recorded for the group (0: none), to poll `since`. */
  readonly lastSeq: number;
}

export interface IntentReply {
  readonly accepted: boolean;
  readonly reason: string;
}

export type RoleIntentKind = 'switchover' | 'failover';
