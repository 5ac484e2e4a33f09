// Checks Kubernetes manifests against the API schemas of their kinds, for tests
// (kube-schema-check.test-util.ts runs it). It is a plain ES module run by Node because
// kubernetes-models and @kubernetes/client-node are ES modules that jest (CommonJS) cannot load.
//
// stdin: a JSON array of manifests. stdout: a JSON array, one entry per manifest:
//   { kind, name, schemaErrors: string[], unknownFields: string[], unchecked: boolean }
// schemaErrors: kubernetes-models' validate() (the Kubernetes OpenAPI schema of the kind).
// unknownFields: fields client-node's typed models do not know (a typo such as
//   publishNotReadyAddress is silently dropped by a real API server, so it is an error here).
// unchecked: no model for the kind (e.g. monitoring.coreos.com ServiceMonitor).
import process from 'node:process';
import { dumpYaml, loadYaml } from '@kubernetes/client-node';

const KNOWN_GROUPS = new Set(['apps', 'policy', 'apiextensions.k8s.io', 'coordination.k8s.io', 'rbac.authorization.k8s.io', 'batch', 'networking.k8s.io']);

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (!KNOWN_GROUPS.has(group)) return undefined;
  return `kubernetes-models/${group}/${version}/${kind}`;
}

function plainParse(yaml, kind) {
  // loadYaml turns registered kinds into client-node models; an unregistered kind stays plain.
  const escaped = kind.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parsed = loadYaml(yaml.replace(new RegExp(`^kind: ${escaped}$`, 'm'), 'kind: UnregisteredForRoundTrip'));
  return { ...parsed, kind };
}

function missingPaths(original, roundTrip, path, out) {
  if (original === null || typeof original !== 'object') return;
  if (Array.isArray(original)) {
    original.forEach((v, i) => missingPaths(v, Array.isArray(roundTrip) ? roundTrip[i] : undefined, `${path}[${i}]`, out));
    return;
  }
  for (const [key, value] of Object.entries(original)) {
    const there = roundTrip !== null && typeof roundTrip === 'object' ? roundTrip[key] : undefined;
    if (there === undefined && value !== undefined) out.push(`${path}.${key}`);
    else missingPaths(value, there, `${path}.${key}`, out);
  }
}

async function check(manifest) {
  const kind = String(manifest.kind);
  const name = String(manifest.metadata?.name);
  const path = modulePath(String(manifest.apiVersion), kind);
  if (path === undefined) return { kind, name, schemaErrors: [], unknownFields: [], unchecked: true };
  const mod = await import(path);
  const Model = mod[kind];
  const schemaErrors = [];
  try {
    new Model(manifest).validate();
  } catch (e) {
    for (const error of e.errors ?? [{ instancePath: '', message: e.message }]) schemaErrors.push(`${error.instancePath || '/'} ${error.message}`);
  }
  const unknownFields = [];
  missingPaths(manifest, plainParse(dumpYaml(loadYaml(JSON.stringify(manifest))), kind), '', unknownFields);
  return { kind, name, schemaErrors, unknownFields, unchecked: false };
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const manifest of JSON.parse(input)) results.push(await check(manifest));
process.stdout.write(JSON.stringify(results));
