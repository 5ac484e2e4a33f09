/**
 * The HTTP face of the fake: authentication, routing, verbs, discovery, list/watch, the scale
 * subresource, the operation log and fault injection. Every answer is what kube-apiserver would
 * send for the same request, down to metav1.Status bodies for errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeCore } from './api';
import { ApiError, badRequest, byCode, methodNotAllowed } from './errors';
import { discoveryBody } from './discovery';
import type { JsonObject } from './patch';
import { apiVersionOf, storageKey } from './resources';
import type { ResourceType } from './resources';
import { parseRoute } from './routes';
import type { Route } from './routes';
import { patchScale, readScale, writeScale } from './scale';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { WatchStream } from './watch';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'discovery';

/** One request as the operation log and fault predicates see it. */
export interface RequestInfo {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly verb: Verb;
  readonly group?: string;
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly contentType?: string;
  readonly body?: unknown;
  /** HTTP status sent (200 for a watch stream that started). */
  code?: number;
}

export interface Fault {
  readonly match: (req: RequestInfo) => boolean;
  readonly code: number;
  readonly message: string;
  remaining: number;
}

/** A request parked before it executes until the test releases it (see FakeKube.holdNext). */
export interface Hold {
  readonly match: (req: RequestInfo) => boolean;
  taken: boolean;
  readonly arrived: (req: RequestInfo) => void;
  readonly released: Promise<void>;
}

export interface ServerContext {
  readonly core: KubeCore;
  readonly token: string;
  readonly log: RequestInfo[];
  readonly faults: Fault[];
  readonly holds: Hold[];
  readonly watches: Set<WatchStream>;
  nextSeq(): number;
}

function verbOf(method: string, route: Route, query: Record<string, string>): Verb {
  if (route.kind !== 'resource') return 'discovery';
  const watch = route.legacyWatch || query.watch === 'true' || query.watch === '1';
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return route.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      throw methodNotAllowed();
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const query = Object.fromEntries(url.searchParams.entries());
  const raw = await readBody(req);
  const method = req.method ?? 'GET';
  let info: RequestInfo | undefined;
  try {
    if (req.headers.authorization !== `Bearer ${ctx.token}`) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const route = parseRoute(url.pathname, ctx.core.allTypes());
    const verb = verbOf(method, route, query);
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw badRequest(`the body of the request could not be decoded as JSON`);
      }
    }
    info = {
      seq: ctx.nextSeq(),
      at: Date.now(),
      method,
      path: url.pathname,
      query,
      verb,
      ...(route.kind === 'resource'
        ? { group: route.type.group, resource: route.type.plural, namespace: route.namespace, name: route.name, subresource: route.subresource }
        : {}),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      ...(body !== undefined ? { body } : {}),
    };
    ctx.log.push(info);
    const hold = ctx.holds.find((h) => !h.taken && h.match(info as RequestInfo));
    if (hold) {
      hold.taken = true;
      hold.arrived(info);
      await hold.released;
    }
    injectFault(ctx, info);
    const code = dispatch(ctx, route, verb, query, body, req, res);
    if (info) info.code = code;
  } catch (e) {
    const err = e instanceof ApiError ? e : byCode(500, e instanceof Error ? e.message : String(e));
    if (info) info.code = err.code;
    if (!res.headersSent) send(res, err.code, err.toStatus());
    else res.end();
  }
}

function injectFault(ctx: ServerContext, info: RequestInfo): void {
  const f = ctx.faults.find((x) => x.remaining > 0 && x.match(info));
  if (!f) return;
  f.remaining--;
  throw byCode(f.code, f.message);
}

