/**
 * Request/response helpers over the remoting client: remoting failures and error response codes
 * become the SDK's typed errors, so callers above this file deal in promises that resolve with a
 * successful response or reject with a ClientError.
 */
import type { RemotingCommand } from '../protocol';
import { ResponseCode, makeRequest } from '../protocol';
import type { RemotingClient } from '../remoting';
import { BrokerError, fromRemotingError } from './errors';

/** Sends a request and returns the response whatever its code; rejects on remoting failures. */
export async function invoke(
  remoting: RemotingClient,
  addr: string,
  request: RemotingCommand,
  timeoutMs: number,
  what: string,
): Promise<RemotingCommand> {
  const result = await remoting.invoke(addr, request, timeoutMs);
  if (!result.ok) throw fromRemotingError(result.error, what);
  return result.value;
}

/** Like `invoke`, and rejects with a BrokerError unless the response code is one of `okCodes`. */
export async function invokeExpect(
  remoting: RemotingClient,
  addr: string,
  request: RemotingCommand,
  timeoutMs: number,
  what: string,
  okCodes: readonly number[] = [ResponseCode.SUCCESS],
): Promise<RemotingCommand> {
  const response = await invoke(remoting, addr, request, timeoutMs, what);
  if (!okCodes.includes(response.code)) throw new BrokerError(response.code, response.remark, addr, what);
  return response;
}

/** A request with string ext fields built from a plain object (undefined values left out). */
export function request(code: number, fields?: Record<string, string | number | boolean | undefined>, body?: Buffer): RemotingCommand {
  const extFields: Record<string, string> = {};
  if (fields !== undefined) {
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) extFields[key] = String(value);
  }
  return makeRequest(code, { extFields, ...(body === undefined ? {} : { body }) });
}
