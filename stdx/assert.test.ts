import { assert, AssertionError } from './assert';
import { ManualClock } from './clock';

describe('assert', () => {
  it('throws an AssertionError carrying the message when the condition is false', () => {
    expect(() => assert(false, 'queue must not be empty')).toThrow(new AssertionError('queue must not be empty'));
  });
  it('returns normally when the condition holds', () => {
    expect(() => assert(1 + 1 === 2, 'arithmetic')).not.toThrow();
  });
});

describe('ManualClock', () => {
  it('moves wall and monotonic time together only when advanced', () => {
    const clock = new ManualClock(1000, 5);
    clock.advance(250);
    expect([clock.nowMs(), clock.monotonicMs()]).toEqual([1250, 255]);
  });
});
