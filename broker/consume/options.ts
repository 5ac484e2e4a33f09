/**
 * Tunables of the consume side and the limits that bound its memory. Defaults follow RocketMQ's
 * broker defaults where one exists (FACTS 4.4, 4.5, 6.1, 6.2).
 */
export interface ConsumeOptions {
  /** Hold pulls that find nothing for the client's suspendTimeoutMillis (upstream longPollingEnable). */
  longPollingEnabled: boolean;
  /**
   * Hold time of a pull that asked to be suspended when long polling is off (upstream
   * shortPollingTimeMills). A pull without the SUSPEND flag is never held, as upstream.
   */
  shortPollingTimeMs: number;
  /**
   * Messages per pull at most: a pull returns min(request maxMsgNums, this). Clients ask 32 by
   * default; the cap is higher than upstream's in-memory 32 so fast consumers can ask for more.
   */
  maxPullMessages: number;
  /** Bytes of one pull response body at most (at least one message is always returned). */
  maxPullBytes: number;
  /** Create a subscription group on first heartbeat or pull instead of refusing unknown groups. */
  autoCreateSubscriptionGroup: boolean;
  /** A client connection without a heartbeat for this long leaves its groups. */
  consumerChannelExpiryMs: number;
  /** Committed offsets are written to disk this often when they changed. */
  offsetFlushIntervalMs: number;
}

export const DEFAULT_CONSUME_OPTIONS: ConsumeOptions = {
  longPollingEnabled: true,
  shortPollingTimeMs: 1000,
  maxPullMessages: 1024,
  maxPullBytes: 4 * 1024 * 1024,
  autoCreateSubscriptionGroup: true,
  consumerChannelExpiryMs: 120_000,
  offsetFlushIntervalMs: 5000,
};
