import { loadNameserverConfig } from '../../nameserver';
import { nameserverDeployment, nameserverHeadlessService, nameserverPdb, nameserverService } from './nameserver';
import { makeCluster, resolveEnv } from './test-kit.test-util';

describe('nameserver builders', () => {
  const c = makeCluster({ nameserver: { replicas: 3, resources: { limits: { memory: '256Mi', cpu: 1 } } } });
  const deployment = nameserverDeployment(c);
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers[0]!;

  it('runs spec.nameserver.replicas pods and rolls them one extra at a time, never one fewer', () => {
    expect(deployment.metadata?.name).toBe('demo-nameserver');
    expect(deployment.spec!.replicas).toBe(3);
    expect(deployment.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(deployment.spec!.template.metadata?.labels).toMatchObject(deployment.spec!.selector.matchLabels!);
    expect(container.resources).toEqual({ limits: { memory: '256Mi', cpu: '1' } });
  });

  it('starts rocket-nameserver with a config the nameserver loads: ports 9876/9877 and a writable data dir', () => {
    expect(container.command).toEqual(['rocket-nameserver']);
    const env = resolveEnv(container, { podIP: '10.0.0.9', podName: 'demo-nameserver-x', namespace: 'ns', secrets: {} });
    const loaded = loadNameserverConfig({ argv: container.command!.slice(1), env, homeDir: '/nonexistent' });
    if (loaded.kind !== 'ok') throw new Error(`nameserver refuses its config: ${JSON.stringify(loaded)}`);
    expect([loaded.config.listenPort, loaded.config.httpPort, loaded.config.dataDir]).toEqual([9876, 9877, '/data']);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(pod.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  it('probes /healthz on 9877 and runs as uid 10001', () => {
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(9877);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(deployment.spec!.template.metadata?.annotations).toMatchObject({ 'prometheus.io/port': '9877' });
  });

  it('has a ClusterIP Service for clients (scraped) and a headless one for brokers (not scraped), both over the pods', () => {
    const svc = nameserverService(c);
    const headless = nameserverHeadlessService(c);
    expect([svc.metadata?.name, headless.metadata?.name]).toEqual(['demo-nameserver', 'demo-nameserver-headless']);
    expect(svc.spec?.type).toBe('ClusterIP');
    expect(headless.spec?.clusterIP).toBe('None');
    for (const s of [svc, headless]) {
      expect(s.spec!.selector).toEqual(deployment.spec!.selector.matchLabels);
      expect(s.spec!.ports!.map((p) => [p.name, p.port])).toEqual([['remoting', 9876], ['http', 9877]]);
    }
    expect(svc.metadata?.labels?.['rocketcluster.io/metrics']).toBe('true');
    expect(headless.metadata?.labels?.['rocketcluster.io/metrics']).toBeUndefined();
  });

  it('allows one nameserver down at a time', () => {
    expect(nameserverPdb(c).spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec!.selector.matchLabels } });
  });
});
