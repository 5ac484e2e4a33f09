/**
 * deploy/: the generated files are up to date, the kubectl-apply bundle and the examples are valid,
 * dashboards and alerts query only series that exist, and the images run as non-root.
 */
import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateRocketCluster } from '../operator/api';
import { BUNDLE_NAMESPACE, OPERATOR_BUNDLE, staleFiles } from './generate';
import { brokerDashboardSpec, operatorDashboardSpec } from './grafana/dashboards';
import { knownMetricNames, metricsInExpr } from './tools/metric-names';
import type { CheckedStream, Manifest } from '../operator/api/kube-schema-check.test-util';
import { checkManifestStreams, findManifest, manifestProblems } from '../operator/api/kube-schema-check.test-util';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const EXAMPLES = ['minimal', 'ha', 'production'] as const;

let bundle: CheckedStream;
let crd: Manifest;
const examples = new Map<string, Manifest>();
let rules: Manifest;

beforeAll(() => {
  const crdFile = fs.readdirSync(path.join(ROOT, 'crds')).find((f) => f.startsWith('rocketclusters.'))!;
  const streams = [read('deploy/operator.yaml'), read(`crds/${crdFile}`), read('deploy/prometheus/rules.yaml'), ...EXAMPLES.map((e) => read(`deploy/examples/${e}.yaml`))];
  const [b, c, r, ...ex] = checkManifestStreams(streams);
  bundle = b!;
  crd = c!.manifests[0]!;
  rules = r!.manifests[0]!;
  EXAMPLES.forEach((e, i) => {
    expect(ex[i]!.manifests.length).toBe(1);
    examples.set(e, ex[i]!.manifests[0]!);
  });
});

describe('generated files', () => {
  test('chart CRDs, dashboards and deploy/operator.yaml match their sources (npm run deploy:generate)', () => {
    expect(staleFiles()).toEqual([]);
  });
});

describe('deploy/operator.yaml', () => {
  test('holds the namespace, the CRD, RBAC, the Deployment and the Service, each valid for its kind', () => {
    expect(manifestProblems(bundle)).toEqual([]);
    expect(bundle.results.filter((r) => r.unchecked)).toEqual([]);
    const kinds = bundle.manifests.map((m) => m.kind);
    expect(kinds[0]).toBe('CustomResourceDefinition');
    expect(kinds[1]).toBe('Namespace');
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'Service']) expect(kinds).toContain(kind);
    expect(findManifest(bundle.manifests, 'Namespace').metadata.name).toBe(BUNDLE_NAMESPACE);
    // Everything namespaced lives in rocketcluster-system.
    for (const m of bundle.manifests.filter((x) => !['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind))) {
      expect(`${m.kind}/${m.metadata.name} in ${m.metadata.namespace}`).toBe(`${m.kind}/${m.metadata.name} in ${BUNDLE_NAMESPACE}`);
    }
    expect(fs.readFileSync(OPERATOR_BUNDLE, 'utf8')).toMatch(/^# RocketCluster operator/);
  });
});

describe('deploy/examples', () => {
  const schema = (): object => {
    const versions = (crd['spec'] as { versions: { name: string; schema: { openAPIV3Schema: object } }[] }).versions;
    return versions.find((v) => v.name === 'v1alpha1')!.schema.openAPIV3Schema;
  };

  test.each(EXAMPLES)('%s.yaml is valid against the CRD schema (ajv) and the operator\'s own validation', (name) => {
    const example = examples.get(name)!;
    // Kubernetes' extensions (x-kubernetes-*, nullable) are not JSON Schema keywords: strict off.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema());
    expect(validate(example) ? [] : validate.errors).toEqual([]);
    const withNamespace = { ...example, metadata: { namespace: 'default', ...example.metadata } };
    const checked = validateRocketCluster(withNamespace);
    expect(checked.ok ? [] : checked.error).toEqual([]);
  });

  test('the CRD schema refuses what it should: the checks above are not vacuous', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema());
    const bad = structuredClone(examples.get('minimal')!) as unknown as { spec: { broker: { replicasPerGroup: number } } };
    bad.spec.broker.replicasPerGroup = 9;
    expect(validate(bad)).toBe(false);
  });

  test('the examples are what their names promise', () => {
    type Spec = { nameserver: { replicas: number }; broker: { groups: number; replicasPerGroup: number; replicationMode?: string; storage: { storageClassName?: string }; resources?: object }; metrics?: { serviceMonitor?: { enabled?: boolean } }; failover?: { masterDownAfterSeconds?: number } };
    const spec = (name: string): Spec => examples.get(name)!['spec'] as Spec;
    expect(spec('minimal').broker.groups).toBe(1);
    expect(spec('ha').broker).toMatchObject({ groups: 2, replicasPerGroup: 2, replicationMode: 'sync' });
    const production = spec('production');
    expect(production.nameserver.replicas).toBe(3);
    expect(production.broker.groups).toBe(3);
    expect(production.broker.replicasPerGroup).toBeGreaterThanOrEqual(2);
    expect(production.broker.storage.storageClassName).toBeDefined();
    expect(production.broker.resources).toBeDefined();
    expect(production.metrics?.serviceMonitor?.enabled).toBe(true);
    expect(production.failover?.masterDownAfterSeconds).toBeDefined();
  });
});

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { uid: string };
  readonly targets?: { expr: string; datasource: { uid: string } }[];
}

