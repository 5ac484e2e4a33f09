export { MessageStore } from './message-store';
export type { StoreDeps, StoreEvents, PutBatchInput } from './message-store';
export { DEFAULT_STORE_CONFIG, FlushMode, validateStoreConfig } from './config';
export type { StoreConfig } from './config';
export { GetStatus, PutStatus } from './types';
export type {
  AppendedRecord,
  GetMessageRequest,
  GetMessageResult,
  MessageFilter,
  PutMessageInput,
  PutMessageResult,
  QueryMessageResult,
  RecoveryReport,
  StoreOpenError,
} from './types';
export { FileIoMode } from './io/mapped-file';
export type { MappedFile, MappedFileFactory, FileError } from './io/mapped-file';
export { createFileFactory, defaultIoMode, tuneProcessAllocator } from './io';
export type { DiskUsageProbe } from './retention';
