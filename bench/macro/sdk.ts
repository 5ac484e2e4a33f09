/**
 * The SDK classes the benchmark drives, in one place.
 * TEMPORARY: client/index.ts has not landed yet; switch to `from '../../client'` when it does.
 */
export { Producer } from '../../client/producer';
export { PushConsumer } from '../../client/push-consumer';
