/**
 * Topic admin: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21)
 * and the 5.x GET_TOPIC_CONFIG (351). System topics cannot be created, changed or deleted through
 * these, like in RocketMQ; topic changes bump the data version, which triggers re-registration.
 */
import type { RemotingCommand } from '../../protocol';
import { CreateTopicRequestHeader, DeleteTopicRequestHeader, ResponseCode, defineHeader } from '../../protocol';
import { SystemTopic, validateTopicName } from '../../message';
import { applyAttributeChanges, parseAttributeChanges } from '../metadata';
import type { ProcessorContext } from './context';
import { invalidHeader, parseHeader, respond, success } from './responses';

/** Fields older or non-Java clients leave out, with the values Java would send. */
const CREATE_TOPIC_DEFAULTS: Readonly<Record<string, string>> = {
  defaultTopic: SystemTopic.AUTO_CREATE,
  perm: '6',
  topicFilterType: 'SINGLE_TAG',
  order: 'false',
};

const GetTopicConfigRequestHeader = defineHeader<{ topic: string }>('GetTopicConfigRequestHeader', {
  topic: { type: 'string', required: true },
});

export class TopicProcessor {
  constructor(private readonly ctx: ProcessorContext) {}

  readonly updateAndCreateTopic = (request: RemotingCommand): RemotingCommand => {
    const parsed = CreateTopicRequestHeader.parse({ ...CREATE_TOPIC_DEFAULTS, ...(request.extFields ?? {}) });
    if (!parsed.ok) return invalidHeader(request, parsed.error);
    const h = parsed.value;
    const refused = this.checkAdminTopic(request, h.topic);
    if (refused !== undefined) return refused;
    const existing = this.ctx.topics.get(h.topic);
    const changes = parseAttributeChanges(h.attributes);
    if (!changes.ok) return respond(request, ResponseCode.INVALID_PARAMETER, changes.error);
    if (existing === undefined && [...changes.value.values()].includes(null)) {
      return respond(request, ResponseCode.INVALID_PARAMETER, 'topic attributes: only additions (+key=value) are allowed when creating a topic');
    }
    const attributes = applyAttributeChanges(existing?.attributes ?? {}, changes.value);
    if (!attributes.ok) return respond(request, ResponseCode.INVALID_PARAMETER, attributes.error);
    const updated = this.ctx.topics.update(h.topic, {
      readQueueNums: h.readQueueNums,
      writeQueueNums: h.writeQueueNums,
      perm: h.perm,
      topicFilterType: h.topicFilterType,
      topicSysFlag: h.topicSysFlag ?? 0,
      order: h.order,
      attributes: attributes.value,
    });
    if (!updated.ok) return respond(request, ResponseCode.INVALID_PARAMETER, updated.error);
    return success(request);
  };

  readonly deleteTopic = (request: RemotingCommand): RemotingCommand => {
    const parsed = parseHeader(DeleteTopicRequestHeader, request);
    if (!parsed.ok) return parsed.error;
    const topic = parsed.value.topic;
    const refused = this.checkAdminTopic(request, topic);
    if (refused !== undefined) return refused;
    this.ctx.topics.delete(topic);
    this.ctx.store.deleteTopic(topic);
    this.ctx.metrics.forgetTopic(topic);
    this.ctx.onTopicDeleted?.(topic);
    return success(request);
  };

  readonly getAllTopicConfig = (request: RemotingCommand): RemotingCommand => {
    // 5.x adds static-topic mapping tables to this wrapper; we have none, so they are empty.
    const json = `{"dataVersion":${JSON.stringify(this.ctx.topics.dataVersion)},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":0},`
      + `"topicConfigTable":${this.ctx.topics.topicConfigTableJson()},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}`;
    return success(request, undefined, Buffer.from(json, 'utf8'));
  };

  readonly getTopicConfig = (request: RemotingCommand): RemotingCommand => {
    const parsed = parseHeader(GetTopicConfigRequestHeader, request);
    if (!parsed.ok) return parsed.error;
    const config = this.ctx.topics.get(parsed.value.topic);
    if (config === undefined) return respond(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${parsed.value.topic}] not exist`);
    return success(request, undefined, Buffer.from(JSON.stringify({ ...config, mappingDetail: null }), 'utf8'));
  };

  /** The checks RocketMQ makes before an admin changes a topic. */
  private checkAdminTopic(request: RemotingCommand, topic: string): RemotingCommand | undefined {
    const valid = validateTopicName(topic);
    if (!valid.ok) return respond(request, ResponseCode.INVALID_PARAMETER, valid.error);
    if (topic === SystemTopic.AUTO_CREATE) return respond(request, ResponseCode.INVALID_PARAMETER, `the topic[${topic}] is conflict with AUTO_CREATE_TOPIC_KEY_TOPIC`);
    if (this.ctx.topics.isSystemTopic(topic)) return respond(request, ResponseCode.INVALID_PARAMETER, `the topic[${topic}] is conflict with system topic`);
    return undefined;
  }
}
