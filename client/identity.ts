/**
 * Who this client is to the brokers: the client id `ip@instanceName` (FACTS 6.1) the broker uses to
 * tell group members apart, and the IP bytes inside producer-made message ids (FACTS 1.7).
 *
 * Every Producer/Consumer object gets its own instance name by default (pid, a per-process counter
 * and a random part), so two consumers of one group in one process are two members. Pass
 * `instanceName` to pin it.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

let instanceCounter = 0;

/** The first non-internal IPv4 address of this host, else 127.0.0.1. */
export function localIPv4(): string {
  const interfaces = networkInterfaces();
  for (const name of Object.keys(interfaces).sort()) {
    for (const info of interfaces[name] ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return '127.0.0.1';
}

export function ipv4Bytes(ip: string): Buffer {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return Buffer.from([127, 0, 0, 1]);
  return Buffer.from(parts);
}

export function defaultInstanceName(): string {
  instanceCounter++;
  return `${process.pid}#${instanceCounter}#${randomBytes(3).toString('hex')}`;
}

export interface ClientIdentity {
  readonly ip: string;
  readonly instanceName: string;
  readonly clientId: string;
}

export function makeIdentity(instanceName: string | undefined): ClientIdentity {
  const ip = localIPv4();
  const name = instanceName ?? defaultInstanceName();
  return { ip, instanceName: name, clientId: `${ip}@${name}` };
}
