/**
 * JSON over the API server through client-node's plumbing (kubeconfig auth, TLS, middleware), but
 * without its model (de)serialization: bodies go out as JSON.stringify and come back as parsed JSON,
 * so timestamps stay RFC 3339 strings and custom resources keep every field.
 */
import { HttpMethod, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject, ResponseContext } from '@kubernetes/client-node';
import { KubeError, errorFromResponse, toKubeError } from './errors';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SendOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** Default application/json. */
  readonly contentType?: string;
  /** Aborts the request (e.g. the leadership term ended); it fails as kind 'unavailable', reason 'Aborted'. */
  readonly signal?: AbortSignal;
}

/** Bounds every request: a hung API server must not hang a reconcile forever. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class KubeTransport extends KubernetesObjectApi {
  private requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

  static create(kc: KubeConfig, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): KubeTransport {
    const transport = kc.makeApiClient(KubeTransport);
    transport.requestTimeoutMs = requestTimeoutMs;
    return transport;
  }

  /** Parsed JSON body of a 2xx answer; throws KubeError otherwise. */
  async send(method: HttpVerb, path: string, options: SendOptions = {}): Promise<unknown> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod[method]);
    ctx.setHeaderParam('Accept', 'application/json');
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) ctx.setQueryParam(name, value);
    }
    if (options.body !== undefined) {
      ctx.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(options.body));
    }
    if (options.signal?.aborted) throw aborted(method, path);
    const request = requestSignal(this.requestTimeoutMs, options.signal);
    ctx.setSignal(request.signal);
    try {
      return await this.requestPromise(ctx);
    } catch (e) {
      if (options.signal?.aborted) throw aborted(method, path);
      const error = toKubeError(e, `${method} ${path}`);
      // Answers from the server were mapped in processResponse, which does not know the request.
      throw e instanceof KubeError ? new KubeError({ ...error.info(), message: `${method} ${path}: ${error.message}` }) : error;
    } finally {
      request.release();
    }
  }

  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: text.slice(0, 500) };
      }
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return body as T;
    throw errorFromResponse(response.httpStatusCode, body, '');
  }
}

/**
 * One request's signal: aborted by its timeout or by `outer` (the leadership term), and detached from
 * `outer` by release() when the request ends. Not AbortSignal.any: on Node 20 each call leaves an
 * entry on the long-lived term signal until that signal fires, so an operator leading for days would
 * grow by one entry per API request (thousands an hour) until it is OOM-killed.
 */
export function requestSignal(timeoutMs: number, outer: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const onOuter = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

function aborted(method: HttpVerb, path: string): KubeError {
  return new KubeError({ kind: 'unavailable', code: 0, reason: 'Aborted', message: `${method} ${path}: aborted (the operator stopped leading or is shutting down)` });
}
