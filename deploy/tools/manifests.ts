/**
 * Test helpers for rendered Kubernetes YAML: parse a stream into plain objects and check each against
 * the Kubernetes API schema of its kind (kube-validate.mjs, run as a child process because the
 * schema models are ES modules jest cannot load).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

export interface ManifestCheck {
  readonly kind: string;
  readonly name: string;
  /** Violations of the kind's OpenAPI schema. */
  readonly schemaErrors: readonly string[];
  /** Fields the kind does not have (a real API server drops them silently). */
  readonly unknownFields: readonly string[];
  /** No schema model for the kind (monitoring.coreos.com). */
  readonly unchecked: boolean;
}

export interface CheckedStream {
  readonly manifests: readonly Manifest[];
  readonly results: readonly ManifestCheck[];
}

const VALIDATOR = path.join(__dirname, 'kube-validate.mjs');

/** Parses and checks YAML streams, all in one child process (loading the schema models takes seconds). */
export function checkManifestStreams(streams: readonly string[]): CheckedStream[] {
  const out = execFileSync(process.execPath, [VALIDATOR], { input: JSON.stringify(streams), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out) as CheckedStream[];
}

export function checkManifests(yaml: string): CheckedStream {
  return checkManifestStreams([yaml])[0]!;
}

/** One line per problem ("Kind/name: ..."), empty when every checked manifest is valid. */
export function manifestProblems(checked: CheckedStream): string[] {
  const problems: string[] = [];
  for (const r of checked.results) {
    for (const e of r.schemaErrors) problems.push(`${r.kind}/${r.name}: ${e}`);
    for (const f of r.unknownFields) problems.push(`${r.kind}/${r.name}: unknown field ${f}`);
  }
  return problems;
}

export function findManifest(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : `/${name}`} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}
