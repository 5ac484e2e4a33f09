/**
 * The broker's admin API on its HTTP port, next to /metrics and /healthz (docs/replication.md):
 * `GET /status` (role, epoch, offsets, slaves, in-sync set) and `POST /role` (a role command from the
 * controller). When an admin token is configured, both need `Authorization: Bearer <token>`; the
 * token is compared in constant time. /metrics and /healthz stay open for probes and scrapers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Result } from '../../stdx';
import type { RoleCommand, RoleError } from '../ha';
import { parseRoleRequest } from './role-request';

export interface AdminApi {
  /** The JSON document `GET /status` returns. */
  status(): object;
  setRole(command: RoleCommand): Promise<Result<void, RoleError>>;
}

export interface AdminRouteOptions {
  readonly api: AdminApi;
  /** Bearer token required on admin routes; empty or undefined leaves them open. */
  readonly token: string | undefined;
}

/** Role commands are a few dozen bytes; anything large is not one. */
const MAX_BODY = '16kb';

export function adminRoutes(options: AdminRouteOptions): (app: Express) => void {
  return (app) => {
    const guard = bearerGuard(options.token);
    app.get('/status', guard, (_req, res) => {
      res.json(options.api.status());
    });
    app.post('/role', guard, express.json({ limit: MAX_BODY, strict: true, type: () => true }), (req, res, next) => {
      const command = parseRoleRequest(req.body);
      if (!command.ok) {
        res.status(400).json({ error: 'invalid role command', problems: command.error });
        return;
      }
      options.api.setRole(command.value).then(
        (result) => {
          if (!result.ok) res.status(result.error.status).json({ error: result.error.message, status: options.api.status() });
          else res.json(options.api.status());
        },
        (e: unknown) => next(e),
      );
    });
    // Malformed JSON (or any thrown error) answers JSON, not express's HTML page.
    app.use(['/status', '/role'], (e: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(e);
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 500;
      res.status(status).json({ error: status === 500 ? `internal error: ${e.message}` : e.message });
    });
  };
}

function bearerGuard(token: string | undefined): (req: Request, res: Response, next: NextFunction) => void {
  if (token === undefined || token === '') return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (match !== null && timingSafeEqual(digest(match[1]!), expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'admin token required: Authorization: Bearer <token>' });
  };
}

/** Equal-length digests let the comparison take the same time whatever the presented token. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
