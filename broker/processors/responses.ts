/** Response builders shared by the processors. */
import type { HeaderCodec, RemotingCommand } from '../../protocol';
import { ResponseCode, makeResponse } from '../../protocol';
import type { Result } from '../../stdx';

export function respond(request: RemotingCommand, code: number, remark?: string, extFields?: Record<string, string>, body?: Buffer): RemotingCommand {
  const options: { extFields?: Record<string, string>; body?: Buffer } = {};
  if (extFields !== undefined) options.extFields = extFields;
  if (body !== undefined) options.body = body;
  return makeResponse(request, code, remark, options);
}

export function success(request: RemotingCommand, extFields?: Record<string, string>, body?: Buffer): RemotingCommand {
  return respond(request, ResponseCode.SUCCESS, undefined, extFields, body);
}

/** A request whose header fields are missing or malformed; the remark names the field. */
export function invalidHeader(request: RemotingCommand, problem: string): RemotingCommand {
  return respond(request, ResponseCode.INVALID_PARAMETER, problem);
}

/** Parses a request header with a protocol codec; the error side is the ready response. */
export function parseHeader<T>(codec: HeaderCodec<T>, request: RemotingCommand): Result<T, RemotingCommand> {
  const parsed = codec.parse(request.extFields);
  return parsed.ok ? parsed : { ok: false, error: invalidHeader(request, parsed.error) };
}
