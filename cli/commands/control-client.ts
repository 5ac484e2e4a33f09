/**
 * The client of `rocketctl up`'s control endpoint (cli/controller-host/control-api.ts). Failures
 * become CliErrors in the user's words: the endpoint not answering means `up` is stopping or gone.
 */
import type { GroupView, IntentReply, RoleIntentKind } from '../controller-host';
import { CONTROL_API_PREFIX } from '../controller-host';
import { CliError } from '../errors';

/** What the role commands need of the controller; tests may implement it in memory. */
export interface ControlApi {
  groups(): Promise<readonly string[]>;
  /** undefined for an unknown group. */
  view(group: string, sinceSeq: number): Promise<GroupView | undefined>;
  request(group: string, kind: RoleIntentKind, targetId?: string): Promise<IntentReply>;
}

/** A request waits for at most one controller tick (500 ms) plus its actions. */
const REQUEST_TIMEOUT_MS = 15_000;

export function httpControlApi(baseUrl: string, token: string): ControlApi {
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${CONTROL_API_PREFIX}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw new CliError(`the controller of rocketctl up does not answer at ${baseUrl}: ${(e as Error).message}`);
    }
    const json: unknown = await res.json().catch(() => ({}));
    return { status: res.status, json };
  };
  const errorOf = (json: unknown) => String((json as { error?: unknown }).error ?? 'no reason given');
  return {
    async groups() {
      const r = await call('GET', '/groups');
      if (r.status !== 200) throw new CliError(`controller: ${errorOf(r.json)}`);
      return (r.json as { groups: string[] }).groups;
    },
    async view(group, sinceSeq) {
      const r = await call('GET', `/groups/${encodeURIComponent(group)}?since=${sinceSeq}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new CliError(`controller: ${errorOf(r.json)}`);
      return r.json as GroupView;
    },
    async request(group, kind, targetId) {
      const r = await call('POST', `/groups/${encodeURIComponent(group)}/${kind}`, targetId === undefined ? {} : { to: targetId });
      if (r.status === 200 || r.status === 409) return r.json as IntentReply;
      throw new CliError(`controller: ${errorOf(r.json)}`);
    },
  };
}
