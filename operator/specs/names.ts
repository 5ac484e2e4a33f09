/**
 * Names, labels, ports and addresses of a cluster's children (docs: notes/operator-contract.md).
 * Every other module, and the controllers, derive names only through these functions, so a name
 * is spelled once.
 */
/**
 * All a name needs of a cluster: its name and namespace. A RocketCluster is one, and so is
 * `{ metadata: key }` for a controller that holds only the cluster's key.
 */
export interface ClusterIdentity {
  readonly metadata: { readonly name: string; readonly namespace: string };
}

export const PORTS = {
  nameserverRemoting: 9876,
  nameserverHttp: 9877,
  brokerRemoting: 10911,
  brokerHa: 10912,
  brokerHttp: 10913,
} as const;

export const PORT_NAMES = { remoting: 'remoting', ha: 'ha', http: 'http' } as const;

export const Components = { nameserver: 'nameserver', broker: 'broker' } as const;
export type Component = (typeof Components)[keyof typeof Components];

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'rocketcluster.io/cluster',
  brokerGroup: 'rocketcluster.io/broker-group',
  role: 'rocketcluster.io/role',
  /** On the Services a ServiceMonitor scrapes (one per pod set, so no pod is scraped twice). */
  metrics: 'rocketcluster.io/metrics',
} as const;

export const ANNOTATIONS = {
  configHash: 'rocketcluster.io/config-hash',
  prometheusScrape: 'prometheus.io/scrape',
  prometheusPort: 'prometheus.io/port',
  prometheusPath: 'prometheus.io/path',
} as const;

export const APP_NAME = 'rocketcluster';
export const MANAGED_BY = 'rocketcluster-operator';
export const FIELD_MANAGER = 'rocketcluster-operator';

/** Where the broker reads its config file and keeps its data. */
export const BROKER_CONFIG_DIR = '/etc/rocketcluster';
export const BROKER_CONFIG_FILE_KEY = 'broker.conf';
export const BROKER_CONFIG_PATH = `${BROKER_CONFIG_DIR}/${BROKER_CONFIG_FILE_KEY}`;
export const DATA_DIR = '/data';
export const DATA_VOLUME = 'data';
export const ADMIN_TOKEN_KEY = 'token';
/** The uid/gid the image runs as (Dockerfile.broker). */
export const RUN_AS_USER = 10001;

const nameOf = (c: ClusterIdentity): string => c.metadata.name;
const namespaceOf = (c: ClusterIdentity): string => c.metadata.namespace;

/** brokerName of group i: "broker-<i>". */
export function brokerGroupName(group: number): string {
  return `broker-${group}`;
}

/** The group index of a brokerName, or undefined when it is not "broker-<i>". */
export function brokerGroupIndex(brokerName: string): number | undefined {
  const m = /^broker-(0|[1-9][0-9]*)$/.exec(brokerName);
  return m === null ? undefined : Number(m[1]);
}

export const nameserverDeploymentName = (c: ClusterIdentity): string => `${nameOf(c)}-nameserver`;
export const nameserverServiceName = (c: ClusterIdentity): string => `${nameOf(c)}-nameserver`;
export const nameserverHeadlessServiceName = (c: ClusterIdentity): string => `${nameOf(c)}-nameserver-headless`;
export const nameserverPdbName = (c: ClusterIdentity): string => `${nameOf(c)}-nameserver`;

/** StatefulSet, headless Service and PDB of group i share this name: "<c>-broker-<i>". */
export const statefulSetName = (c: ClusterIdentity, group: number): string => `${nameOf(c)}-${brokerGroupName(group)}`;
export const brokerServiceName = statefulSetName;
export const brokerPdbName = statefulSetName;
export const brokerConfigMapName = (c: ClusterIdentity): string => `${nameOf(c)}-broker-config`;
export const adminTokenSecretName = (c: ClusterIdentity): string => `${nameOf(c)}-admin-token`;
export const serviceMonitorName = (c: ClusterIdentity): string => nameOf(c);

/** Pod k of group i: "<c>-broker-<i>-<k>" (the controller's replicaId). */
export function podName(c: ClusterIdentity, group: number, ordinal: number): string {
  return `${statefulSetName(c, group)}-${ordinal}`;
}

/** The stable DNS name of a broker pod through its group's headless Service. */
export function podDnsName(c: ClusterIdentity, group: number, ordinal: number): string {
  return `${podName(c, group, ordinal)}.${brokerServiceName(c, group)}.${namespaceOf(c)}.svc`;
}

/** Clients' nameserver address (status.nameserverAddress): the ClusterIP Service. */
export function nameserverAddress(c: ClusterIdentity): string {
  return `${nameserverServiceName(c)}.${namespaceOf(c)}.svc:${PORTS.nameserverRemoting}`;
}

/**
 * The brokers' namesrvAddr: the headless Service, whose name resolves to every nameserver pod, so
 * a broker registers with all of them rather than with whichever one a ClusterIP picks.
 */
export function brokerNamesrvAddr(c: ClusterIdentity): string {
  return `${nameserverHeadlessServiceName(c)}.${namespaceOf(c)}.svc:${PORTS.nameserverRemoting}`;
}

/** The labels every child carries. */
export function commonLabels(c: ClusterIdentity, component: Component): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: nameOf(c),
    [LABELS.component]: component,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.cluster]: nameOf(c),
  };
}

/** Selector of the nameserver pods (immutable in a Deployment, so never extended). */
export function nameserverSelectorLabels(c: ClusterIdentity): Record<string, string> {
  return { [LABELS.name]: APP_NAME, [LABELS.instance]: nameOf(c), [LABELS.component]: Components.nameserver };
}

/** Selector of group i's pods (immutable in a StatefulSet, so never extended). */
export function brokerSelectorLabels(c: ClusterIdentity, group: number): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: nameOf(c),
    [LABELS.component]: Components.broker,
    [LABELS.brokerGroup]: brokerGroupName(group),
  };
}

export function brokerLabels(c: ClusterIdentity, group: number): Record<string, string> {
  return { ...commonLabels(c, Components.broker), [LABELS.brokerGroup]: brokerGroupName(group) };
}

/** status.selector, the scale subresource's label selector: every broker pod of the cluster. */
export function brokerPodSelector(c: ClusterIdentity): string {
  return `${LABELS.cluster}=${nameOf(c)},${LABELS.component}=${Components.broker}`;
}

/** Label selector (string form) of every child of a cluster, for list calls. */
export function clusterChildrenSelector(c: ClusterIdentity): string {
  return `${LABELS.cluster}=${nameOf(c)},${LABELS.managedBy}=${MANAGED_BY}`;
}
