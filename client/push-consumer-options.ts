/**
 * Options of the push consumer, their defaults and validation (kept apart so push-consumer.ts holds
 * only behaviour).
 */
import type { Clock } from '../stdx';
import type { ConsumeFrom } from './consumer-api';
import { invalidArgument } from './errors';

export interface PushConsumerOptions {
  readonly namesrvAddr: string | readonly string[];
  readonly groupName: string;
  readonly instanceName?: string;
  readonly messageModel?: 'clustering' | 'broadcasting';
  /** Where a group without a committed offset starts: `last` (default), `first` or `timestamp`. */
  readonly consumeFromWhere?: ConsumeFrom;
  /** For `timestamp`: ms since the epoch; default 30 minutes ago. */
  readonly consumeTimestamp?: number;
  /** Messages asked for per pull. Default 32. */
  readonly pullBatchSize?: number;
  /** Delivered but unacknowledged messages per queue before its pulling pauses. Default 1000. */
  readonly maxInflightMessagesPerQueue?: number;
  /** The same, over all queues. Default 10000. */
  readonly maxInflightMessages?: number;
  /**
   * Ordered consumption: each queue's messages are handled one at a time, in queue order. In
   * clustering the member locks its queues on the brokers (LOCK_BATCH_MQ, renewed every
   * `lockIntervalMs`) and only consumes queues it holds. Pair with selector sends. Default false.
   */
  readonly orderly?: boolean;
  readonly lockIntervalMs?: number;
  /** Handlers running at once (in orderly mode: queues handled at once). Default 20. */
  readonly consumeConcurrency?: number;
  /** Local retries of a failed message before it is given up. Default 16. */
  readonly maxReconsumeTimes?: number;
  readonly consumeRetryDelayMs?: number;
  /** How long the broker may hold a pull waiting for messages. Default 15000. */
  readonly brokerSuspendMaxTimeMs?: number;
  readonly pullDelayOnErrorMs?: number;
  readonly requestTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceIntervalMs?: number;
  readonly routeRefreshIntervalMs?: number;
  readonly persistOffsetIntervalMs?: number;
  /** Broadcasting: the offsets file; default ~/.rocketcluster/offsets/<group>.json (one per group and host). */
  readonly offsetStorePath?: string;
  /**
   * Verify each pulled record's body CRC, and its record CRC item when the broker stored one. Default
   * false, like RocketMQ's clients: record lengths are always checked, checksums only on request.
   */
  readonly checkBodyCrc?: boolean;
  /** How long shutdown waits for running handlers. Default 10000. */
  readonly shutdownTimeoutMs?: number;
  /**
   * Header encoding of requests, as the producer's: RocketMQ's binary `rocketmq` (default; RocketMQ
   * 4.x/5.x brokers and ours read it and answer in kind, and both ends spend less on it) or `json`.
   */
  readonly serializeType?: 'json' | 'rocketmq';
  readonly clock?: Clock;
}

/** Every tunable with its default applied and checked. */
export type ResolvedPushOptions = Required<Omit<PushConsumerOptions, 'instanceName' | 'consumeTimestamp' | 'offsetStorePath' | 'clock' | 'namesrvAddr' | 'serializeType'>>;

const D = {
  pullBatchSize: 32,
  maxInflightPerQueue: 1000,
  maxInflight: 10_000,
  consumeConcurrency: 20,
  maxReconsumeTimes: 16,
  consumeRetryDelayMs: 1000,
  suspendMs: 15_000,
  pullDelayOnErrorMs: 3000,
  requestTimeoutMs: 3000,
  heartbeatIntervalMs: 30_000,
  rebalanceIntervalMs: 20_000,
  routeRefreshIntervalMs: 30_000,
  persistOffsetIntervalMs: 5000,
  shutdownTimeoutMs: 10_000,
  lockIntervalMs: 20_000,
} as const;

export function resolvePushOptions(options: PushConsumerOptions): ResolvedPushOptions {
  const o: ResolvedPushOptions = {
    groupName: options.groupName,
    messageModel: options.messageModel ?? 'clustering',
    consumeFromWhere: options.consumeFromWhere ?? 'last',
    pullBatchSize: positiveInt('pullBatchSize', options.pullBatchSize ?? D.pullBatchSize),
    maxInflightMessagesPerQueue: positiveInt('maxInflightMessagesPerQueue', options.maxInflightMessagesPerQueue ?? D.maxInflightPerQueue),
    maxInflightMessages: positiveInt('maxInflightMessages', options.maxInflightMessages ?? D.maxInflight),
    orderly: options.orderly === true,
    lockIntervalMs: positiveInt('lockIntervalMs', options.lockIntervalMs ?? D.lockIntervalMs),
    consumeConcurrency: positiveInt('consumeConcurrency', options.consumeConcurrency ?? D.consumeConcurrency),
    maxReconsumeTimes: nonNegativeInt('maxReconsumeTimes', options.maxReconsumeTimes ?? D.maxReconsumeTimes),
    consumeRetryDelayMs: nonNegativeInt('consumeRetryDelayMs', options.consumeRetryDelayMs ?? D.consumeRetryDelayMs),
    brokerSuspendMaxTimeMs: nonNegativeInt('brokerSuspendMaxTimeMs', options.brokerSuspendMaxTimeMs ?? D.suspendMs),
    pullDelayOnErrorMs: nonNegativeInt('pullDelayOnErrorMs', options.pullDelayOnErrorMs ?? D.pullDelayOnErrorMs),
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs ?? D.requestTimeoutMs),
    heartbeatIntervalMs: positiveInt('heartbeatIntervalMs', options.heartbeatIntervalMs ?? D.heartbeatIntervalMs),
    rebalanceIntervalMs: positiveInt('rebalanceIntervalMs', options.rebalanceIntervalMs ?? D.rebalanceIntervalMs),
    routeRefreshIntervalMs: positiveInt('routeRefreshIntervalMs', options.routeRefreshIntervalMs ?? D.routeRefreshIntervalMs),
    persistOffsetIntervalMs: positiveInt('persistOffsetIntervalMs', options.persistOffsetIntervalMs ?? D.persistOffsetIntervalMs),
    checkBodyCrc: options.checkBodyCrc ?? false,
    shutdownTimeoutMs: nonNegativeInt('shutdownTimeoutMs', options.shutdownTimeoutMs ?? D.shutdownTimeoutMs),
  };
  if (o.messageModel !== 'clustering' && o.messageModel !== 'broadcasting') throw invalidArgument(`unknown messageModel ${String(o.messageModel)}`);
  if (!['last', 'first', 'timestamp'].includes(o.consumeFromWhere)) throw invalidArgument(`unknown consumeFromWhere ${o.consumeFromWhere}`);
  return o;
}

export function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw invalidArgument(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(`${name} must be zero or a positive integer, got ${value}`);
  return value;
}
