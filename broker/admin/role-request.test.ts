import { parseRoleRequest } from './role-request';

describe('POST /role bodies', () => {
  it('accepts a master command (writable optional) and a slave command (brokerId optional)', () => {
    expect(parseRoleRequest({ role: 'master', epoch: 3 })).toEqual({ ok: true, value: { role: 'master', epoch: 3 } });
    expect(parseRoleRequest({ role: 'master', epoch: 3, writable: false })).toEqual({ ok: true, value: { role: 'master', epoch: 3, writable: false } });
    expect(parseRoleRequest({ role: 'slave', epoch: 4, masterAddress: '10.0.0.1:10912', brokerId: 2 })).toEqual({
      ok: true,
      value: { role: 'slave', epoch: 4, masterAddress: '10.0.0.1:10912', brokerId: 2 },
    });
  });

  it('accepts a confirmed in-sync set with its syncStateSetEpoch on a master command, and only both together', () => {
    expect(parseRoleRequest({ role: 'master', epoch: 3, inSyncSet: ['10.0.0.1:10911', '10.0.0.2:10911'], syncStateSetEpoch: 4 })).toEqual({
      ok: true,
      value: { role: 'master', epoch: 3, inSyncSet: ['10.0.0.1:10911', '10.0.0.2:10911'], syncStateSetEpoch: 4 },
    });
    expect(parseRoleRequest({ role: 'master', epoch: 3, inSyncSet: ['10.0.0.1:10911'] })).toEqual({ ok: false, error: ['syncStateSetEpoch must be an integer >= 0 (given with inSyncSet)'] });
    expect(parseRoleRequest({ role: 'master', epoch: 3, inSyncSet: ['nohost'], syncStateSetEpoch: 1 })).toEqual({
      ok: false,
      error: ['inSyncSet must be a list of at most 64 remoting addresses, host:port'],
    });
    expect(parseRoleRequest({ role: 'slave', epoch: 3, masterAddress: 'a:1', inSyncSet: [], syncStateSetEpoch: 1 })).toEqual({
      ok: false,
      error: ['inSyncSet and syncStateSetEpoch are for masters'],
    });
  });

  it('reports every problem at once', () => {
    expect(parseRoleRequest({ role: 'leader', epoch: 0, colour: 'red' })).toEqual({
      ok: false,
      error: ['unknown field "colour"', 'role must be "master" or "slave"', 'epoch must be an integer in 1..2147483647'],
    });
    expect(parseRoleRequest({ role: 'slave', epoch: 2, brokerId: 0, writable: true })).toEqual({
      ok: false,
      error: ["masterAddress must be the master's HA address, host:port", 'brokerId must be an integer >= 1', 'writable is for masters'],
    });
    expect(parseRoleRequest({ role: 'master', epoch: 2, masterAddress: 'a:1' })).toEqual({ ok: false, error: ['masterAddress is for slaves'] });
    expect(parseRoleRequest([1])).toEqual({ ok: false, error: ['the body must be a JSON object'] });
  });
});
