/**
 * Structured JSON logs for the server processes (broker, nameserver, operator, local supervisor).
 * One winston root per process, one child per component; every line carries `component` and
 * whatever fields the child was given (brokerName, cluster, namespace...). Libraries never log by
 * themselves: they accept a `Logger` (the shape `remoting` defines) and servers pass these children.
 */
import winston from 'winston';

export interface ServerLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): ServerLogger;
}

export const LogLevels = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LogLevels)[number];

export interface RootLoggerOptions {
  /** Process name written in every line (`rocket-broker`, `rocket-nameserver`...). */
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  stream?: NodeJS.WritableStream;
  /** Extra fields on every line. */
  fields?: Record<string, unknown>;
}

export function createRootLogger(options: RootLoggerOptions): ServerLogger {
  const transport = new winston.transports.Stream({ stream: options.stream ?? process.stdout });
  const root = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    defaultMeta: { service: options.service, pid: process.pid, ...(options.fields ?? {}) },
    transports: [transport],
  });
  return wrap(root);
}

function wrap(logger: winston.Logger): ServerLogger {
  return {
    debug: (message, meta) => void logger.debug(message, meta),
    info: (message, meta) => void logger.info(message, meta),
    warn: (message, meta) => void logger.warn(message, meta),
    error: (message, meta) => void logger.error(message, meta),
    child: (fields) => wrap(logger.child(fields)),
  };
}

/** A logger that drops everything: for tests and embedded use where no output is wanted. */
export const silentLogger: ServerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export function isLogLevel(value: string): value is LogLevel {
  return (LogLevels as readonly string[]).includes(value);
}
