/**
 * The rocketctl command tree (commander). Each command's action parses its flags into a typed
 * options object and calls a function in `commands/` or `supervisor/` with an `Output`; nothing here
 * prints directly, so `runCli` runs the same way in-process (tests) as from main.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { systemClock } from '../stdx';
import type { AdminConnector, CliDeps, ProgramState } from './command-kit';
import { action } from './command-kit';
import { CliError, ExitCode } from './errors';
import { registerAdminCommands } from './commands/register';
import { LaunchModes } from './supervisor/launch';
import { DEFAULT_BASE_PORT } from './supervisor/ports';
import { runUp } from './supervisor/up';
import type { UpFlags } from './supervisor/up-config';
import { UP_DEFAULTS, parseUpFlags } from './supervisor/up-config';

export const DEFAULT_NAMESRV = '127.0.0.1:9876';
export const NAMESRV_ENV = 'ROCKET_NAMESRV_ADDR';

export function buildProgram(deps: CliDeps, state: ProgramState): Command {
  const program = new Command('rocketctl')
    .description('RocketCluster command-line tool: run a local cluster, manage topics, send and consume messages')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => s.replace(/\n$/, '').split('\n').forEach((l) => deps.out.out(l)),
      writeErr: (s) => s.replace(/\n$/, '').split('\n').forEach((l) => deps.out.err(l)),
    })
    .showHelpAfterError('(run with --help for usage)')
    .option('--namesrv <addr>', `name server address(es), host:port[;host:port] (env ${NAMESRV_ENV})`, deps.env[NAMESRV_ENV] || DEFAULT_NAMESRV)
    .option('--json', 'machine-readable JSON output (read commands)');

  program
    .command('up')
    .description('run a local cluster (nameserver + a master and a slave per group, failover by the controller) in child processes until Ctrl-C')
    .option('--data-dir <dir>', 'data and logs directory', UP_DEFAULTS.dataDir)
    .option('--base-port <port>', `nameserver port; every other port shifts with it (broker = base + 1035)`, String(DEFAULT_BASE_PORT))
    .option('--host <addr>', 'address to bind and advertise', UP_DEFAULTS.host)
    .option('--cluster-name <name>', 'cluster name brokers register under')
    .option('--groups <n>', 'broker groups (broker-a, broker-b, ...), one master each', '1')
    .addOption(new Option('--replicas <n>', 'processes per broker group (master + slaves, failover by the controller)').default('2'))
    .addOption(new Option('--replication <mode>', 'replicated groups: async or sync (acknowledge once a slave holds the message)'))
    .option('--restart', 'restart a process that dies (backoff; gives up after 5 restarts in 60 s) instead of stopping the cluster', true)
    .option('--no-restart', 'stop the cluster when a process dies')
    .addOption(new Option('--launch <mode>', 'run servers from dist/ or from TypeScript sources').choices(LaunchModes).default('auto'))
    .option('--ready-timeout <seconds>', 'how long each process may take to become ready', String(UP_DEFAULTS.readyTimeoutS))
    .option('--stop-grace <seconds>', 'how long a process gets to stop before SIGKILL', String(UP_DEFAULTS.stopGraceS))
    .action(
      action(state, async (flags: UpFlags) => {
        const config = parseUpFlags(flags, deps.cwd);
        if (!config.ok) {
          config.error.forEach((p) => deps.out.err(`error: ${p}`));
          return ExitCode.usage;
        }
        return runUp(config.value, { out: deps.out, cwd: deps.cwd, signals: deps.signals });
      }),
    );

  registerAdminCommands(program, { ...deps, clock: deps.clock ?? systemClock, connectAdmin: deps.connectAdmin ?? connectAdminLazily }, state);
  return program;
}

/** The SDK loads only when an admin command runs (startup time of `up` and `--help`). */
const connectAdminLazily: AdminConnector = (namesrv) => import('./commands/admin-adapter').then(({ connectAdminClient }) => connectAdminClient(namesrv));

/** Client and server errors carry a stable code (`ROCKET_*`): expected failures, shown without a stack. */
function isExpectedError(e: unknown): e is Error & { code: string } {
  if (!(e instanceof Error)) return false;
  const code = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ROCKET_');
}

/** Runs one command line; never throws, returns the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  const state: ProgramState = { exitCode: ExitCode.ok };
  const program = buildProgram(deps, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return ExitCode.ok;
      // commander has already printed its message through configureOutput.
      return ExitCode.usage;
    }
    if (e instanceof CliError) {
      deps.out.err(`error: ${e.message}`);
      return e.exitCode;
    }
    if (isExpectedError(e)) {
      deps.out.err(`error: ${e.message} (${e.code})`);
      return ExitCode.failure;
    }
    deps.out.err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return ExitCode.failure;
  }
}
