/**
 * KV config requests: PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102),
 * GET_KVLIST_BY_NAMESPACE (219). A change is acknowledged once it is in `kvConfig.json`; a failed
 * write answers SYSTEM_ERROR (the value stays in memory and goes to disk with the next change).
 */
import type { RemotingCommand } from '../protocol';
import {
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  KVConfigRequestHeader,
  PutKVConfigRequestHeader,
  ResponseCode,
  encodeKVTable,
} from '../protocol';
import type { NameserverContext } from './processor-kit';
import { failure, readHeader, success } from './processor-kit';

export async function putKvConfig(ctx: NameserverContext, request: RemotingCommand): Promise<RemotingCommand> {
  const header = readHeader(PutKVConfigRequestHeader, request);
  if (!header.ok) return header.error;
  const { namespace, key, value } = header.value;
  const stored = await ctx.kv.put(namespace, key, value);
  if (!stored.ok) {
    ctx.logger.error('kv config put failed', { namespace, key, error: stored.error });
    return failure(request, ResponseCode.SYSTEM_ERROR, stored.error);
  }
  ctx.logger.info('kv config put', { namespace, key });
  return success(request);
}

export function getKvConfig(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(KVConfigRequestHeader, request);
  if (!header.ok) return header.error;
  const { namespace, key } = header.value;
  const value = ctx.kv.get(namespace, key);
  if (value === undefined) return failure(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${namespace} Key: ${key}`);
  return success(request, { extFields: GetKVConfigResponseHeader.format({ value }) });
}

export async function deleteKvConfig(ctx: NameserverContext, request: RemotingCommand): Promise<RemotingCommand> {
  const header = readHeader(KVConfigRequestHeader, request);
  if (!header.ok) return header.error;
  const { namespace, key } = header.value;
  const deleted = await ctx.kv.delete(namespace, key);
  if (!deleted.ok) {
    ctx.logger.error('kv config delete failed', { namespace, key, error: deleted.error });
    return failure(request, ResponseCode.SYSTEM_ERROR, deleted.error);
  }
  ctx.logger.info('kv config deleted', { namespace, key });
  return success(request);
}

export function getKvListByNamespace(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(GetKVListByNamespaceRequestHeader, request);
  if (!header.ok) return header.error;
  const table = ctx.kv.list(header.value.namespace);
  if (table === undefined) return failure(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${header.value.namespace}`);
  return success(request, { body: encodeKVTable({ table }) });
}
