/**
 * Outgoing requests awaiting their responses, by opaque, with their timeouts.
 *
 * One timer per table, not one per request: with a thousand requests in flight, arming and clearing a
 * Node timer for each costs more than the rest of the round trip. The timer is armed for the earliest
 * deadline; when it fires it expires every request past its deadline and re-arms for the earliest one
 * left. Requests usually finish long before their deadline, so the timer fires about once per timeout
 * period and scans the table then. It is not cleared when the table empties (a request sent one at a
 * time would otherwise arm and clear it every time); it is unref'd instead: what keeps the process
 * alive while requests are pending is their connection's socket, as before.
 */
import { performance } from 'node:perf_hooks';
import type { RemotingCommand } from '../protocol';
import type { Result } from '../stdx';
import type { RemotingError } from './errors';

export type PendingResolve = (result: Result<RemotingCommand, RemotingError>) => void;

export interface PendingRequest {
  readonly code: number;
  readonly timeoutMs: number;
  /** `performance.now()` time after which the request has timed out. */
  readonly deadlineMs: number;
  readonly resolve: PendingResolve;
}

export class PendingRequests {
  private readonly requests = new Map<number, PendingRequest>();
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Infinity;

  /** `expire` is called for each request that timed out, after it left the table. */
  constructor(private readonly expire: (opaque: number, request: PendingRequest) => void) {}

  get size(): number {
    return this.requests.size;
  }

  has(opaque: number): boolean {
    return this.requests.has(opaque);
  }

  add(opaque: number, code: number, timeoutMs: number, resolve: PendingResolve): void {
    const deadlineMs = performance.now() + timeoutMs;
    this.requests.set(opaque, { code, timeoutMs, deadlineMs, resolve });
    if (deadlineMs < this.timerAtMs) this.arm(deadlineMs);
  }

  /** Removes and returns the request, if it is still pending. */
  take(opaque: number): PendingRequest | undefined {
    const request = this.requests.get(opaque);
    if (request === undefined) return undefined;
    this.requests.delete(opaque);
    return request;
  }

  /** Empties the table, handing every request to `each` (the connection closed). */
  drainAll(each: (opaque: number, request: PendingRequest) => void): void {
    this.disarm();
    const requests = [...this.requests];
    this.requests.clear();
    for (const [opaque, request] of requests) each(opaque, request);
  }

  private arm(atMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(atMs - performance.now())));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Infinity;
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAtMs = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired: [number, PendingRequest][] = [];
    for (const [opaque, request] of this.requests) {
      if (request.deadlineMs <= now) expired.push([opaque, request]);
      else if (request.deadlineMs < next) next = request.deadlineMs;
    }
    for (const [opaque] of expired) this.requests.delete(opaque);
    if (next !== Infinity) this.arm(next);
    for (const [opaque, request] of expired) this.expire(opaque, request);
  }
}
