/**
 * Shared helpers of the process-level e2e tests (e2e/process): a `rocketctl up` cluster in a child
 * process, direct requests to one broker address, and a load producer that records every
 * acknowledged send.
 */
export type { BrokerEndpoint, BrokerStatus, ControllerRecord, UpOptions } from './cluster';
export { CLI, ROOT, SMALL_STORE_ENV, UpCluster, brokerStatus, freeBasePort, until } from './cluster';
export type { DirectSendOutcome } from './broker-io';
export { directClient, readQueueAt, readTopicAt, sendDirect } from './broker-io';
export type { AckCheck, AckedMessage, LoadOptions } from './load';
export { LoadProducer, checkAck, createTopic, queueProblems } from './load';
export type { RunningChild } from './processes';
export { ManualCluster } from './processes';
