/**
 * protocol: pure codecs of the RocketMQ remoting protocol. Frames and headers (JSON and ROCKETMQ
 * binary), request/response code tables, typed header views, JSON bodies and route data.
 * Imports only `stdx` and Node builtins; the only door into this folder.
 */
export type { CodeInfo, LanguageName, RequestCodeName, ResponseCodeName, SerializeTypeCode, SerializeTypeName } from './codes';
export {
  LanguageCode,
  MQVersion,
  REQUEST_CODES,
  RESPONSE_CODES,
  RequestCode,
  ResponseCode,
  SerializeType,
  isRetriableResponseCode,
  languageCodeOf,
  languageName,
  requestCodeByName,
  requestCodeInfo,
  requestCodeName,
  responseCodeByName,
  responseCodeInfo,
  responseCodeName,
} from './codes';

export type { RemotingCommand, RequestOptions, ResponseOptions } from './command';
export { DEFAULT_LANGUAGE, DEFAULT_VERSION, RemotingFlag, isOneway, isResponse, makeRequest, makeResponse } from './command';

export type { DecodedFrame, FrameError, FrameParts } from './frame';
export {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_PREFIX_BYTES,
  FrameErrorKind,
  MAX_HEADER_BYTES,
  decodeFrame,
  encodeFrame,
  encodeFrameParts,
} from './frame';
export type { FrameWriterOptions } from './frame-writer';
export { DEFAULT_INLINE_MAX_BYTES, FrameWriter } from './frame-writer';
export type { DecodeResult, FrameDecoderOptions } from './frame-decoder';
export { FrameDecoder } from './frame-decoder';

export type { JsonValue, LenientJsonOptions } from './lenient-json';
export { parseLenientJson } from './lenient-json';

export type { FieldSpec, FieldType, HeaderCodec, HeaderSchema } from './header-schema';
export { defineHeader } from './header-schema';
export * from './headers';
export * from './headers-admin';
export * from './bodies';
export * from './route';
