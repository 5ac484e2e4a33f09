/**
 * The admin, send and consume commands on the commander tree. Each action turns flags into a plan
 * (usage errors exit 2), opens what it needs against `--namesrv`, runs, and always closes.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Clock } from '../../stdx';
import type { ExitCode } from '../errors';
import type { AdminConnector, CliDeps, GlobalFlags, ProgramState } from '../command-kit';
import { action } from '../command-kit';
import type { AdminApi } from './admin-api';
import { TopicMessageTypes } from './admin-api';
import { clusterShow } from './cluster';
import type { ConsumeFlags } from './consume-plan';
import { planConsume } from './consume-plan';
import { consumerProgressShow } from './consumer';
import { collect } from './flags';
import { localReplicasFor, planRoleChange, runRoleCommand } from './role-commands';
import type { RoleCommandFlags } from './role-commands';
import { httpStatusFetcher } from './replica-status';
import type { QueryFlags } from './message';
import { messageQuery, messageShow, planQuery } from './message';
import type { SendFlags } from './send-plan';
import { planSend } from './send-plan';
import type { TopicFlags } from './topic';
import { topicCreate, topicDelete, topicDescribe, topicList } from './topic';

/** The brokers' admin token (as `up` passes it to its controller). */
export const BROKER_ADMIN_TOKEN_ENV = 'ROCKET_BROKER_ADMIN_TOKEN';

export interface CommandDeps extends CliDeps {
  readonly clock: Clock;
  readonly connectAdmin: AdminConnector;
}

function globals(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals<GlobalFlags>();
}

