/**
 * The control endpoint `rocketctl up` runs next to its controller (contract in control-api.ts):
 * plain node:http on a loopback port chosen by the OS, every request needing the bearer token `up`
 * wrote to a 0600 file in its data directory. An HTTP request (rather than, say, an intent file the
 * loop polls) gives the caller an immediate, definite answer: refused with a reason, or recorded by
 * the controller, with no leftover file to misread after a crash.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GroupView, IntentReply, RoleIntentKind } from './control-api';
import { CONTROL_API_PREFIX } from './control-api';

/** What the endpoint needs of the controller host. */
export interface ControlTarget {
  readonly groups: readonly string[];
  view(group: string, sinceSeq: number): Promise<GroupView | undefined>;
  request(group: string, kind: RoleIntentKind, targetId?: string): Promise<IntentReply>;
}

export interface ControlServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Intent bodies are a replica name at most. */
const MAX_BODY_BYTES = 4096;
const GROUP_ROUTE = new RegExp(`^${CONTROL_API_PREFIX}/groups/([A-Za-z0-9_-]{1,64})(?:/(switchover|failover))?$`);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The optional switchover target from a request body, validated against the group's replicas. */
function targetOf(body: unknown, view: GroupView): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
  const to = (body as { to?: unknown }).to;
  if (to === undefined || to === null) return undefined;
  if (typeof to !== 'string' || !view.replicas.some((r) => r.replicaId === to)) {
    throw new HttpError(400, `${String(to)} is not a replica of ${view.group} (replicas: ${view.replicas.map((r) => r.replicaId).join(', ')})`);
  }
  return to;
}

async function route(target: ControlTarget, req: IncomingMessage): Promise<{ status: number; body: unknown }> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === `${CONTROL_API_PREFIX}/groups` && req.method === 'GET') return { status: 200, body: { groups: target.groups } };
  const m = GROUP_ROUTE.exec(url.pathname);
  if (m === null) throw new HttpError(404, `no route ${req.method ?? '?'} ${url.pathname}`);
  const group = m[1]!;
  const kind = m[2] as RoleIntentKind | undefined;
  const since = Number(url.searchParams.get('since') ?? '0');
  const view = await target.view(group, Number.isSafeInteger(since) && since >= 0 ? since : 0);
  if (view === undefined) throw new HttpError(404, `unknown group ${group} (groups: ${target.groups.join(', ')})`);
  if (kind === undefined) {
    if (req.method !== 'GET') throw new HttpError(405, `${req.method ?? '?'} not allowed on ${url.pathname}`);
    return { status: 200, body: view };
  }
  if (req.method !== 'POST') throw new HttpError(405, `${req.method ?? '?'} not allowed on ${url.pathname}`);
  const body = await readBody(req);
  const to = kind === 'switchover' ? targetOf(body, view) : undefined;
  const reply = await target.request(group, kind, to);
  return { status: reply.accepted ? 200 : 409, body: reply };
}

/** Starts the endpoint on `127.0.0.1`, port chosen by the OS. */
export function startControlServer(target: ControlTarget, token: string): Promise<ControlServer> {
  const expected = digest(`Bearer ${token}`);
  const server = createServer((req, res) => {
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      send(res, 401, { error: 'control token required: Authorization: Bearer <token>' });
      return;
    }
    route(target, req).then(
      (r) => send(res, r.status, r.body),
      (e: unknown) => send(res, e instanceof HttpError ? e.status : 500, { error: e instanceof Error ? e.message : String(e) }),
    );
  });
  // A request waits at most for one controller tick; anything slower is stuck.
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          })),
      });
    });
  });
}
