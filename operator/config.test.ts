import { loadOperatorConfig } from './config';

describe('loadOperatorConfig', () => {
  it('applies the contract defaults, taking the namespace from the service-account mount', () => {
    const r = loadOperatorConfig({ POD_NAME: 'op-0' }, () => 'rocket-system\n');
    expect(r).toEqual({
      ok: true,
      value: {
        watchNamespaces: [],
        leaderElection: true,
        leaderElectionNamespace: 'rocket-system',
        leaseName: 'rocketcluster-operator',
        identity: 'op-0',
        metricsPort: 8080,
        logLevel: 'info',
        resyncSeconds: 30,
        failoverTickMs: 1000,
        leaseDurationSeconds: 15,
        renewDeadlineSeconds: 10,
        retryPeriodSeconds: 2,
      },
    });
  });

  it('reads every variable', () => {
    const r = loadOperatorConfig(
      {
        WATCH_NAMESPACES: 'team-a, team-b,',
        LEADER_ELECTION: 'false',
        LEADER_ELECTION_NAMESPACE: 'ops',
        LEASE_NAME: 'my-lease',
        POD_NAME: 'op-1',
        METRICS_PORT: '9090',
        LOG_LEVEL: 'debug',
        RECONCILE_RESYNC_SECONDS: '60',
        FAILOVER_TICK_MS: '500',
      },
      () => undefined,
    );
    expect(r.ok && r.value).toMatchObject({
      watchNamespaces: ['team-a', 'team-b'],
      leaderElection: false,
      leaderElectionNamespace: 'ops',
      leaseName: 'my-lease',
      identity: 'op-1',
      metricsPort: 9090,
      logLevel: 'debug',
      resyncSeconds: 60,
      failoverTickMs: 500,
    });
  });

  it('reports every problem at once', () => {
    const r = loadOperatorConfig(
      { WATCH_NAMESPACES: 'Bad_NS', LEADER_ELECTION: 'yes', METRICS_PORT: '70000', LOG_LEVEL: 'loud', FAILOVER_TICK_MS: '1e3', RENEW_DEADLINE_SECONDS: '20' },
      () => undefined,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toHaveLength(6);
      expect(r.error.join('\n')).toMatch(/WATCH_NAMESPACES.*Bad_NS/);
      expect(r.error.join('\n')).toMatch(/LEADER_ELECTION=yes/);
      expect(r.error.join('\n')).toMatch(/METRICS_PORT=70000/);
      expect(r.error.join('\n')).toMatch(/LOG_LEVEL=loud/);
      expect(r.error.join('\n')).toMatch(/FAILOVER_TICK_MS=1e3/);
      expect(r.error.join('\n')).toMatch(/LEASE_DURATION_SECONDS > RENEW_DEADLINE_SECONDS/);
    }
  });

  it('needs a Lease namespace only when leader election is on', () => {
    const on = loadOperatorConfig({}, () => undefined);
    expect(on.ok ? [] : on.error).toEqual([expect.stringMatching(/^LEADER_ELECTION_NAMESPACE/)]);
    expect(loadOperatorConfig({ LEADER_ELECTION: 'false' }, () => undefined).ok).toBe(true);
    expect(loadOperatorConfig({ POD_NAMESPACE: 'from-env' }, () => undefined)).toMatchObject({ ok: true, value: { leaderElectionNamespace: 'from-env' } });
  });
});
