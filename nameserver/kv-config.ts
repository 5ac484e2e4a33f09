/**
 * The name server's KV config: namespace -> key -> value (PUT/GET/DELETE_KV_CONFIG,
 * GET_KVLIST_BY_NAMESPACE). Pure table plus the file shape RocketMQ uses for `kvConfig.json`,
 * `{"configTable":{"<namespace>":{"<key>":"<value>"}}}`, so an existing file can be carried over.
 * Persistence lives in `kv-store.ts`.
 */
import type { Result } from '../stdx';
import { err, ok } from '../stdx';

/** Namespace whose entries a name server returns to registering brokers (`NAMESPACE_ORDER_TOPIC_CONFIG`). */
export const ORDER_TOPIC_CONFIG_NAMESPACE = 'ORDER_TOPIC_CONFIG';

/** Entries across all namespaces; a bound so a misbehaving tool cannot grow the file without end. */
export const MAX_KV_ENTRIES = 100_000;

export type KvSnapshot = Record<string, Record<string, string>>;

export class KvConfigTable {
  private readonly namespaces = new Map<string, Map<string, string>>();
  private entries = 0;

  /** False when the table is full and the key is new. */
  put(namespace: string, key: string, value: string): boolean {
    let table = this.namespaces.get(namespace);
    if (table === undefined || !table.has(key)) {
      if (this.entries >= MAX_KV_ENTRIES) return false;
      this.entries++;
    }
    if (table === undefined) {
      table = new Map();
      this.namespaces.set(namespace, table);
    }
    table.set(key, value);
    return true;
  }

  get(namespace: string, key: string): string | undefined {
    return this.namespaces.get(namespace)?.get(key);
  }

  /** Returns whether the key existed. An emptied namespace is dropped. */
  delete(namespace: string, key: string): boolean {
    const table = this.namespaces.get(namespace);
    if (table === undefined || !table.delete(key)) return false;
    this.entries--;
    if (table.size === 0) this.namespaces.delete(namespace);
    return true;
  }

  /** Every key of a namespace, or undefined when the namespace has none. */
  list(namespace: string): Record<string, string> | undefined {
    const table = this.namespaces.get(namespace);
    return table === undefined ? undefined : Object.fromEntries(table);
  }

  get size(): number {
    return this.entries;
  }

  snapshot(): KvSnapshot {
    // fromEntries defines own properties, so a namespace called `__proto__` stays an ordinary key.
    return Object.fromEntries([...this.namespaces].map(([namespace, table]) => [namespace, Object.fromEntries(table)]));
  }

  /** The `kvConfig.json` text. */
  toFileText(): string {
    return `${JSON.stringify({ configTable: this.snapshot() }, null, 2)}\n`;
  }

  /** Reads a parsed `kvConfig.json`; the error names the first thing out of shape. */
  static fromFile(value: unknown): Result<KvConfigTable, string> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return err('kvConfig is not a JSON object');
    const configTable = (value as { configTable?: unknown }).configTable ?? {};
    if (typeof configTable !== 'object' || configTable === null || Array.isArray(configTable)) return err('configTable is not an object');
    const table = new KvConfigTable();
    for (const [namespace, entries] of Object.entries(configTable)) {
      if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return err(`configTable.${namespace} is not an object`);
      for (const [key, v] of Object.entries(entries as Record<string, unknown>)) {
        if (typeof v !== 'string') return err(`configTable.${namespace}.${key} is not a string`);
        if (!table.put(namespace, key, v)) return err(`more than ${MAX_KV_ENTRIES} entries`);
      }
    }
    return ok(table);
  }
}