describe('deploy/grafana', () => {
  const dashboards = fs.readdirSync(path.join(ROOT, 'deploy/grafana')).filter((f) => f.endsWith('.json'));
  const known = knownMetricNames();

  test.each(dashboards)('%s is a dashboard on the $datasource variable whose queries read only series that exist', (file) => {
    const json = JSON.parse(read(`deploy/grafana/${file}`)) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string; definition?: string }[] } };
    expect(json.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource' });
    const exprs: string[] = [];
    for (const panel of json.panels.filter((p) => p.type !== 'row' && p.type !== 'text')) {
      expect(`${panel.title}: ${panel.datasource?.uid}`).toBe(`${panel.title}: \${datasource}`);
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) {
        expect(t.datasource.uid).toBe('${datasource}');
        exprs.push(t.expr);
      }
    }
    // label_values(<series selector>, <label>): the label is not a series.
    for (const v of json.templating.list.slice(1)) exprs.push(v.definition!.replace(/^label_values\((.*),\s*\w+\)$/, '$1'));
    const unknown = exprs.flatMap((e) => metricsInExpr(e).filter((n) => !known.has(n)).map((n) => `${n} in ${e}`));
    expect(unknown).toEqual([]);
  });

  test('the broker dashboard covers TPS and bytes in/out, send latency, disk, consumer lag, roles and failovers; the operator one reconciles, errors, durations, failovers, leader', () => {
    const titles = (spec: typeof brokerDashboardSpec): string =>
      spec.blocks.map((b) => ('panel' in b ? b.panel.title : 'text' in b ? b.text.title : b.row)).join('\n');
    const broker = titles(brokerDashboardSpec);
    for (const want of [/Messages in per second/, /Messages out per second/, /Bytes in/, /Bytes out/, /Send latency/, /Commit log on disk/, /volume use/, /Consumer lag per consumer group/, /Replication lag/, /Failovers/]) expect(broker).toMatch(want);
    const operator = titles(operatorDashboardSpec);
    for (const want of [/Reconciles per second/, /errors/, /duration/, /Failovers/, /Leader/]) expect(operator).toMatch(want);
  });
});

describe('deploy/prometheus/rules.yaml', () => {
  interface Rule {
    readonly alert?: string;
    readonly record?: string;
    readonly expr: string;
    readonly labels?: { severity?: string };
    readonly annotations?: { summary?: string; description?: string };
  }
  const allRules = (): Rule[] => (rules['spec'] as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

  test('is a PrometheusRule whose alerts have a severity, a summary and a description', () => {
    expect(rules.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rules.kind).toBe('PrometheusRule');
    for (const r of allRules().filter((x) => x.alert !== undefined)) {
      expect(`${r.alert}: ${r.labels?.severity}`).toMatch(/: (critical|warning|info)$/);
      expect(r.annotations?.summary).toBeTruthy();
      expect(r.annotations?.description).toBeTruthy();
    }
  });

  test('alerts for a cluster without a master (not ready), a broker down, replication lag, growing consumer lag and a nearly full disk', () => {
    const alerts = allRules().map((r) => r.alert);
    for (const a of ['RocketClusterNotReady', 'RocketClusterNoMaster', 'RocketClusterReplicaOutOfSync', 'RocketClusterBrokerDown', 'RocketClusterReplicationLagging', 'RocketClusterConsumerLagGrowing', 'RocketClusterDiskNearlyFull']) expect(alerts).toContain(a);
  });

  test('every expression reads only series that exist or that a rule of the file records', () => {
    const known = knownMetricNames();
    for (const r of allRules()) if (r.record !== undefined) known.add(r.record);
    const unknown = allRules().flatMap((r) => metricsInExpr(r.expr).filter((n) => !known.has(n)).map((n) => `${n} in ${r.alert ?? r.record}`));
    expect(unknown).toEqual([]);
  });
});

describe('images', () => {
  const lastUser = (dockerfile: string): string | undefined => [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]).pop();

  test('Dockerfile.broker: multi-stage, builds the native addon, runs as uid 10001 with both entrypoints', () => {
    const text = read('Dockerfile.broker');
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/python3 make g\+\+/);
    expect(text).toMatch(/ROCKET_REQUIRE_NATIVE=1 npm run install/);
    expect(text).toMatch(/rocket_mmap\.node/);
    expect(lastUser(text)).toBe('10001:10001');
    for (const entry of ['rocket-broker:broker/main.js', 'rocket-nameserver:nameserver/main.js']) expect(text).toContain(entry);
    expect(text).toMatch(/^CMD \["rocket-broker"\]$/m);
    expect(text).toMatch(/^VOLUME \["\/data"\]$/m);
    for (const port of ['9876', '10911', '10912', '10913']) expect(text).toMatch(new RegExp(`^EXPOSE .*\\b${port}\\b`, 'm'));
    // The wrappers run files the build produces.
    for (const bin of ['broker/main.ts', 'nameserver/main.ts', 'cli/main.ts']) expect(fs.existsSync(path.join(ROOT, bin))).toBe(true);
  });

  test('Dockerfile.operator: multi-stage, runs rocket-operator as uid 10001', () => {
    const text = read('Dockerfile.operator');
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(lastUser(text)).toBe('10001:10001');
    expect(text).toContain('/app/dist/operator/main.js');
    expect(text).toMatch(/^CMD \["rocket-operator"\]$/m);
  });

  test('.dockerignore keeps host builds, dependencies and git out of the build context', () => {
    const lines = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', 'dist', 'native/build', 'data']) expect(lines).toContain(entry);
  });
});
