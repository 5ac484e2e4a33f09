/**
 * ops: the plumbing every server process shares and nothing else needs: structured JSON logging
 * (winston), the HTTP endpoint for /metrics and /healthz (express + prom-client), atomic state
 * files. Imports `stdx` and those libraries only; the SDK (`client/`) never imports it.
 */
export type { LogLevel, RootLoggerOptions, ServerLogger } from './logger';
export { LogLevels, createRootLogger, isLogLevel, silentLogger } from './logger';
export type { HealthCheck, HttpEndpoint, HttpEndpointOptions } from './http';
export { createHttpApp, startHttpEndpoint } from './http';
export type { JsonFileState } from './atomic-file';
export { readJsonState, writeFileAtomic, writeFileAtomicSync } from './atomic-file';
