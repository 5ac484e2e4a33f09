/** Maps what the API server (or the network) answered to one KubeError shape, once. */
import type { KubeErrorInfo, KubeErrorKind } from './types';

/** A KubeErrorInfo that can be thrown (unexpected failures) with a stack. */
export class KubeError extends Error implements KubeErrorInfo {
  readonly kind: KubeErrorKind;
  readonly code: number;
  readonly reason: string;

  constructor(info: KubeErrorInfo) {
    super(info.message);
    this.name = 'KubeError';
    this.kind = info.kind;
    this.code = info.code;
    this.reason = info.reason;
  }

  info(): KubeErrorInfo {
    return { kind: this.kind, code: this.code, reason: this.reason, message: this.message };
  }
}

/** From an HTTP status and the body the server sent (a meta/v1 Status when it is Kubernetes). */
export function errorFromResponse(code: number, body: unknown, what: string): KubeError {
  const status = isRecord(body) ? body : {};
  const reason = typeof status.reason === 'string' && status.reason !== '' ? status.reason : defaultReason(code);
  const detail = typeof status.message === 'string' && status.message !== '' ? status.message : `HTTP ${code}`;
  return new KubeError({ kind: kindOf(code, reason), code, reason, message: what === '' ? detail : `${what}: ${detail}` });
}

/** Anything thrown on the way (fetch failures, KubeErrors, bugs) as a KubeError. */
export function toKubeError(e: unknown, what: string): KubeError {
  if (e instanceof KubeError) return e;
  const record = isRecord(e) ? e : {};
  const statusCode = typeof record.statusCode === 'number' ? record.statusCode : typeof record.code === 'number' ? record.code : 0;
  if (statusCode >= 400) return errorFromResponse(statusCode, record.body, what);
  const message = e instanceof Error ? e.message : String(e);
  const netCode = typeof record.code === 'string' ? record.code : typeof record.errno === 'string' ? record.errno : 'NetworkError';
  return new KubeError({ kind: 'unavailable', code: 0, reason: netCode, message: `${what}: ${message}` });
}

function kindOf(code: number, reason: string): KubeErrorKind {
  if (code === 409) return reason === 'AlreadyExists' ? 'alreadyExists' : 'conflict';
  if (code === 404) return 'notFound';
  if (code === 410) return 'gone';
  if (code === 422 || code === 400) return 'invalid';
  if (code === 401 || code === 403) return 'forbidden';
  if (code === 429 || code >= 500) return 'unavailable';
  return 'other';
}

function defaultReason(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    409: 'Conflict',
    410: 'Gone',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
  };
  return reasons[code] ?? 'Unknown';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
