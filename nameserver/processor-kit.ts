/**
 * What every name-server request handler shares: the context it works on and small helpers that
 * turn a bad header into a clear error response instead of an exception.
 *
 * Header problems answer SYSTEM_ERROR with a remark naming the header and field, which is what a
 * Java name server answers when header decoding fails (RemotingCommandException).
 */
import type { HeaderCodec, RemotingCommand, ResponseOptions } from '../protocol';
import { ResponseCode, makeResponse } from '../protocol';
import type { ServerLogger } from '../ops';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import type { KvConfigStore } from './kv-store';
import type { RouteTable } from './route-table';

export interface NameserverContext {
  readonly routes: RouteTable;
  readonly kv: KvConfigStore;
  /** Put the KV entry of namespace ORDER_TOPIC_CONFIG into routes (`orderMessageEnable`). */
  readonly orderMessageEnable: boolean;
  readonly logger: ServerLogger;
}

export function success(request: RemotingCommand, options: ResponseOptions = {}): RemotingCommand {
  return makeResponse(request, ResponseCode.SUCCESS, undefined, options);
}

export function failure(request: RemotingCommand, code: number, remark: string): RemotingCommand {
  return makeResponse(request, code, remark);
}

/** The typed header, or the error response to send back. */
export function readHeader<T>(codec: HeaderCodec<T>, request: RemotingCommand): Result<T, RemotingCommand> {
  const header = codec.parse(request.extFields);
  return header.ok ? ok(header.value) : err(failure(request, ResponseCode.SYSTEM_ERROR, header.error));
}
