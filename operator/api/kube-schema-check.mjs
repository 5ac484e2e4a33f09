// Checks Kubernetes manifests against the API schemas of their kinds, for tests
// (kube-schema-check.test-util.ts runs it; so do the deploy/ and charts/ tests). It is a plain
// ES module run by Node because kubernetes-models and @kubernetes/client-node are ES modules that
// jest (CommonJS) cannot load.
//
// Default: stdin is a JSON array of manifests; stdout a JSON array, one entry per manifest:
//   { kind, name, schemaErrors: string[], unknownFields: string[], unchecked: boolean }
// With --yaml-streams: stdin is a JSON array of YAML streams (documents separated by ---), so one
// process parses and checks many renders (loading the models costs seconds); stdout a JSON array,
// one entry per stream: { manifests: object[], results: [the entries above] }.
// schemaErrors: kubernetes-models' validate() (the Kubernetes OpenAPI schema of the kind).
// unknownFields: fields client-node's typed models do not know (a typo such as
//   publishNotReadyAddress is silently dropped by a real API server, so it is an error here).
// unchecked: no model for the kind (e.g. monitoring.coreos.com ServiceMonitor).
import process from 'node:process';
import { dumpYaml, loadYaml } from '@kubernetes/client-node';

const MODEL_GROUPS = new Set(['', 'apps', 'policy', 'apiextensions.k8s.io', 'coordination.k8s.io', 'rbac.authorization.k8s.io', 'batch', 'networking.k8s.io']);

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (!MODEL_GROUPS.has(group)) return undefined;
  return group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

/**
 * One YAML document as a plain object. client-node turns kinds it knows into its typed models
 * (renaming fields such as a schema's `default`), so the document is parsed under a kind it does not
 * know and the kind is put back.
 */
function plainParse(yaml) {
  // A document of comments only (helm leaves those for templates that render nothing).
  if (!yaml.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'))) return undefined;
  const kind = /^kind:\s*(\S+)\s*$/m.exec(yaml)?.[1];
  const parsed = loadYaml(yaml.replace(/^kind:.*$/m, 'kind: PlainForRoundTrip'));
  if (parsed === null || parsed === undefined || typeof parsed !== 'object') return undefined;
  return kind === undefined ? parsed : { ...parsed, kind: kind.replace(/^["']|["']$/g, '') };
}

/** Paths present in `original` and missing after the typed round trip. */
function droppedPaths(original, roundTrip, path, out) {
  if (original === null || typeof original !== 'object') return;
  if (Array.isArray(original)) {
    original.forEach((v, i) => droppedPaths(v, Array.isArray(roundTrip) ? roundTrip[i] : undefined, `${path}[${i}]`, out));
    return;
  }
  for (const [key, value] of Object.entries(original)) {
    const there = roundTrip !== null && typeof roundTrip === 'object' ? roundTrip[key] : undefined;
    if (there === undefined && value !== undefined) out.push(`${path}.${key}`);
    else droppedPaths(value, there, `${path}.${key}`, out);
  }
}

/** The manifest after client-node's typed model of its kind, back as a plain object. */
function typedRoundTrip(manifest) {
  return plainParse(dumpYaml(loadYaml(JSON.stringify(manifest))));
}

async function check(manifest) {
  const kind = String(manifest.kind);
  const name = String(manifest.metadata?.name);
  const path = modulePath(String(manifest.apiVersion), kind);
  if (path === undefined) return { kind, name, schemaErrors: [], unknownFields: [], unchecked: true };
  const Model = (await import(path))[kind];
  const schemaErrors = [];
  try {
    new Model(manifest).validate();
  } catch (e) {
    for (const error of e.errors ?? [{ instancePath: '', message: e.message }]) schemaErrors.push(`${error.instancePath || '/'} ${error.message}`);
  }
  const unknownFields = [];
  droppedPaths(manifest, typedRoundTrip(manifest), '', unknownFields);
  return { kind, name, schemaErrors, unknownFields, unchecked: false };
}

async function checkAll(manifests) {
  const results = [];
  for (const manifest of manifests) results.push(await check(manifest));
  return results;
}

function parseStream(stream) {
  return stream
    .split(/^---\s*$/m)
    .map(plainParse)
    .filter((d) => d !== undefined)
    .map((d) => JSON.parse(JSON.stringify(d)));
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const out = [];
if (process.argv.includes('--yaml-streams')) {
  for (const stream of JSON.parse(input)) {
    const manifests = parseStream(stream);
    out.push({ manifests, results: await checkAll(manifests) });
  }
} else {
  out.push(...(await checkAll(JSON.parse(input))));
}
process.stdout.write(JSON.stringify(out));
