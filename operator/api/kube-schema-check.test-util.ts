/**
 * Test helper: checks manifests against the Kubernetes API schemas of their kinds (kubernetes-models)
 * and for fields client-node's models do not know, by running kube-schema-check.mjs under Node.
 * Both libraries are ES modules, which jest's CommonJS runtime cannot load, hence the child process.
 * Pass every manifest of a test file in one call: starting Node costs about a second.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface KubeSchemaReport {
  readonly kind: string;
  readonly name: string;
  readonly schemaErrors: readonly string[];
  readonly unknownFields: readonly string[];
  /** No schema for the kind in kubernetes-models (e.g. ServiceMonitor). */
  readonly unchecked: boolean;
}

const SCRIPT = path.join(__dirname, 'kube-schema-check.mjs');

export function checkKubeManifests(manifests: readonly object[]): KubeSchemaReport[] {
  const run = spawnSync(process.execPath, [SCRIPT], { input: JSON.stringify(manifests), encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`kube-schema-check.mjs failed (${String(run.status ?? run.signal)}): ${run.stderr}`);
  return JSON.parse(run.stdout) as KubeSchemaReport[];
}

/** "Kind/name: problem" lines for every manifest that has a schema error or an unknown field. */
export function kubeSchemaProblems(manifests: readonly object[]): string[] {
  return checkKubeManifests(manifests).flatMap((r) => [
    ...r.schemaErrors.map((e) => `${r.kind}/${r.name}: ${e}`),
    ...r.unknownFields.map((f) => `${r.kind}/${r.name}: unknown field ${f}`),
  ]);
}
