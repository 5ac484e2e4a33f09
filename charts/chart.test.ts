/**
 * The rocketcluster-operator chart: helm lint and helm template pass with the default values and with
 * every switch; every rendered object is valid for its Kubernetes kind; RBAC is exactly what the
 * operator contract lists; the Deployment carries the contract's env, probes and a non-root context.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHART_DIR, CRD_DIR, helmTemplate } from '../deploy/generate';
import { helmPath } from '../deploy/tools/helm';
import type { CheckedStream, Manifest } from '../operator/api/kube-schema-check.test-util';
import { checkManifestStreams, findManifest, manifestProblems } from '../operator/api/kube-schema-check.test-util';

const ROOT = path.resolve(__dirname, '..');
const NS = 'ops';
const CRUD = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** "RBAC the operator needs" of the operator contract, apiGroup/resource → verbs. */
const CONTRACT_RULES: Record<string, readonly string[]> = {
  'rocketcluster.io/rocketclusters': ['get', 'list', 'patch', 'update', 'watch'],
  'rocketcluster.io/rocketclusters/status': ['get', 'patch', 'update'],
  'rocketcluster.io/rocketclusters/finalizers': ['update'],
  'apps/deployments': CRUD,
  'apps/statefulsets': CRUD,
  '/services': CRUD,
  '/configmaps': CRUD,
  '/secrets': CRUD,
  '/pods': ['delete', 'get', 'list', 'patch', 'watch'],
  '/persistentvolumeclaims': ['delete', 'get', 'list', 'watch'],
  'policy/poddisruptionbudgets': CRUD,
  '/events': ['create', 'patch'],
  'events.k8s.io/events': ['create', 'patch'],
  'monitoring.coreos.com/servicemonitors': CRUD,
};
const LEASE_RULES: Record<string, readonly string[]> = { 'coordination.k8s.io/leases': ['create', 'get', 'update'] };

const CONTRACT_ENV = ['WATCH_NAMESPACES', 'LEADER_ELECTION', 'LEADER_ELECTION_NAMESPACE', 'LEASE_NAME', 'POD_NAME', 'POD_NAMESPACE', 'METRICS_PORT', 'LOG_LEVEL', 'RECONCILE_RESYNC_SECONDS', 'FAILOVER_TICK_MS'];

interface Variant {
  readonly title: string;
  readonly set: readonly string[];
}

const VARIANTS: readonly Variant[] = [
  { title: 'default values', set: [] },
  { title: 'watched namespaces, ServiceMonitor and dashboards on', set: ['watchNamespaces={team-a,team-b}', 'metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=kps', 'dashboards.enabled=true'] },
  { title: 'one replica without leader election, namespace object', set: ['replicas=1', 'leaderElection.enabled=false', 'createNamespace=true', 'metrics.service.enabled=false'] },
];

function setArgs(set: readonly string[]): string[] {
  return set.flatMap((s) => ['--set', s]);
}

/** Every render the tests look at, keyed by its --set list; rendered and checked once (beforeAll). */
const RENDERS: Record<string, readonly string[]> = {
  ...Object.fromEntries(VARIANTS.map((v) => [v.title, [...v.set]])),
  'watch list': ['watchNamespaces={team-a,team-b,team-a}'],
  'watch string': ['watchNamespaces=team-a\\,team-b'],
  values: [
    'image.repository=registry.example/rc/operator',
    'image.tag=1.2.3',
    'replicas=1',
    'leaderElection.enabled=false',
    'resources.limits.memory=1Gi',
    'nodeSelector.pool=system',
    'tolerations[0].key=dedicated',
    'tolerations[0].operator=Exists',
  ],
  monitor: ['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=kps', 'metrics.serviceMonitor.interval=15s'],
  dashboards: ['dashboards.enabled=true', 'dashboards.namespace=monitoring'],
  rules: ['prometheusRule.enabled=true', 'prometheusRule.labels.release=kps'],
};
const UNCHECKED: Record<string, readonly string[]> = { monitor: ['ServiceMonitor'], rules: ['PrometheusRule'], [VARIANTS[1]!.title]: ['ServiceMonitor'] };
const BAD_SERVICE = ['apiVersion: v1', 'kind: Service', 'metadata: {name: bad}', 'spec:', '  publishNotReadyAddress: true', '  ports: [{port: "not-a-number"}]'].join('\n');

const checked = new Map<string, CheckedStream>();

beforeAll(() => {
  const keys = Object.keys(RENDERS);
  // CRDs included: they are part of what `helm install` sends to the API server.
  const streams = keys.map((k) => helmTemplate(['--namespace', NS, '--include-crds', ...setArgs(RENDERS[k]!)]));
  const results = checkManifestStreams([...streams, BAD_SERVICE, fs.readFileSync(path.join(ROOT, 'deploy/prometheus/rules.yaml'), 'utf8')]);
  keys.forEach((k, i) => checked.set(k, results[i]!));
  checked.set('bad', results[keys.length]!);
  checked.set('rules file', results[keys.length + 1]!);
});

