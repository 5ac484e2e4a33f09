/**
 * Name server entries given by host name: every address the name resolves to is registered with,
 * looked up again each round; addresses that disappear are unregistered from and hung up on; a
 * failed lookup keeps what was known. Fake name servers (real RemotingServers) on two loopback
 * addresses sharing one port, as the pods behind a headless Service do; the resolver is injected,
 * except in the last test, which uses the system's answer for 'localhost'.
 */
import { promises as dnsPromises } from 'node:dns';
import { isIPv6 } from 'node:net';
import type { RemotingCommand } from '../../protocol';
import { RequestCode, ResponseCode } from '../../protocol';
import { RemotingServer } from '../../remoting';
import type { ServerLogger } from '../../ops';
import type { HostResolver } from '.';
import { NameserverRegistry } from '.';

interface FakeNameserver {
  readonly server: RemotingServer;
  readonly host: string;
  readonly requests: number[];
  readonly port: number;
}

async function fakeNameserver(host: string, port: number): Promise<FakeNameserver> {
  const server = new RemotingServer();
  const requests: number[] = [];
  const answer = (request: RemotingCommand): RemotingCommand => {
    requests.push(request.code);
    return { ...request, code: ResponseCode.SUCCESS, flag: 1, extFields: {} };
  };
  server.register(RequestCode.REGISTER_BROKER, answer);
  server.register(RequestCode.UNREGISTER_BROKER, answer);
  const listening = await server.start(port, host);
  if (!listening.ok) throw listening.error;
  return { server, host, requests, port: listening.value.port };
}

interface Logged {
  readonly level: string;
  readonly message: string;
  readonly meta?: Record<string, unknown>;
}

function recordingLogger(lines: Logged[]): ServerLogger {
  const logger: ServerLogger = {
    debug: (message, meta) => lines.push({ level: 'debug', message, meta }),
    info: (message, meta) => lines.push({ level: 'info', message, meta }),
    warn: (message, meta) => lines.push({ level: 'warn', message, meta }),
    error: (message, meta) => lines.push({ level: 'error', message, meta }),
    child: () => logger,
  };
  return logger;
}

function registry(namesrvAddrs: string[], resolve: HostResolver | undefined, logger: ServerLogger): NameserverRegistry {
  return new NameserverRegistry({
    namesrvAddrs,
    intervalMs: 3_600_000, // rounds are driven by refresh()
    timeoutMs: 2000,
    identity: () => ({ brokerName: 'broker-dns', brokerAddr: '127.0.0.1:10911', clusterName: 'DefaultCluster', haServerAddr: '127.0.0.1:10912', brokerId: 0 }),
    topicConfigWrapperJson: () => '{"dataVersion":{"timestamp":0,"counter":0},"topicConfigTable":{}}',
    logger,
    ...(resolve === undefined ? {} : { resolve }),
  });
}

describe('name server host names', () => {
  const fakes: FakeNameserver[] = [];

  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.server.close()));
  });

  it('registers with every address a name resolves to, follows the answer each round, and keeps the known addresses when a lookup fails', async () => {
    const a = await fakeNameserver('127.0.0.1', 0);
    fakes.push(a);
    const port = a.port;
    const b = await fakeNameserver('127.0.0.2', port);
    fakes.push(b);
    let answer: string[] | Error = ['127.0.0.1'];
    const lookups: string[] = [];
    const resolve: HostResolver = async (host) => {
      lookups.push(host);
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const lines: Logged[] = [];
    const r = registry([`nameserver.test:${port}`, '127.0.0.9:1'], resolve, recordingLogger(lines));
    // The IP literal stands for itself from the start; the name is unresolved until the first round.
    expect(r.status().map((s) => [s.namesrvAddr, s.registered, s.lastError])).toEqual([
      [`nameserver.test:${port}`, false, 'not resolved yet'],
      ['127.0.0.9:1', false, undefined],
    ]);
    try {
      await r.refresh();
      await r.idle();
      expect(lookups).toEqual(['nameserver.test']);
      expect(r.status().filter((s) => s.registered).map((s) => [s.namesrvAddr, s.resolvedFrom])).toEqual([[`127.0.0.1:${port}`, `nameserver.test:${port}`]]);
      expect([a.requests, b.requests]).toEqual([[RequestCode.REGISTER_BROKER], []]);

      // A second pod behind the name: registered with on the next round.
      answer = ['127.0.0.1', '127.0.0.2'];
      await r.refresh();
      await r.idle();
      expect(r.status().filter((s) => s.registered).map((s) => s.namesrvAddr)).toEqual([`127.0.0.1:${port}`, `127.0.0.2:${port}`]);
      expect(b.requests).toEqual([RequestCode.REGISTER_BROKER]);

      // The lookup fails: both stay and are registered with again; the failure is logged once.
      answer = new Error('getaddrinfo ENOTFOUND nameserver.test');
      await r.refresh();
      await r.refresh();
      await r.idle();
      expect(r.status().filter((s) => s.registered).map((s) => s.namesrvAddr)).toEqual([`127.0.0.1:${port}`, `127.0.0.2:${port}`]);
      expect(b.requests.filter((c) => c === RequestCode.REGISTER_BROKER)).toHaveLength(3);
      expect(lines.filter((l) => l.level === 'warn' && l.message.startsWith('cannot resolve')).map((l) => l.meta?.error)).toEqual(['getaddrinfo ENOTFOUND nameserver.test']);

      // The first pod leaves the answer: unregistered from, its connection closed.
      answer = ['127.0.0.2'];
      await r.refresh();
      await r.idle();
      expect(a.requests.at(-1)).toBe(RequestCode.UNREGISTER_BROKER);
      expect(r.status().map((s) => s.namesrvAddr)).toEqual([`127.0.0.2:${port}`, '127.0.0.9:1']);
      const deadline = Date.now() + 5000;
      while (a.server.connectionCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(a.server.connectionCount).toBe(0);
    } finally {
      await r.close();
    }
    // Closing unregisters from the addresses still listed.
    expect(b.requests.at(-1)).toBe(RequestCode.UNREGISTER_BROKER);
    expect(a.requests.filter((c) => c === RequestCode.UNREGISTER_BROKER)).toHaveLength(1);
  });

  it("resolves 'localhost' with the system resolver to all its addresses", async () => {
    const expected = (await dnsPromises.lookup('localhost', { all: true, verbatim: true })).map((x) => x.address);
    const first = await fakeNameserver(expected[0]!, 0);
    fakes.push(first);
    const port = first.port;
    for (const ip of expected.slice(1)) fakes.push(await fakeNameserver(ip, port));
    const r = registry([`localhost:${port}`], undefined, recordingLogger([]));
    try {
      await r.refresh();
      await r.idle();
      expect(r.status().map((s) => [s.namesrvAddr, s.registered])).toEqual(expected.map((ip) => [isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`, true]));
      expect(fakes.every((f) => f.requests[0] === RequestCode.REGISTER_BROKER)).toBe(true);
    } finally {
      await r.close();
    }
  });
});
