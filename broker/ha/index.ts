/**
 * broker/ha: replication between the brokers of one group. Epoch entries and the `epoch` file, the
 * HA wire format, the master's HA server and the slave's link, sync-replication waits, in-sync
 * tracking, and `ReplicationService`, which holds the broker's role and gates writes. Byte layouts
 * and rules: docs/replication.md. The folder's only door.
 */
export type { EpochEntry } from './epoch';
export { appendEntry, entryAt, epochEnd, findCommonPoint, lastEpoch, validateEntries } from './epoch';
export { EPOCH_FILE_NAME, EpochFile } from './epoch-file';
export type { ReplicaStore, ReplicationDeps, ReplicationOptions, RoleCommand, RoleError } from './replication';
export { MAX_SYNC_WAITERS, ReplicationMode, ReplicationService, Role } from './replication';
export type { LinkStatus, ReplicationStatus, SlaveStatus } from './status';
export { TRANSFER_BATCH_BYTES } from './master-link';
export { applyTopicSnapshot, topicSnapshot } from './metadata';
export type { ReplicaMetadata } from './metadata-sync';
export { DEFAULT_METADATA_SYNC_INTERVAL_MS } from './metadata-sync';
export type { TopicTable } from './metadata';