function render(key: string): readonly Manifest[] {
  return checked.get(key)!.manifests.filter((m) => m.kind !== 'CustomResourceDefinition');
}

function env(deployment: Manifest): Map<string, Record<string, unknown>> {
  const container = podSpec(deployment).containers[0]!;
  return new Map(container.env.map((e) => [e.name, e]));
}

interface Container {
  readonly name: string;
  readonly env: readonly (Record<string, unknown> & { name: string })[];
  readonly ports: readonly { name: string; containerPort: number }[];
  readonly livenessProbe: { httpGet: { path: string; port: string } };
  readonly readinessProbe: { httpGet: { path: string; port: string } };
  readonly securityContext: Record<string, unknown>;
}

interface PodSpec {
  readonly serviceAccountName: string;
  readonly securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
  readonly containers: readonly Container[];
}

function podSpec(deployment: Manifest): PodSpec {
  return (deployment['spec'] as { template: { spec: PodSpec } }).template.spec;
}

interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** apiGroup/resource → sorted verbs, merged over the given Roles or ClusterRoles. */
function grants(roles: readonly Manifest[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const role of roles) {
    for (const rule of role['rules'] as Rule[]) {
      for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) (out[`${group}/${resource}`] ??= new Set()).add(verb);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

describe('helm lint', () => {
  test.each(VARIANTS)('passes (--strict) with $title', ({ set }) => {
    // execFileSync throws (failing the test with helm's output) on a non-zero exit.
    const out = execFileSync(helmPath(), ['lint', CHART_DIR, '--strict', '--namespace', NS, ...setArgs(set)], { encoding: 'utf8' });
    expect(out).toContain('0 chart(s) failed');
  });
});

describe('helm template', () => {
  test.each(Object.keys(RENDERS))('renders objects valid for their Kubernetes kinds: %s', (key) => {
    const stream = checked.get(key)!;
    expect(manifestProblems(stream)).toEqual([]);
    // Only prometheus-operator kinds lack a schema model.
    expect(stream.results.filter((r) => r.unchecked).map((r) => r.kind)).toEqual(UNCHECKED[key] ?? []);
    expect(stream.manifests.map((m) => m.kind)).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'ServiceAccount', 'Deployment']));
  });

  test('a checker that finds nothing wrong is not vacuous: a misspelt and a mistyped field are reported', () => {
    const problems = manifestProblems(checked.get('bad')!);
    expect(problems.some((p) => p.includes('publishNotReadyAddress'))).toBe(true);
    expect(problems.some((p) => p.includes('/spec/ports/0/port'))).toBe(true);
  });

  test('without watchNamespaces the operator gets one ClusterRole with exactly the contract rules, and the Lease only in its namespace', () => {
    const manifests = render('default values');
    const clusterRole = findManifest(manifests, 'ClusterRole');
    expect(grants([clusterRole])).toEqual(CONTRACT_RULES);
    const binding = findManifest(manifests, 'ClusterRoleBinding');
    const sa = findManifest(manifests, 'ServiceAccount');
    expect(binding['roleRef']).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole.metadata.name });
    expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: NS }]);
    const roles = manifests.filter((m) => m.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace)).toEqual([NS]);
    expect(grants(roles)).toEqual(LEASE_RULES);
    expect(env(findManifest(manifests, 'Deployment')).get('WATCH_NAMESPACES')).toEqual({ name: 'WATCH_NAMESPACES', value: '' });
  });

  test('with watchNamespaces there is no cluster-wide right: a Role and RoleBinding per watched namespace, and the Lease Role', () => {
    for (const key of ['watch list', 'watch string']) {
      const manifests = render(key);
      expect(manifests.filter((m) => m.kind.startsWith('Cluster'))).toEqual([]);
      const roles = manifests.filter((m) => m.kind === 'Role');
      const byNamespace = (ns: string) => roles.filter((r) => r.metadata.namespace === ns);
      expect(grants(byNamespace('team-a'))).toEqual(CONTRACT_RULES);
      expect(grants(byNamespace('team-b'))).toEqual(CONTRACT_RULES);
      expect(grants(byNamespace(NS))).toEqual(LEASE_RULES);
      const bindings = manifests.filter((m) => m.kind === 'RoleBinding');
      expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual([NS, 'team-a', 'team-b']);
      for (const b of bindings) expect(b['subjects']).toEqual([{ kind: 'ServiceAccount', name: findManifest(manifests, 'ServiceAccount').metadata.name, namespace: NS }]);
      expect(env(findManifest(manifests, 'Deployment')).get('WATCH_NAMESPACES')).toEqual({ name: 'WATCH_NAMESPACES', value: 'team-a,team-b' });
    }
  });

  test('the Deployment runs the operator as the contract says: env, downward API identity, probes on 8080, non-root', () => {
    const manifests = render('default values');
    const deployment = findManifest(manifests, 'Deployment');
    const spec = podSpec(deployment);
    const vars = env(deployment);
    expect([...vars.keys()]).toEqual(CONTRACT_ENV);
    expect(vars.get('POD_NAME')).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(vars.get('POD_NAMESPACE')).toEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(vars.get('LEADER_ELECTION')?.['value']).toBe('true');
    expect(vars.get('LEADER_ELECTION_NAMESPACE')?.['value']).toBe(NS);
    expect(vars.get('LEASE_NAME')?.['value']).toBe('rocketcluster-operator');
    expect(vars.get('METRICS_PORT')?.['value']).toBe('8080');
    const container = spec.containers[0]!;
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(spec.securityContext.runAsUser).toBe(10001);
    expect(container.securityContext['allowPrivilegeEscalation']).toBe(false);
    expect(spec.serviceAccountName).toBe(findManifest(manifests, 'ServiceAccount').metadata.name);
    expect((deployment['spec'] as { replicas: number }).replicas).toBe(2);
    // The metrics Service reaches the pods and names the port the ServiceMonitor scrapes.
    const service = findManifest(manifests, 'Service');
    const selector = (service['spec'] as { selector: Record<string, string> }).selector;
    const podLabels = (deployment['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    for (const [k, v] of Object.entries(selector)) expect(podLabels[k]).toBe(v);
    expect((service['spec'] as { ports: unknown[] }).ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('values reach the Deployment: image, resources, scheduling, leader election off', () => {
    const manifests = render('values');
    const deployment = findManifest(manifests, 'Deployment');
    const spec = podSpec(deployment) as unknown as { containers: { image: string; resources: { limits: { memory: string } } }[]; nodeSelector: unknown; tolerations: unknown };
    expect(spec.containers[0]!.image).toBe('registry.example/rc/operator:1.2.3');
    expect(spec.containers[0]!.resources.limits.memory).toBe('1Gi');
    expect(spec.nodeSelector).toEqual({ pool: 'system' });
    expect(spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
    expect(env(deployment).get('LEADER_ELECTION')?.['value']).toBe('false');
    // No Lease, no Lease rights.
    expect(manifests.filter((m) => m.kind === 'Role')).toEqual([]);
  });

  test('two replicas without leader election are refused: both would reconcile and fail over the same clusters', () => {
    expect(() => helmTemplate(['--namespace', NS, '--set', 'replicas=2', '--set', 'leaderElection.enabled=false'])).toThrow(/leaderElection/);
  });

  test('the ServiceMonitor scrapes the metrics Service port, keeps the operator labels and carries the extra labels', () => {
    const manifests = render('monitor');
    const monitor = findManifest(manifests, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels?.['release']).toBe('kps');
    const spec = monitor['spec'] as { selector: { matchLabels: Record<string, string> }; endpoints: Record<string, unknown>[] };
    expect(spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', honorLabels: true }]);
    const serviceLabels = findManifest(manifests, 'Service').metadata.labels ?? {};
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) expect(serviceLabels[k]).toBe(v);
  });

  test('dashboards are ConfigMaps labelled for the Grafana sidecar holding deploy/grafana/*.json verbatim', () => {
    const manifests = render('dashboards');
    const maps = manifests.filter((m) => m.kind === 'ConfigMap');
    const files = fs.readdirSync(path.join(ROOT, 'deploy/grafana')).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBe(2);
    expect(maps.length).toBe(files.length);
    const data = Object.assign({}, ...maps.map((m) => m['data'] as Record<string, string>)) as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(files);
    for (const f of files) expect(data[f]).toBe(fs.readFileSync(path.join(ROOT, 'deploy/grafana', f), 'utf8').trimEnd());
    for (const m of maps) {
      expect(m.metadata.labels?.['grafana_dashboard']).toBe('1');
      expect(m.metadata.namespace).toBe('monitoring');
    }
    expect(render('default values').filter((m) => m.kind === 'ConfigMap')).toEqual([]);
  });

  test('the PrometheusRule holds the rules of deploy/prometheus/rules.yaml with the release labels', () => {
    const rule = findManifest(render('rules'), 'PrometheusRule');
    expect(rule.metadata.namespace).toBe(NS);
    expect(rule.metadata.labels?.['release']).toBe('kps');
    expect(rule['spec']).toEqual(checked.get('rules file')!.manifests[0]!['spec']);
    expect(render('default values').filter((m) => m.kind === 'PrometheusRule')).toEqual([]);
  });

  test('the chart ships the CRDs of crds/ unchanged (deploy/generate.ts copies them)', () => {
    const generated = fs.readdirSync(CRD_DIR).sort();
    expect(fs.readdirSync(path.join(CHART_DIR, 'crds')).sort()).toEqual(generated);
    for (const f of generated) expect(fs.readFileSync(path.join(CHART_DIR, 'crds', f), 'utf8')).toBe(fs.readFileSync(path.join(CRD_DIR, f), 'utf8'));
  });
});
