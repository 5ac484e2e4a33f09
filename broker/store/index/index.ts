/** The index folder's door: key lookups over RocketMQ-format index files (docs/formats-index.md). */
export { IndexService, IndexPutStatus, DEFAULT_INDEX_CONFIG, MAX_QUERY_COUNT, CORRUPT_CODE } from './index-service';
export type { IndexConfig, IndexEntryInput } from './index-service';
export { indexKey, indexKeyHash, fileSizeBytes as indexFileSizeBytes } from './layout';
