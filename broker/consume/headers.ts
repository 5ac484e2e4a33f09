/**
 * Request headers of the admin calls this folder answers that `protocol/` does not define yet. They
 * live here, beside their only user; field names are the Java header-class field names.
 */
import { defineHeader } from '../../protocol';

export interface GetConsumeStatsRequestHeader {
  consumerGroup: string;
  /** Empty or absent: every topic the group has offsets for. */
  topic?: string;
}

/** GET_CONSUME_STATS (208). */
export const GetConsumeStatsRequestHeader = defineHeader<GetConsumeStatsRequestHeader>('GetConsumeStatsRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: false },
});

export interface ConsumerGroupHeader {
  consumerGroup: string;
}

/** GET_CONSUMER_CONNECTION_LIST (203). */
export const GetConsumerConnectionListRequestHeader = defineHeader<ConsumerGroupHeader>('GetConsumerConnectionListRequestHeader', {
  consumerGroup: { type: 'string', required: true },
});

export interface DeleteSubscriptionGroupRequestHeader {
  groupName: string;
  /** 5.x: also forget the group's committed offsets. */
  cleanOffset?: boolean;
}

/** DELETE_SUBSCRIPTIONGROUP (207). */
export const DeleteSubscriptionGroupRequestHeader = defineHeader<DeleteSubscriptionGroupRequestHeader>('DeleteSubscriptionGroupRequestHeader', {
  groupName: { type: 'string', required: true },
  cleanOffset: { type: 'bool', required: false },
});
