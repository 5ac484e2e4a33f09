/**
 * The HTTP side of a server process: `GET /metrics` (Prometheus text from a prom-client registry),
 * `GET /healthz` (200 when the process says it is healthy, 503 with the reason otherwise) and any
 * routes the process adds (the broker's admin API). Binds where it is told; `close()` stops it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import type { Registry } from 'prom-client';

export type HealthCheck = () => { healthy: boolean; detail?: Record<string, unknown> };

export interface HttpEndpointOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: Registry;
  health: HealthCheck;
  /** Adds process-specific routes before the server starts listening. */
  routes?: (app: Express) => void;
}

export interface HttpEndpoint {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export function createHttpApp(options: Omit<HttpEndpointOptions, 'host' | 'port'>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', (_req, res) => {
    options.registry
      .metrics()
      .then((text) => res.type(options.registry.contentType).send(text))
      .catch((e: unknown) => res.status(500).type('text/plain').send(`metrics failed: ${(e as Error).message}`));
  });
  app.get('/healthz', (_req, res) => {
    const state = options.health();
    res.status(state.healthy ? 200 : 503).json({ status: state.healthy ? 'ok' : 'unhealthy', ...(state.detail ?? {}) });
  });
  options.routes?.(app);
  return app;
}

export function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const app = createHttpApp(options);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(options.port, options.host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
