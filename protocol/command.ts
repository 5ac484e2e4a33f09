/**
 * The RemotingCommand model: one request or response of the RocketMQ remoting protocol, independent of
 * how its header is serialized (FACTS 3.2). `extFields` is the "custom header": every value is a string
 * on the wire; typed views live in `headers.ts`.
 */
import { assert } from '../stdx';
import { MQVersion } from './codes';

export interface RemotingCommand {
  /** Request code for requests, response code for responses. */
  code: number;
  /** Sender language by enum name (`"JAVA"`); see `LanguageCode`. */
  language: string;
  /** Sender version, an `MQVersion` ordinal. */
  version: number;
  /** Request id; a response echoes its request's opaque. */
  opaque: number;
  /** Bit 0 = response, bit 1 = oneway. */
  flag: number;
  remark?: string;
  extFields?: Record<string, string>;
  body?: Buffer;
  /**
   * Outgoing only: a body given as several buffers sent back to back (e.g. stored records served
   * as zero-copy views), so they need not be concatenated. Use instead of `body`, never with it;
   * decoded commands always carry `body`.
   */
  bodyParts?: readonly Buffer[];
}

/** Bits of `RemotingCommand.flag`. */
export const RemotingFlag = { RESPONSE: 1, ONEWAY: 2 } as const;

/**
 * Language and version we put on commands we originate. We say JAVA because older Java peers map the
 * language name onto their own enum and 4.x releases may not know NODE_JS; ali-ons says JAVA too.
 * V4_9_4 is the first version a name server answers with standard JSON.
 */
export const DEFAULT_LANGUAGE = 'JAVA';
export const DEFAULT_VERSION: number = MQVersion.V4_9_4;

export const INT32_MIN = -0x8000_0000;
export const INT32_MAX = 0x7fff_ffff;

export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

export function isResponse(cmd: Pick<RemotingCommand, 'flag'>): boolean {
  return (cmd.flag & RemotingFlag.RESPONSE) !== 0;
}

export function isOneway(cmd: Pick<RemotingCommand, 'flag'>): boolean {
  return (cmd.flag & RemotingFlag.ONEWAY) !== 0;
}

export interface RequestOptions {
  extFields?: Record<string, string>;
  body?: Buffer;
  remark?: string;
  /** The remoting layer assigns opaques when it sends; set one only to build fixtures. */
  opaque?: number;
  oneway?: boolean;
  language?: string;
  version?: number;
}

export function makeRequest(code: number, options: RequestOptions = {}): RemotingCommand {
  assert(isInt32(code), `request code must be an int32, got ${code}`);
  const cmd: RemotingCommand = {
    code,
    language: options.language ?? DEFAULT_LANGUAGE,
    version: options.version ?? DEFAULT_VERSION,
    opaque: options.opaque ?? 0,
    flag: options.oneway === true ? RemotingFlag.ONEWAY : 0,
  };
  if (options.remark !== undefined) cmd.remark = options.remark;
  if (options.extFields !== undefined) cmd.extFields = options.extFields;
  if (options.body !== undefined) cmd.body = options.body;
  return cmd;
}

export interface ResponseOptions {
  extFields?: Record<string, string>;
  body?: Buffer;
  language?: string;
  version?: number;
}

/** A response to `request`: echoes its opaque and sets the response bit. */
export function makeResponse(
  request: Pick<RemotingCommand, 'opaque'>,
  code: number,
  remark?: string,
  options: ResponseOptions = {},
): RemotingCommand {
  assert(isInt32(code), `response code must be an int32, got ${code}`);
  const cmd: RemotingCommand = {
    code,
    language: options.language ?? DEFAULT_LANGUAGE,
    version: options.version ?? DEFAULT_VERSION,
    opaque: request.opaque,
    flag: RemotingFlag.RESPONSE,
  };
  if (remark !== undefined) cmd.remark = remark;
  if (options.extFields !== undefined) cmd.extFields = options.extFields;
  if (options.body !== undefined) cmd.body = options.body;
  return cmd;
}
