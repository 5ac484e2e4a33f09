/**
 * URL → (resource type, namespace, name, subresource), following the API server's path layout:
 * /api/v1/..., /apis/<group>/<version>/..., optional legacy /watch/ prefix, namespaced
 * (/namespaces/<ns>/<plural>) and cluster-wide collection paths.
 */
import type { ResourceType } from './resources';

export type Route =
  | { readonly kind: 'discovery'; readonly what: 'api' | 'apis' | 'version' | 'health' }
  | { readonly kind: 'groupVersion'; readonly group: string; readonly version: string }
  | { readonly kind: 'group'; readonly group: string }
  | {
      readonly kind: 'resource';
      readonly type: ResourceType;
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
      readonly legacyWatch: boolean;
    }
  | { readonly kind: 'notFound' };

export function parseRoute(pathname: string, types: readonly ResourceType[]): Route {
  const seg = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  if (seg.length === 1 && (seg[0] === 'api' || seg[0] === 'apis')) return { kind: 'discovery', what: seg[0] };
  if (seg.length === 1 && seg[0] === 'version') return { kind: 'discovery', what: 'version' };
  if (seg.length === 1 && ['healthz', 'readyz', 'livez'].includes(seg[0])) return { kind: 'discovery', what: 'health' };
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api' && seg.length >= 2) {
    group = '';
    version = seg[1];
    rest = seg.slice(2);
  } else if (seg[0] === 'apis' && seg.length === 2) {
    return types.some((t) => t.group === seg[1]) ? { kind: 'group', group: seg[1] } : { kind: 'notFound' };
  } else if (seg[0] === 'apis' && seg.length >= 3) {
    group = seg[1];
    version = seg[2];
    rest = seg.slice(3);
  } else return { kind: 'notFound' };
  const gvTypes = types.filter((t) => t.group === group && t.version === version);
  if (gvTypes.length === 0) return { kind: 'notFound' };
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  const legacyWatch = rest[0] === 'watch';
  if (legacyWatch) rest = rest.slice(1);
  const find = (plural: string | undefined): ResourceType | undefined => gvTypes.find((t) => t.plural === plural);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const t = find(rest[2]);
    if (t && t.namespaced && rest.length <= 5) {
      return { kind: 'resource', type: t, namespace: rest[1], name: rest[3], subresource: rest[4], legacyWatch };
    }
    if (!t && group === '' && rest.length === 3) {
      // /api/v1/namespaces/<name>/status (other namespace subresources are not served)
      const ns = find('namespaces') as ResourceType;
      return { kind: 'resource', type: ns, name: rest[1], subresource: rest[2], legacyWatch };
    }
    return { kind: 'notFound' };
  }
  const t = find(rest[0]);
  if (!t || rest.length > 3) return { kind: 'notFound' };
  if (t.namespaced && rest.length > 1) return { kind: 'notFound' };
  return { kind: 'resource', type: t, name: rest[1], subresource: rest[2], legacyWatch };
}
