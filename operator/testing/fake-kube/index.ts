/** In-process fake Kubernetes API server and mock controllers for operator tests (test-only code). */
export { FakeKube } from './fake';
export type { FakeKubeOptions, FailOptions } from './fake';
export type { RequestInfo, Verb } from './server';
export type { JsonObject, Json } from './patch';
export type { DeleteOptions } from './api';
export { PatchTypes } from './api';
export type { MockOptions, KubeletOptions } from './mocks';
export { templateHash } from './mocks';
