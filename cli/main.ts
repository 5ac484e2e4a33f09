#!/usr/bin/env node
/**
 * The `rocketctl` binary. Runs one command line and exits with its code. The exit is forced a moment
 * after the command returns so a connection left open by a failed command cannot hang a script.
 */
import { processOutput } from './output';
import { runCli } from './program';
import { processSignals } from './supervisor/up';

const FORCED_EXIT_AFTER_MS = 2000;

// `rocketctl topic list | head` closes our stdout early: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

void runCli(process.argv.slice(2), { out: processOutput(), env: process.env, cwd: process.cwd(), signals: processSignals }).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), FORCED_EXIT_AFTER_MS).unref();
});
