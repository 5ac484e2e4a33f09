/**
 * operator/specs: pure builders of a RocketCluster's children (Deployments, StatefulSets,
 * Services, PDBs, the broker ConfigMap, the admin-token Secret, the ServiceMonitor) from a
 * defaulted cluster, and the names, labels and addresses they use. No I/O. The folder's only door.
 */
export type { ClusterIdentity, Component } from './names';
export {
  ADMIN_TOKEN_KEY,
  ANNOTATIONS,
  APP_NAME,
  BROKER_CONFIG_DIR,
  BROKER_CONFIG_FILE_KEY,
  BROKER_CONFIG_PATH,
  Components,
  DATA_DIR,
  DATA_VOLUME,
  FIELD_MANAGER,
  LABELS,
  MANAGED_BY,
  PORTS,
  PORT_NAMES,
  RUN_AS_USER,
  adminTokenSecretName,
  brokerConfigMapName,
  brokerGroupIndex,
  brokerGroupName,
  brokerLabels,
  brokerNamesrvAddr,
  brokerPdbName,
  brokerPodSelector,
  brokerSelectorLabels,
  brokerServiceName,
  clusterChildrenSelector,
  commonLabels,
  nameserverAddress,
  nameserverDeploymentName,
  nameserverHeadlessServiceName,
  nameserverPdbName,
  nameserverSelectorLabels,
  nameserverServiceName,
  podDnsName,
  podName,
  serviceMonitorName,
  statefulSetName,
} from './names';
export { childMeta, isOwnedBy, ownerReference } from './meta';
export { configHash, operatorBrokerConfig, renderBrokerConf, userBrokerConfig } from './broker-conf';
export { NAMESERVER_CONTAINER, nameserverDeployment, nameserverHeadlessService, nameserverPdb, nameserverService } from './nameserver';
export { BROKER_CONTAINER, brokerConfigMap, brokerPdb, brokerService, brokerStatefulSet, podTemplateHash } from './broker';
export type { ServiceMonitor, ServiceMonitorEndpoint } from './extras';
export { adminTokenOf, adminTokenSecret, serviceMonitor } from './extras';
export type { ChildKind, ChildObject, DesiredStateOptions } from './desired';
export { CHILD_KINDS, childKey, desiredState, groupIndices } from './desired';
