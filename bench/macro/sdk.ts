/** The SDK classes the benchmark drives, through the client's public door. */
export { Producer, PullConsumer, PushConsumer } from '../../client';
