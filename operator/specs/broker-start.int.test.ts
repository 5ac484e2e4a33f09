import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageStore } from '../../broker/store';
import { FileIoMode } from '../../broker/store';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { brokerStatefulSet } from './broker';
import { makeCluster, resolveEnv } from './test-kit.test-util';

afterAll(() => cleanupTempDirs());

/**
 * A broker killed without a clean close (OOM kill, SIGKILL) leaves `<store>/lock` holding its pid.
 * In a container the broker is pid 1 on every start, so the restarted broker would read its own pid
 * there. This process stands in for that pid 1: it writes the lock with its own pid.
 */
function leaveLockOfUncleanStop(dataDir: string): void {
  fs.writeFileSync(path.join(dataDir, 'lock'), String(process.pid));
}

describe('the broker container starting again after an unclean stop', () => {
  it('the store itself takes over a lock naming its own pid that it never took (the state a restarted pid 1 meets)', async () => {
    const data = tempDir('rc-broker-start-');
    leaveLockOfUncleanStop(data);
    const store = new MessageStore({ storeDir: data, ioMode: FileIoMode.fs });
    const opened = await store.open();
    expect(opened.ok ? 'opened' : opened.error.kind).toBe('opened');
    await store.close();
  });

  it('runs a start command that clears the stale lock, then hands the broker its arguments; the store opens', async () => {
    const data = tempDir('rc-broker-start-');
    leaveLockOfUncleanStop(data);
    // `rocket-broker` on PATH reports what it finds when it starts (the image's wrapper execs node).
    const bin = tempDir('rc-broker-bin-');
    const report = path.join(bin, 'report');
    fs.writeFileSync(
      path.join(bin, 'rocket-broker'),
      `#!/bin/sh\nif [ -e "$ROCKET_BROKER_STORE_PATH_ROOT_DIR/lock" ]; then echo locked; else echo free; fi > "${report}"\necho "$@" >> "${report}"\n`,
      { mode: 0o755 },
    );
    const container = brokerStatefulSet(makeCluster(), 0).spec!.template.spec!.containers[0]!;
    const podEnv = resolveEnv(container, { podIP: '10.1.2.3', podName: 'demo-broker-0-0', namespace: 'ns', secrets: { 'demo-admin-token': { token: 'x'.repeat(64) } } });
    expect(podEnv.ROCKET_BROKER_STORE_PATH_ROOT_DIR).toBe('/data');
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    execFileSync(argv[0]!, argv.slice(1), { env: { ...podEnv, ROCKET_BROKER_STORE_PATH_ROOT_DIR: data, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    expect(fs.readFileSync(report, 'utf8').split('\n').slice(0, 2)).toEqual(['free', '--config /etc/rocketcluster/broker.conf']);

    const store = new MessageStore({ storeDir: data, ioMode: FileIoMode.fs });
    const opened = await store.open();
    expect(opened.ok ? 'opened' : opened.error.message).toBe('opened');
    await store.close();
  });
});
