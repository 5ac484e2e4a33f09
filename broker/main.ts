#!/usr/bin/env node
/**
 * `rocket-broker`: the broker process. Reads the config (defaults <- --config file <- ROCKET_BROKER_*
 * <- flags), logs it once, starts the broker and logs "broker ready" with the real ports. SIGINT or
 * SIGTERM closes it cleanly (exit 0; a second SIGINT exits at once with 1); a bad config or a failed
 * start exits 1 with the reason on stderr and in the log.
 */
import type { ServerLogger } from '../ops';
import { createRootLogger } from '../ops';
import { Broker } from './broker';
import { loadBrokerConfig } from './config';
import { tuneProcessAllocator } from './store';
import { tuneJit } from './jit-tuning';

const SERVICE = 'rocket-broker';
/** After close, the process exits even if some handle (a stray socket) would keep it alive. */
const EXIT_GRACE_MS = 2000;

export async function runBroker(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const loaded = loadBrokerConfig({ argv, env });
  if (loaded.kind === 'help') {
    process.stdout.write(loaded.text);
    return 0;
  }
  if (loaded.kind === 'invalid') {
    const logger = createRootLogger({ service: SERVICE });
    logger.error('invalid configuration', { problems: loaded.problems });
    process.stderr.write(`${SERVICE}: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  const config = loaded.config;
  const logger = createRootLogger({ service: SERVICE, level: config.logLevel, fields: { brokerName: config.brokerName } });
  for (const warning of loaded.warnings) logger.warn(warning);
  logger.info('effective config', { config, sources: loaded.sources, allocatorTuned: tuneProcessAllocator(), interruptBudget: tuneJit() ?? 'command line' });
  const broker = new Broker(config, { logger });
  // Listening for signals before starting: a SIGTERM during start still ends in a clean close.
  const signalled = untilSignal(logger);
  const started = await broker.start();
  if (!started.ok) {
    logger.error('broker failed to start', { error: started.error });
    process.stderr.write(`${SERVICE}: cannot start: ${started.error}\n`);
    return 1;
  }
  logger.info('broker ready', {
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    brokerAddr: started.value.brokerAddr,
    remotingPort: started.value.remotingPort,
    haPort: started.value.haPort,
    httpPort: started.value.httpPort,
    storeDir: config.storePathRootDir,
  });
  await signalled;
  await broker.close();
  return 0;
}

function untilSignal(logger: ServerLogger): Promise<void> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        // A second Ctrl-C means "now"; duplicate SIGTERMs (a supervisor and a process group) do not.
        if (signal !== 'SIGINT') return;
        logger.warn('second SIGINT: exiting without finishing shutdown', { signal });
        process.exit(1);
      }
      received = true;
      logger.info('signal received: shutting down', { signal });
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

if (require.main === module) {
  runBroker(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
    },
    (e: unknown) => {
      process.stderr.write(`${SERVICE}: fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
