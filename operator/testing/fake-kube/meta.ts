/**
 * ObjectMeta rules the API server applies to every kind: name formats, generateName, label and
 * annotation syntax, ownerReference shape, and the finalizer rule for objects being deleted.
 */
import { randomBytes } from 'node:crypto';
import type { StatusCause } from './errors';
import type { JsonObject } from './patch';
import type { ResourceType } from './resources';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function nameErrors(rule: ResourceType['nameRule'], name: string, field = 'metadata.name'): StatusCause[] {
  const bad = (msg: string): StatusCause[] => [{ reason: 'FieldValueInvalid', field, message: `Invalid value: "${name}": ${msg}` }];
  switch (rule) {
    case 'subdomain':
      if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
        return bad("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
      }
      return [];
    case 'label':
      if (name.length > 63 || !DNS1123_LABEL.test(name)) {
        return bad("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
      }
      return [];
    case 'label1035':
      if (name.length > 63 || !DNS1035_LABEL.test(name)) {
        return bad("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
      }
      return [];
    case 'path':
      if (name === '.' || name === '..' || /[/%]/.test(name)) return bad('may not contain \'/\' or \'%\'');
      return [];
  }
}

/** Label/annotation keys: optional DNS-subdomain prefix + '/' + a qualified name of at most 63 characters. */
function keyErrors(key: string, field: string): StatusCause[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok = name.length <= 63 && QUALIFIED_NAME.test(name) && (slash < 0 || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
  return ok ? [] : [{ reason: 'FieldValueInvalid', field, message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` }];
}

export function metadataErrors(meta: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const labels = (meta.labels ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(labels)) {
    causes.push(...keyErrors(k, 'metadata.labels'));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      causes.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
    }
  }
  const annotations = (meta.annotations ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    causes.push(...keyErrors(k, 'metadata.annotations'));
    if (typeof v !== 'string') causes.push({ reason: 'FieldValueTypeInvalid', field: `metadata.annotations.${k}`, message: 'Invalid value: annotation values must be strings' });
    size += k.length + String(v).length;
  }
  if (size > 256 * 1024) causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' });
  const refs = (meta.ownerReferences ?? []) as JsonObject[];
  let controllers = 0;
  refs.forEach((r, i) => {
    for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
      if (typeof r[f] !== 'string' || r[f] === '') causes.push({ reason: 'FieldValueRequired', field: `metadata.ownerReferences[${i}].${f}`, message: 'Required value' });
    }
    if (r.controller === true) controllers++;
  });
  if (controllers > 1) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.ownerReferences', message: 'Invalid value: Only one reference can have Controller set to true' });
  }
  return causes;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName + 5 characters from the alphabet apimachinery uses (no vowels, no ambiguous digits). */
export function generatedName(prefix: string): string {
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return base + suffix;
}

/** While deletionTimestamp is set, finalizers may only be removed (kube-apiserver ValidateObjectMetaUpdate). */
export function finalizerUpdateErrors(old: JsonObject, next: JsonObject): StatusCause[] {
  if (!old.deletionTimestamp) return [];
  const before = new Set((old.finalizers ?? []) as string[]);
  const added = ((next.finalizers ?? []) as string[]).filter((f) => !before.has(f));
  if (added.length === 0) return [];
  return [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}` }];
}