/** Runs the verb and writes the response; returns the HTTP status. */
function dispatch(ctx: ServerContext, route: Route, verb: Verb, query: Record<string, string>, body: unknown, req: IncomingMessage, res: ServerResponse): number {
  if (route.kind === 'notFound') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (route.kind !== 'resource') {
    const out = discoveryBody(route, ctx.core.allTypes());
    if (out === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    send(res, 200, out);
    return 200;
  }
  const t = route.type;
  const ns = route.namespace ?? '';
  const sub = route.subresource;
  if (sub !== undefined && !(sub === 'status' && t.status) && !(sub === 'scale' && t.scale)) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (t.namespaced && route.namespace === undefined && verb !== 'list' && verb !== 'watch') {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const dryRun = query.dryRun === 'All';
  const core = ctx.core;
  switch (verb) {
    case 'get': {
      const obj = core.get(t, ns, route.name as string);
      send(res, 200, sub === 'scale' ? readScale(t, obj) : obj);
      return 200;
    }
    case 'list':
      send(res, 200, listBody(core, t, route.namespace, query));
      return 200;
    case 'watch':
      startWatch(ctx, t, route.namespace, route.name, query, res);
      return 200;
    case 'create': {
      if (route.name !== undefined) throw methodNotAllowed();
      send(res, 201, core.create(t, ns, body, { dryRun }));
      return 201;
    }
    case 'update': {
      if (route.name === undefined) throw methodNotAllowed();
      if (sub === 'scale') {
        send(res, 200, writeScale(core, t, ns, route.name, body));
        return 200;
      }
      send(res, 200, core.replace(t, ns, route.name, body, sub === 'status' ? 'status' : '', { dryRun }));
      return 200;
    }
    case 'patch': {
      if (route.name === undefined) throw methodNotAllowed();
      const ct = req.headers['content-type'] ?? '';
      if (sub === 'scale') {
        send(res, 200, patchScale(core, t, ns, route.name, ct, body));
        return 200;
      }
      const out = core.patch(t, ns, route.name, ct, body, sub === 'status' ? 'status' : '', {
        dryRun,
        ...(query.fieldManager ? { fieldManager: query.fieldManager } : {}),
        force: query.force === 'true',
      });
      send(res, 200, out);
      return 200;
    }
    case 'delete': {
      if (sub !== undefined) throw methodNotAllowed();
      const opts = (body ?? {}) as { propagationPolicy?: 'Orphan'; preconditions?: { uid?: string; resourceVersion?: string }; orphanDependents?: boolean; gracePeriodSeconds?: number };
      const graceRaw = query.gracePeriodSeconds ?? opts.gracePeriodSeconds;
      const grace = graceRaw === undefined ? undefined : Number(graceRaw);
      const policy = query.propagationPolicy ?? opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : undefined);
      if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
        throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
      }
      const out = core.remove(t, ns, route.name as string, {
        ...(policy ? { propagationPolicy: policy as 'Orphan' } : {}),
        ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
        ...(grace !== undefined && Number.isFinite(grace) ? { gracePeriodSeconds: grace } : {}),
        dryRun: dryRun || (body as { dryRun?: string[] } | undefined)?.dryRun?.includes('All') === true,
      });
      const stillThere = (out.metadata as JsonObject).deletionTimestamp !== undefined && ctx.core.store.get(storageKey(t), ns, route.name as string) !== undefined;
      if (stillThere || t.returnDeletedObject) send(res, 200, out);
      else {
        const m = out.metadata as JsonObject;
        send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: m.name, group: t.group, kind: t.plural, uid: m.uid } });
      }
      return 200;
    }
    case 'deletecollection': {
      const labelSel = parseLabelSelector(query.labelSelector);
      const fieldSel = parseFieldSelector(query.fieldSelector, t.fieldSelectors);
      for (const o of core.list(t, route.namespace)) {
        const m = o.metadata as JsonObject;
        if (labelSel(m.labels as Record<string, string>) && fieldSel(o)) core.remove(t, (m.namespace as string) ?? '', m.name as string, {});
      }
      send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
      return 200;
    }
    default:
      throw methodNotAllowed();
  }
}

function listBody(core: KubeCore, t: ResourceType, ns: string | undefined, query: Record<string, string>): JsonObject {
  const labelSel = parseLabelSelector(query.labelSelector);
  const fieldSel = parseFieldSelector(query.fieldSelector, t.fieldSelectors);
  let items = core.list(t, ns).filter((o) => labelSel((o.metadata as JsonObject).labels as Record<string, string>) && fieldSel(o));
  const rv = String(core.store.currentRv());
  let cont: string | undefined;
  const limit = query.limit !== undefined ? Number(query.limit) : 0;
  if (query.continue) {
    const after = Buffer.from(query.continue, 'base64').toString('utf8');
    items = items.filter((o) => itemKey(o) > after);
  }
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    cont = Buffer.from(itemKey(items[items.length - 1])).toString('base64');
  }
  // Built-in kinds list their items without apiVersion/kind (typed lists); custom resources keep them.
  if (t.builtin) {
    items = items.map((o) => {
      const c = { ...o };
      delete c.apiVersion;
      delete c.kind;
      return c;
    });
  }
  return { apiVersion: apiVersionOf(t), kind: `${t.kind}List`, metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) }, items };
}

function itemKey(o: JsonObject): string {
  const m = o.metadata as JsonObject;
  return `${(m.namespace as string) ?? ''}/${m.name as string}`;
}

function startWatch(ctx: ServerContext, t: ResourceType, ns: string | undefined, name: string | undefined, query: Record<string, string>, res: ServerResponse): void {
  const labelSelector = parseLabelSelector(query.labelSelector);
  const fs = parseFieldSelector(query.fieldSelector, t.fieldSelectors);
  const fieldSelector = name === undefined ? fs : (o: Record<string, unknown>) => fs(o) && (o.metadata as JsonObject).name === name;
  if (query.resourceVersion !== undefined && query.resourceVersion !== '' && !/^[0-9]+$/.test(query.resourceVersion)) {
    throw badRequest(`resourceVersion: Invalid value: "${query.resourceVersion}": must be a non-negative integer`);
  }
  const timeoutSeconds = query.timeoutSeconds !== undefined ? Number(query.timeoutSeconds) : undefined;
  const w = new WatchStream(
    {
      type: t,
      ...(ns !== undefined ? { namespace: ns } : {}),
      labelSelector,
      fieldSelector,
      ...(query.resourceVersion !== undefined ? { resourceVersion: query.resourceVersion } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      allowBookmarks: query.allowWatchBookmarks === 'true',
    },
    res,
    ctx.core.store,
    (x) => ctx.watches.delete(x),
  );
  ctx.watches.add(w);
  w.start(() => ctx.core.list(t, ns));
}
