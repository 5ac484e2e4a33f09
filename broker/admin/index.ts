/**
 * broker/admin: the broker's admin HTTP API (GET /status, POST /role) mounted on the HTTP endpoint
 * next to /metrics and /healthz, with optional bearer-token protection. The folder's only door.
 */
export type { AdminApi, AdminRouteOptions } from './routes';
export { adminRoutes } from './routes';
export { parseRoleRequest } from './role-request';
