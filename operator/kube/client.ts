/** KubeClient over the JSON transport: typed reads, Result-typed writes, and hash-guarded apply. */
import { assert, err, ok } from '../../stdx';
import type { Result } from '../../stdx';
import { desiredHash, hashOf, mergeForUpdate, withHash } from './apply';
import { KubeError } from './errors';
import { collectionPath, knownResource, objectPath } from './resources';
import type { ResourceInfo } from './resources';
import type { HttpVerb, SendOptions } from './transport';
import type {
  ApplyResult,
  DeleteOptions,
  KubeClient,
  KubeErrorInfo,
  KubeErrorKind,
  KubeObject,
  ListOptions,
  ObjectRef,
} from './types';

/** What the client needs from the wire: one JSON request (KubeTransport, or a test double). */
export interface JsonSender {
  send(method: HttpVerb, path: string, options?: SendOptions): Promise<unknown>;
}

interface ListBody {
  items?: KubeObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Pages of this many objects per list request (a cluster may hold thousands of pods). */
const LIST_PAGE_LIMIT = 500;

export class HttpKubeClient implements KubeClient {
  private readonly discovered = new Map<string, ResourceInfo>();

  /**
   * `signal`: every request of this client is aborted once it fires, and later ones fail at once
   * (kind 'unavailable', reason 'Aborted'). The operator gives each leadership term's reconcilers a
   * client bound to the term, so nothing they started is written after the term ended.
   */
  constructor(private readonly wire: JsonSender, private readonly options: { signal?: AbortSignal } = {}) {}

  /** The same connection, with requests bound to `signal`. */
  withSignal(signal: AbortSignal): HttpKubeClient {
    return new HttpKubeClient(this.wire, { signal });
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | null> {
    try {
      return (await this.send('GET', await this.pathOf(ref))) as T;
    } catch (e) {
      if (e instanceof KubeError && e.kind === 'notFound') return null;
      throw e;
    }
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, options: ListOptions = {}): Promise<T[]> {
    return (await this.listWithVersion<T>(apiVersion, kind, namespace, options)).items;
  }

  /** A full list (all pages) and the collection's resourceVersion, for informers to watch from. */
  async listWithVersion<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const path = collectionPath(apiVersion, await this.resourceOf(apiVersion, kind), namespace);
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const query = { labelSelector: options.labelSelector, limit: String(LIST_PAGE_LIMIT), continue: continueToken };
      const body = (await this.send('GET', path, { query })) as ListBody;
      // Items of a list carry no apiVersion/kind; put them back so objects look the same everywhere.
      for (const item of body.items ?? []) items.push({ ...item, apiVersion, kind } as T);
      resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
      continueToken = body.metadata?.continue || undefined;
    } while (continueToken !== undefined);
    return { items, resourceVersion };
  }

  async create<T extends KubeObject>(obj: T): Promise<Result<T, KubeErrorInfo>> {
    const ref = refOf(obj);
    const path = collectionPath(ref.apiVersion, await this.resourceOf(ref.apiVersion, ref.kind), ref.namespace);
    return this.write<T>('POST', path, { body: obj }, ['alreadyExists', 'invalid']);
  }

  async replace<T extends KubeObject>(obj: T): Promise<Result<T, KubeErrorInfo>> {
    return this.write<T>('PUT', await this.pathOf(refOf(obj)), { body: obj }, ['conflict', 'notFound', 'invalid']);
  }

  async replaceStatus<T extends KubeObject>(obj: T): Promise<Result<T, KubeErrorInfo>> {
    return this.write<T>('PUT', await this.pathOf(refOf(obj), 'status'), { body: obj }, ['conflict', 'notFound', 'invalid']);
  }

  async mergePatch<T extends KubeObject>(ref: ObjectRef, patch: object, options: { subresource?: 'status' } = {}): Promise<Result<T, KubeErrorInfo>> {
    const path = await this.pathOf(ref, options.subresource);
    return this.write<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json' }, ['conflict', 'notFound', 'invalid']);
  }

  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<'deleted' | 'notFound'> {
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy,
      preconditions: options.uid === undefined ? undefined : { uid: options.uid },
    };
    try {
      await this.send('DELETE', await this.pathOf(ref), { body });
      return 'deleted';
    } catch (e) {
      if (e instanceof KubeError && e.kind === 'notFound') return 'notFound';
      // A uid precondition that fails means the object we meant is gone (a namesake replaced it).
      if (e instanceof KubeError && e.kind === 'conflict' && options.uid !== undefined) return 'notFound';
      throw e;
    }
  }

  async apply<T extends KubeObject>(desired: T): Promise<Result<ApplyResult<T>, KubeErrorInfo>> {
    const hash = desiredHash(desired);
    const ref = refOf(desired);
    let last: KubeErrorInfo | undefined;
    // Two rounds: a conflict or create race with another writer is settled by one fresh read.
    for (let attempt = 0; attempt < 2; attempt++) {
      const current = await this.get<T>(ref);
      if (current === null) {
        const created = await this.create(withHash(desired, hash));
        if (created.ok) return ok({ outcome: 'created', object: created.value });
        last = created.error;
      } else if (hashOf(current) === hash) {
        return ok({ outcome: 'unchanged', object: current });
      } else {
        const replaced = await this.replace(mergeForUpdate(current, desired, hash));
        if (replaced.ok) return ok({ outcome: 'updated', object: replaced.value });
        last = replaced.error;
      }
      if (last.kind !== 'conflict' && last.kind !== 'alreadyExists' && last.kind !== 'notFound') break;
    }
    return err(last as KubeErrorInfo);
  }

  private send(method: HttpVerb, path: string, options: SendOptions = {}): Promise<unknown> {
    return this.wire.send(method, path, this.options.signal === undefined ? options : { ...options, signal: this.options.signal });
  }

  private async write<T>(method: HttpVerb, path: string, options: SendOptions, expected: readonly KubeErrorKind[]): Promise<Result<T, KubeErrorInfo>> {
    try {
      return ok((await this.send(method, path, options)) as T);
    } catch (e) {
      if (e instanceof KubeError && expected.includes(e.kind)) return err(e.info());
      throw e;
    }
  }

  private async pathOf(ref: ObjectRef, subresource?: string): Promise<string> {
    return objectPath(ref, await this.resourceOf(ref.apiVersion, ref.kind), subresource);
  }

  private async resourceOf(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const known = knownResource(apiVersion, kind) ?? this.discovered.get(`${apiVersion}/${kind}`);
    if (known !== undefined) return known;
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = (await this.send('GET', base)) as { resources?: { name: string; kind: string; namespaced: boolean }[] };
    const found = (list.resources ?? []).find((r) => r.kind === kind && !r.name.includes('/'));
    if (found === undefined) {
      throw new KubeError({ kind: 'notFound', code: 404, reason: 'NotFound', message: `no resource for ${apiVersion} ${kind}` });
    }
    const info = { plural: found.name, namespaced: found.namespaced };
    this.discovered.set(`${apiVersion}/${kind}`, info);
    return info;
  }
}

/** The ref of an object as built or read (asserts the fields a request needs). */
export function refOf(obj: KubeObject): ObjectRef {
  const name = obj.metadata?.name;
  assert(obj.apiVersion !== undefined && obj.kind !== undefined && name !== undefined && name !== '', 'object needs apiVersion, kind and metadata.name');
  const namespace = obj.metadata?.namespace;
  return namespace === undefined ? { apiVersion: obj.apiVersion, kind: obj.kind, name } : { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name };
}
