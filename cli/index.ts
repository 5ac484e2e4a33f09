/**
 * cli/: `rocketctl`, RocketCluster's command-line tool. The binary is main.ts; this door exposes
 * what other code builds on: running a command line in-process (tests, embedding), the local
 * supervisor and its pure parts (process specs, port layout, ready-line parsing, restart policy),
 * and the output helpers. Imports `client`, `ops` and `stdx`; spawns the server entries.
 */
export { runCli, buildProgram, DEFAULT_NAMESRV, NAMESRV_ENV } from './program';
export type { AdminConnector, CliDeps, GlobalFlags, ProgramState } from './command-kit';
export { CliError, ExitCode, usageError } from './errors';
export type { Output } from './output';
export { MemoryOutput, processOutput, toJson } from './output';

export type { AdminApi } from './commands/admin-api';

export { Supervisor, describeExit } from './supervisor/supervisor';
export type { RunningProcess, SupervisorEvent, SupervisorOptions, SupervisorOutcome } from './supervisor/supervisor';
export type { ClusterLayout, ProcessRole, ProcessSpec } from './supervisor/specs';
export { buildProcessSpecs, brokerGroupName, nameserverAddress, ProcessRoles } from './supervisor/specs';
export type { BrokerPorts, NameserverPorts } from './supervisor/ports';
export { DEFAULT_BASE_PORT, brokerPorts, checkBasePort, nameserverPorts } from './supervisor/ports';
export type { RestartDecision, RestartLimits, RestartPolicy } from './supervisor/restart';
export { DEFAULT_RESTART_LIMITS, RestartPolicies, decideRestart } from './supervisor/restart';
export type { LaunchCommand, LaunchContext, LaunchMode, ServerEntry } from './supervisor/launch';
export { LaunchModes, ServerEntries, chooseLaunch, launchContext, resolveLaunch } from './supervisor/launch';
export { LineSplitter, matchReadyLine, parseLogLine } from './supervisor/log-lines';
export type { SignalSource, UpState } from './supervisor/up';
export { STATE_FILE, processSignals, runUp } from './supervisor/up';

export type { Column } from './format/table';
export { renderTable, renderKeyValues, formatBytes, formatCount, formatDuration, formatThroughput } from './format/table';
export { Progress } from './format/progress';