export function registerAdminCommands(program: Command, deps: CommandDeps, state: ProgramState): void {
  const withAdmin = (cmd: Command, run: (admin: AdminApi, g: GlobalFlags) => Promise<ExitCode>): Promise<ExitCode> => {
    const g = globals(cmd);
    return deps.connectAdmin(g.namesrv).then(async (admin) => {
      try {
        return await run(admin, g);
      } finally {
        await admin.close();
      }
    });
  };

  const topic = program.command('topic').description('create, change, inspect and delete topics');
  const topicSettings = (cmd: Command) =>
    cmd
      .option('--queues <n>', 'read and write queues per broker (default 8 on create)')
      .option('--read-queues <n>', 'read queues per broker')
      .option('--write-queues <n>', 'write queues per broker')
      .addOption(new Option('--type <type>', 'message type (default NORMAL)').choices([...TopicMessageTypes]))
      .option('--perm <perm>', 'permission: RW, R, W or bits 0..7 (default RW)')
      .option('--cluster <name>', 'on every master of this cluster (default: every master known)')
      .option('--broker <name>', 'on this broker group only');
  for (const mode of ['create', 'update'] as const) {
    topicSettings(
      topic
        .command(`${mode} <topic>`)
        .description(mode === 'create' ? 'create a topic (fails if it exists)' : 'change a topic; unspecified settings keep their values'),
    ).action(action(state, (name: string, flags: TopicFlags, cmd: Command) => withAdmin(cmd, (admin) => topicCreate(admin, name, flags, deps.out, mode))));
  }
  topic
    .command('list')
    .description('list topics (system topics only with --all)')
    .option('--all', 'include system, retry and DLQ topics')
    .action(action(state, (flags: { all?: boolean }, cmd: Command) => withAdmin(cmd, (admin, g) => topicList(admin, deps.out, g.json === true, flags.all === true))));
  topic
    .command('describe <topic>')
    .description('brokers, queues and per-queue min/max offsets of a topic')
    .action(action(state, (name: string, _flags: object, cmd: Command) => withAdmin(cmd, (admin, g) => topicDescribe(admin, name, deps.out, g.json === true))));
  topic
    .command('delete <topic>')
    .description('delete a topic from its brokers and the name server')
    .action(action(state, (name: string, _flags: object, cmd: Command) => withAdmin(cmd, (admin) => topicDelete(admin, name, deps.out))));

  program
    .command('cluster')
    .description('brokers of the cluster: names, ids, roles, addresses, versions; replication role, epoch, offsets, lag and in-sync state where the admin API answers')
    .option('--data-dir <dir>', 'data directory of a local rocketctl up (adds its replicas the name server does not list)', './data')
    .action(
      action(state, (flags: { dataDir: string }, cmd: Command) =>
        withAdmin(cmd, (admin, g) =>
          clusterShow(admin, deps.out, {
            json: g.json === true,
            local: localReplicasFor(flags.dataDir, deps.cwd, g.namesrv),
            fetchStatus: httpStatusFetcher(deps.env[BROKER_ADMIN_TOKEN_ENV]),
          }),
        ),
      ),
    );

  const roleCommand = (name: 'switchover' | 'failover', description: string) =>
    program
      .command(`${name} <group>`)
      .description(description)
      .option('--data-dir <dir>', 'data directory of the rocketctl up whose controller does it', './data')
      .option('--timeout <seconds>', 'how long to wait for the new master to take writes', '60');
  roleCommand('switchover', 'planned change of master with zero loss: fence the master, wait until the target holds everything, promote it, demote the old one')
    .option('--to <broker>', 'the new master (process name like broker-a-1, or its address); default: the most advanced in-sync slave')
    .action(action(state, (group: string, flags: RoleCommandFlags, cmd: Command) => runRoleCommand(planRoleChange('switchover', group, flags), flags, deps, globals(cmd).json === true)));
  roleCommand('failover', "forced failover: the group's master (sick but reachable, or gone) is replaced by the best in-sync slave at a new epoch")
    .action(action(state, (group: string, flags: RoleCommandFlags, cmd: Command) => runRoleCommand(planRoleChange('failover', group, flags), flags, deps, globals(cmd).json === true)));

  program
    .command('consumer')
    .description('consumer group commands')
    .command('progress <group>')
    .description("a group's committed offsets and lag per queue, and the total lag")
    .action(action(state, (group: string, _flags: object, cmd: Command) => withAdmin(cmd, (admin, g) => consumerProgressShow(admin, group, deps.out, g.json === true))));

  const message = program.command('message').description('look messages up');
  message
    .command('show <offsetMsgId>')
    .description('headers, properties and body of one message, by the offsetMsgId of its send result')
    .action(action(state, (id: string, _flags: object, cmd: Command) => withAdmin(cmd, (admin, g) => messageShow(admin, id, deps.out, g.json === true))));
  message
    .command('query')
    .description('messages of a topic with a key (the index of KEYS), stored between --begin and --end')
    .requiredOption('--topic <topic>', 'topic')
    .requiredOption('--key <key>', 'message key')
    .option('--begin <time>', 'ISO time, epoch ms or relative (-1h); default: the beginning')
    .option('--end <time>', 'ISO time, epoch ms or relative; default: now')
    .option('--max <n>', 'most messages to return', '64')
    .action(action(state, (flags: QueryFlags, cmd: Command) => withAdmin(cmd, (admin, g) => messageQuery(admin, planQuery(flags, deps.clock), deps.out, g.json === true))));

  program
    .command('send <topic>')
    .description('send one message, or --count N with a progress line and the throughput')
    .option('--tags <tag>', 'message tag')
    .option('--keys <keys>', 'space-separated keys; {i} becomes the message index')
    .option('--body <text>', 'body text (default "Hello RocketCluster")')
    .option('--file <path>', 'body from a file')
    .option('--size <bytes>', 'generated body of this size (512, 4k, 1m)')
    .option('--count <n>', 'messages to send', '1')
    .option('--concurrency <n>', 'sends in flight (with --count)', '64')
    .option('--property <key=value>', 'user property (repeatable)', collect)
    .option('--delay-level <1..18>', 'deliver after a delay level (1s 5s 10s 30s 1m ... 2h)')
    .action(
      action(state, (topicName: string, flags: SendFlags, cmd: Command) => {
        const g = globals(cmd);
        const plan = planSend(topicName, flags);
        // Loaded on use: the SDK is not needed by `up` or `--help`, and loading it costs startup time.
        return import('./send').then(({ runSend }) => runSend(plan, { out: deps.out, namesrv: g.namesrv, json: g.json === true, clock: deps.clock, signals: deps.signals }));
      }),
    );

  program
    .command('consume <topic>')
    .description('consume as a member of --group and print messages; stops after --count N or Ctrl-C')
    .option('--group <group>', 'consumer group (required)')
    .option('--tags <expr>', 'tag filter: *, TagA, TagA || TagB', '*')
    .option('--count <n>', 'stop after this many messages')
    .option('--from <where>', 'where a new group starts: first or last', 'last')
    .option('--quiet', 'print only counts and throughput')
    .option('--timeout <seconds>', 'give up after this long (exit 1 if --count was not reached)')
    .option('--broadcast', 'broadcasting model (offsets kept locally) instead of clustering')
    .action(
      action(state, (topicName: string, flags: ConsumeFlags, cmd: Command) => {
        const g = globals(cmd);
        const plan = planConsume(topicName, flags);
        return import('./consume').then(({ runConsume }) => runConsume(plan, { out: deps.out, namesrv: g.namesrv, json: g.json === true, clock: deps.clock, signals: deps.signals }));
      }),
    );
}
