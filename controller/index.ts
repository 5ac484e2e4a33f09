/**
 * controller/: who is master of each broker group, at which epoch. Pure decisions (elect, fence,
 * plan failover and switchover, reconcile) plus a small loop driving them through injected
 * observe/act/store ports. Hosts: the local supervisor (`rocketctl up`) and the operator.
 */
export type {
  BrokerRole,
  ReachableBroker,
  UnreachableBroker,
  BrokerObservation,
  GroupObservation,
  PendingSwitchover,
  GroupState,
  PromoteAction,
  FenceAction,
  FollowAction,
  ControllerAction,
  NoteKind,
  ControllerNote,
  ControllerIntent,
  ControllerPolicy,
} from './types';
export { BrokerRoles, NoteKinds, defaultControllerPolicy } from './types';
export type { Election, ElectOptions } from './election';
export { compareReplicaIds, electFirstMaster, electMaster, isMasterDown, nextEpoch, rankCandidates } from './election';
export { adoptInSyncSet, convergeActions, normaliseInSyncSet } from './converge';
export type { Convergence } from './converge';
export type { PlanStep, SwitchoverPlan, SwitchoverProgress } from './switchover';
export { advanceSwitchover, caughtUp, planSwitchover } from './switchover';
export type { FailoverOptions, FailoverPlan, IntentOutcome, ReconcileInput, Reconciliation } from './reconcile';
export { initialGroupState, planFailover, reconcileGroup, sameGroupState } from './reconcile';
export { validateInvariants, validateState, validateTransition } from './invariants';
export type { ControllerPorts, GroupStateStore, SaveOutcome, StoredGroupState, Timers } from './ports';
export { systemTimers } from './ports';
export { MemoryGroupStateStore } from './memory-store';
export type { ControllerLoopEvents, ControllerLoopOptions, GroupTickReport, TickReport } from './loop';
export { ControllerLoop, MAX_GROUPS, MAX_REPLICAS_PER_GROUP } from './loop';
export type { BrokerStatusBody, RoleRequestBody, SlaveStatusBody } from './admin-api';
export { DEFAULT_ELECTION_PRIORITY, observationFromStatus, roleRequestFor } from './admin-api';
export type { BrokerRoleCommand, ReplicaEndpoint } from './broker-admin';
export { observationFromBrokerStatus, roleCommandFor } from './broker-admin';
