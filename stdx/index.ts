export { AssertionError, assert, assertNever } from './assert';
export type { Ok, Err, Result } from './result';
export { ok, err } from './result';
export type { Clock } from './clock';
export { systemClock, ManualClock } from './clock';
export { isProcessAlive } from './process';
export { DataViewCache } from './data-view';
