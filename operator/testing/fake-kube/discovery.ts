/**
 * Discovery documents (/api, /apis, /apis/<g>, /api/v1, /apis/<g>/<v>) built from the served
 * types, so installing a CRD makes its group discoverable and KubernetesObjectApi can map a kind
 * to its resource.
 */
import type { JsonObject } from './patch';
import { apiVersionOf } from './resources';
import type { ResourceType } from './resources';
import type { Route } from './routes';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceList(group: string, version: string, types: readonly ResourceType[]): JsonObject {
  const resources: JsonObject[] = [];
  for (const t of types.filter((x) => x.group === group && x.version === version)) {
    resources.push({ name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: VERBS, ...(t.shortNames.length ? { shortNames: [...t.shortNames] } : {}) });
    if (t.status) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    if (t.scale) resources.push({ name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function groupBody(group: string, types: readonly ResourceType[]): JsonObject {
  const versions = [...new Set(types.filter((t) => t.group === group).map((t) => t.version))].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function discoveryBody(route: Route, types: readonly ResourceType[]): JsonObject | undefined {
  switch (route.kind) {
    case 'discovery':
      if (route.what === 'api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
      if (route.what === 'apis') {
        const groups = [...new Set(types.filter((t) => t.group !== '').map((t) => t.group))];
        return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupBody(g, types)) };
      }
      if (route.what === 'version') {
        return { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64', goVersion: 'go1.22', compiler: 'gc', buildDate: '2026-01-01T00:00:00Z', gitCommit: '', gitTreeState: 'clean' };
      }
      return { status: 'ok' };
    case 'group':
      return groupBody(route.group, types);
    case 'groupVersion':
      return resourceList(route.group, route.version, types);
    default:
      return undefined;
  }
}
