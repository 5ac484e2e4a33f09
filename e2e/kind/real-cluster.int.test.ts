/**
 * The real-cluster tier: runs against whatever cluster KUBECONFIG points at, with the operator chart
 * already installed (helm install rocketcluster-operator charts/rocketcluster-operator ...) and the
 * broker image pullable there (ROCKET_E2E_BROKER_IMAGE, default the example's image). Without
 * KUBECONFIG the suite is skipped: nothing here can run on a machine without a cluster.
 *
 * Each run works in a namespace of its own and deletes it afterwards.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeTool } from '../../deploy/tools/helm';

const KUBECONFIG = process.env['KUBECONFIG'];
const ROOT = path.resolve(__dirname, '../..');
const NS = `rc-int-${process.pid}`;
const CLUSTER = 'minimal';
const STEP_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 2000;

function kubectlPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  } catch {
    return kubeTool('kubectl');
  }
}

function kubectl(args: readonly string[], input?: string): string {
  return execFileSync(kubectlPath(), [...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

interface ClusterStatus {
  conditions?: { type: string; status: string; reason: string; message: string }[];
  nameserverAddress?: string;
  groups?: { name: string; master: string | null; epoch: number }[];
}

function status(): ClusterStatus {
  return (JSON.parse(kubectl(['get', 'rocketcluster', CLUSTER, '-n', NS, '-o', 'json'])) as { status?: ClusterStatus }).status ?? {};
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last = '';
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === '' ? '' : ` (last error: ${last})`}`);
    await sleep(POLL_MS);
  }
}

const ready = (s: ClusterStatus): boolean => s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

if (KUBECONFIG === undefined || KUBECONFIG === '') {
  describe('real-cluster tier', () => {
    test.skip('skipped: set KUBECONFIG to a cluster with the operator chart installed to run it', () => undefined);
  });
} else {
  describe(`real-cluster tier (KUBECONFIG=${KUBECONFIG}, namespace ${NS})`, () => {
    beforeAll(() => {
      try {
        kubectl(['get', 'crd', 'rocketclusters.rocketcluster.io']);
      } catch {
        throw new Error('the RocketCluster CRD is not installed: helm install rocketcluster-operator charts/rocketcluster-operator -n rocketcluster-system --create-namespace');
      }
      kubectl(['create', 'namespace', NS]);
    });

    afterAll(() => {
      kubectl(['delete', 'namespace', NS, '--wait=false']);
    });

    test('the minimal example becomes Ready with a nameserver address and a master per group', async () => {
      let manifest = fs.readFileSync(path.join(ROOT, 'deploy/examples/minimal.yaml'), 'utf8');
      const image = process.env['ROCKET_E2E_BROKER_IMAGE'];
      if (image !== undefined) manifest = manifest.replace(/^( {2}image:) .*$/m, `$1 ${image}`);
      kubectl(['apply', '-n', NS, '-f', '-'], manifest);
      const s = await until('the RocketCluster to be Ready', () => {
        const current = status();
        return ready(current) ? current : undefined;
      });
      expect(s.nameserverAddress).toBe(`${CLUSTER}-nameserver.${NS}.svc:9876`);
      expect(s.groups?.map((g) => g.name)).toEqual(['broker-0']);
      expect(s.groups?.[0]?.master).toMatch(new RegExp(`^${CLUSTER}-broker-0-\\d$`));
      const sts = JSON.parse(kubectl(['get', 'statefulset', `${CLUSTER}-broker-0`, '-n', NS, '-o', 'json'])) as { spec: { updateStrategy: { type: string } } };
      expect(sts.spec.updateStrategy.type).toBe('OnDelete');
    }, STEP_TIMEOUT_MS + 60_000);

    test('deleting the master pod makes the operator fail over: a new epoch in status, Ready again', async () => {
      const before = status().groups![0]!;
      expect(before.master).not.toBeNull();
      kubectl(['delete', 'pod', before.master!, '-n', NS, '--grace-period=0', '--force', '--wait=false']);
      const after = await until('a new epoch for broker-0', () => {
        const g = status().groups?.[0];
        return g !== undefined && g.epoch > before.epoch && g.master !== null ? g : undefined;
      });
      expect(after.epoch).toBeGreaterThan(before.epoch);
      await until('Ready again', () => (ready(status()) ? true : undefined));
    }, 2 * STEP_TIMEOUT_MS + 60_000);
  });
}
