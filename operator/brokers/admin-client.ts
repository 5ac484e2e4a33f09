/**
 * HTTP client of the brokers' admin API (docs/replication.md): `GET /status` and `POST /role`, with
 * `Authorization: Bearer <token>` and a timeout on every call. It returns the raw JSON body; the
 * translation to the controller's words is controller/broker-admin.ts (shared with the local
 * supervisor). Every failure is a value, never a throw: an unreachable broker is an observation.
 */
import type { BrokerRoleCommand } from '../../controller';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { BrokerEndpoints } from './endpoints';

export interface BrokerAdminClient {
  /** `GET /status`: the body on 200, else why not. */
  status(endpoint: BrokerEndpoints, token: string): Promise<Result<unknown, string>>;
  /** `POST /role`: the broker's new status on 200, else why not (a 409 names the epoch problem). */
  setRole(endpoint: BrokerEndpoints, token: string, command: BrokerRoleCommand): Promise<Result<unknown, string>>;
}

export interface HttpBrokerAdminClientOptions {
  /** Per request; the controller tick waits for the slowest broker. Default 2000. */
  readonly timeoutMs?: number;
}

export const DEFAULT_ADMIN_TIMEOUT_MS = 2_000;

/** A body's text is only quoted in errors; a broker never sends much, a stranger might. */
const MAX_ERROR_TEXT = 300;

export class HttpBrokerAdminClient implements BrokerAdminClient {
  private readonly timeoutMs: number;

  constructor(options: HttpBrokerAdminClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
  }

  status(endpoint: BrokerEndpoints, token: string): Promise<Result<unknown, string>> {
    return this.call('GET', `${endpoint.httpUrl}/status`, token, undefined);
  }

  setRole(endpoint: BrokerEndpoints, token: string, command: BrokerRoleCommand): Promise<Result<unknown, string>> {
    return this.call('POST', `${endpoint.httpUrl}/role`, token, command);
  }

  private async call(method: 'GET' | 'POST', url: string, token: string, body: unknown): Promise<Result<unknown, string>> {
    const headers: Record<string, string> = {};
    if (token !== '') headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      return err(`${method} ${url}: ${describeFetchError(e)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      return err(`${method} ${url}: reading the body: ${describeFetchError(e)}`);
    }
    if (res.status !== 200) return err(`${method} ${url} answered ${res.status}: ${text.slice(0, MAX_ERROR_TEXT)}`);
    try {
      return ok(JSON.parse(text) as unknown);
    } catch {
      return err(`${method} ${url}: the body is not JSON: ${text.slice(0, MAX_ERROR_TEXT)}`);
    }
  }
}

function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError') return 'timed out';
  // undici puts the socket error (ECONNREFUSED, ...) in `cause`.
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
}
