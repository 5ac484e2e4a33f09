/**
 * The admin API over real HTTP on a real broker: token protection, role commands and their refusals,
 * and the exact set of fields GET /status reports (the controller's contract).
 */
import { ResponseCode } from '../../protocol';
import { RemotingClient } from '../../remoting';
import { cleanupTempDirs } from '../../testing/temp';
import { secret } from '../config';
import type { HaNode } from '../ha/test-kit';
import { getStatus, postRole, send, startHaBroker } from '../ha/test-kit';

const TOKEN = 'admin-token-for-tests';

describe('broker admin API', () => {
  const client = new RemotingClient();
  let node: HaNode;

  beforeAll(async () => {
    node = await startHaBroker([], { brokerId: 1, adminToken: secret(TOKEN) });
  });

  afterAll(async () => {
    await client.close();
    await node.broker.close();
    cleanupTempDirs();
  });

  it('refuses requests without the bearer token (401), or with a wrong one; /healthz stays open', async () => {
    expect((await getStatus(node)).status).toBe(401);
    expect((await getStatus(node, 'wrong')).status).toBe(401);
    expect((await postRole(node, { role: 'master', epoch: 1 })).status).toBe(401);
    expect(node.broker.replication!.currentRole).toBe('none');
    expect((await fetch(`${node.httpUrl}/healthz`)).status).toBe(200);
  });

  it('reports every status field the controller reads', async () => {
    const status = await getStatus(node, TOKEN);
    expect(status.status).toBe(200);
    expect(Object.keys(status.body).sort()).toEqual(
      [
        'address',
        'brokerId',
        'brokerName',
        'clusterName',
        'configBrokerId',
        'confirmedOffset',
        'dispatchedOffset',
        'epoch',
        'epochEntries',
        'fencedReason',
        'haAddress',
        'inSyncSet',
        'confirmedInSyncSet',
        'syncStateSetEpoch',
        'countedInSyncSet',
        'link',
        'masterAddress',
        'maxCommitLogOffset',
        'minCommitLogOffset',
        'minInSyncReplicas',
        'replicationMode',
        'role',
        'roleSource',
        'slaves',
        'writable',
      ].sort(),
    );
    expect(status.body).toMatchObject({ role: 'none', roleSource: 'controller', brokerId: 1, address: node.addr, haAddress: node.haAddr, writable: false });
  });

  it('answers 400 with every problem for a malformed command, and for bad JSON', async () => {
    const bad = await postRole(node, { role: 'boss', epoch: -1 }, TOKEN);
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual(['role must be "master" or "slave"', 'epoch must be an integer in 1..2147483647']);
    const garbage = await postRole(node, '{not json', TOKEN);
    expect(garbage.status).toBe(400);
  });

  it('makes the broker master (writes accepted), repeats idempotently, and answers 409 for an epoch that is not newer', async () => {
    const promoted = await postRole(node, { role: 'master', epoch: 5 }, TOKEN);
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ role: 'master', epoch: 5, writable: true, brokerId: 0, epochEntries: [{ epoch: 5, startCommitLogOffset: 0 }] });
    expect((await send(client, node.addr, 'TopicAdmin', Buffer.from('x'))).code).toBe(ResponseCode.SUCCESS);
    expect((await postRole(node, { role: 'master', epoch: 5 }, TOKEN)).status).toBe(200);
    const older = await postRole(node, { role: 'master', epoch: 4 }, TOKEN);
    expect(older.status).toBe(409);
    expect(older.body.error).toBe('epoch 4 is not newer than 5');
    const sameAsSlave = await postRole(node, { role: 'slave', epoch: 5, masterAddress: '127.0.0.1:1' }, TOKEN);
    expect(sameAsSlave.status).toBe(409);
    expect(node.broker.replication!.currentRole).toBe('master');
  });

  it('demotes to slave with a newer epoch: writes stop at once, the epoch history stays on disk', async () => {
    const demoted = await postRole(node, { role: 'slave', epoch: 6, masterAddress: '127.0.0.1:1', brokerId: 3 }, TOKEN);
    expect(demoted.status).toBe(200);
    expect(demoted.body).toMatchObject({ role: 'slave', epoch: 6, brokerId: 3, writable: false, masterAddress: '127.0.0.1:1' });
    const refused = await send(client, node.addr, 'TopicAdmin', Buffer.from('y'));
    expect(refused.code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect(node.broker.replication!.epochEntries).toEqual([{ epoch: 5, startCommitLogOffset: 0 }]);
  });
});
