/**
 * cli/controller-host: the controller (controller/) hosted by the local supervisor (`rocketctl up`):
 * HTTP observe/act against each broker's admin API, a JSON file store, the loop and its log.
 */
export type { BrokerRoleCommand, ReplicaEndpoint } from '../../controller';
export { observationFromBrokerStatus, roleCommandFor } from '../../controller';
export { FileGroupStateStore } from './file-store';
export type { ControllerHost, ControllerHostOptions } from './host';
export { CONTROLLER_TIMING, describeDecision, startControllerHost } from './host';
export type { ControlEvent, GroupView, IntentReply, ReplicaInfo, RoleIntentKind } from './control-api';
export { CONTROL_API_PREFIX, CONTROL_TOKEN_FILE } from './control-api';
export type { ControlServer, ControlTarget } from './control-server';
export { startControlServer } from './control-server';
export { GroupJournal, MAX_EVENTS_PER_GROUP } from './journal';
