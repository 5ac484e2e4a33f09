#!/usr/bin/env node
/**
 * The `rocket-nameserver` process. Reads its config (defaults <- file <- ROCKET_NAMESRV_* <- flags),
 * logs the effective config once, starts, and logs one JSON line with message "nameserver ready"
 * and the bound ports (`remotingPort`, `httpPort`), which the local supervisor waits for.
 * SIGINT/SIGTERM close it cleanly and the process exits 0. Exit codes: 2 bad config, 1 start failure.
 * Logs are JSON lines on stdout.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createRootLogger } from '../ops';
import type { ServerLogger } from '../ops';
import { Nameserver, loadNameserverConfig } from './index';

const SERVICE = 'rocket-nameserver';
/** If something still holds the event loop this long after close, exit anyway. */
const EXIT_GRACE_MS = 5000;

async function main(): Promise<void> {
  const loaded = loadNameserverConfig({ argv: process.argv.slice(2), env: process.env });
  if (loaded.kind === 'help') {
    process.stdout.write(loaded.text);
    return;
  }
  if (loaded.kind === 'invalid') {
    createRootLogger({ service: SERVICE }).error('invalid configuration', { problems: loaded.problems });
    process.exitCode = 2;
    return;
  }
  const { config } = loaded;
  const logger = createRootLogger({ service: SERVICE, level: config.logLevel });
  logger.info('effective config', { config, configFile: loaded.configFile });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const nameserver = new Nameserver(config, { logger, registry });
  const started = await nameserver.start();
  if (!started.ok) {
    logger.error('nameserver failed to start', { error: started.error });
    process.exitCode = 1;
    return;
  }
  const { host, port } = nameserver.address;
  logger.info('nameserver ready', { host, remotingPort: port, httpPort: nameserver.httpPort });
  handleSignals(nameserver, logger);
}

function handleSignals(nameserver: Nameserver, logger: ServerLogger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal while closing, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('closing on signal', { signal });
    nameserver.close().then(
      () => {
        process.exitCode = 0;
        // Exit when the event loop empties (so buffered log lines are written); force it if it does not.
        setTimeout(() => {
          logger.warn('event loop still busy after close; exiting anyway');
          process.exit(0);
        }, EXIT_GRACE_MS).unref();
      },
      (e: unknown) => {
        logger.error('close failed', { error: (e as Error).message });
        process.exitCode = 1;
        setTimeout(() => process.exit(1), EXIT_GRACE_MS).unref();
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${SERVICE}: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
