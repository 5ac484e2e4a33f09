/**
 * Test helper: checks manifests against the Kubernetes API schemas of their kinds (kubernetes-models)
 * and for fields client-node's models do not know, by running kube-schema-check.mjs under Node.
 * Both libraries are ES modules, which jest's CommonJS runtime cannot load, hence the child process.
 * Pass every manifest (or YAML stream) of a test file in one call: starting Node and loading the
 * models costs seconds. The operator's tests pass objects; the deploy/ and charts/ tests pass
 * rendered YAML, which the script parses too.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface KubeSchemaReport {
  readonly kind: string;
  readonly name: string;
  /** Violations of the kind's OpenAPI schema. */
  readonly schemaErrors: readonly string[];
  /** Fields the kind does not have (a real API server drops them silently). */
  readonly unknownFields: readonly string[];
  /** No schema for the kind in kubernetes-models (e.g. ServiceMonitor). */
  readonly unchecked: boolean;
}

/** A parsed document of a YAML stream. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** A YAML stream's documents and the report on each. */
export interface CheckedStream {
  readonly manifests: readonly Manifest[];
  readonly results: readonly KubeSchemaReport[];
}

const SCRIPT = path.join(__dirname, 'kube-schema-check.mjs');

function runScript(args: readonly string[], input: unknown, timeoutMs: number | undefined): unknown {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { input: JSON.stringify(input), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`kube-schema-check.mjs failed (${String(run.status ?? run.signal)}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

export function checkKubeManifests(manifests: readonly object[]): KubeSchemaReport[] {
  return runScript([], manifests, 60_000) as KubeSchemaReport[];
}

/** Parses and checks YAML streams (documents separated by `---`), all in one child process. */
export function checkManifestStreams(streams: readonly string[]): CheckedStream[] {
  return runScript(['--yaml-streams'], streams, undefined) as CheckedStream[];
}

/** "Kind/name: problem" lines for every report with a schema error or an unknown field. */
function problemLines(reports: readonly KubeSchemaReport[]): string[] {
  return reports.flatMap((r) => [
    ...r.schemaErrors.map((e) => `${r.kind}/${r.name}: ${e}`),
    ...r.unknownFields.map((f) => `${r.kind}/${r.name}: unknown field ${f}`),
  ]);
}

/** "Kind/name: problem" lines for every manifest that has a schema error or an unknown field. */
export function kubeSchemaProblems(manifests: readonly object[]): string[] {
  return problemLines(checkKubeManifests(manifests));
}

/** One line per problem ("Kind/name: ..."), empty when every checked manifest of the stream is valid. */
export function manifestProblems(checked: CheckedStream): string[] {
  return problemLines(checked.results);
}

export function findManifest(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : `/${name}`} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}
