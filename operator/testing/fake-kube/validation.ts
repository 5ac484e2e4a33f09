/**
 * Field validation of the built-in kinds the operator writes, with kube-apiserver's field paths and
 * reasons: pod specs (also inside StatefulSet/Deployment templates), Service ports, ConfigMap keys.
 * Only the rules an operator is likely to trip over are here; see README.md.
 */
import type { StatusCause } from './errors';
import { isObject } from './patch';
import type { Json, JsonObject } from './patch';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: 'Required value' });
const invalidValue = (field: string, v: unknown, why: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(v)}: ${why}` });
const duplicate = (field: string, v: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(v)}` });

function list(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? (v.filter(isObject) as JsonObject[]) : [];
}

function portNameErrors(field: string, name: unknown): StatusCause[] {
  if (typeof name !== 'string') return [];
  const ok = name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--');
  return ok ? [] : [invalidValue(field, name, 'must be no more than 15 characters, contain only lowercase alphanumerics or "-", at least one letter, no "--"')];
}

function portNumberErrors(field: string, port: unknown): StatusCause[] {
  if (port === undefined) return [required(field)];
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [invalidValue(field, port, 'must be between 1 and 65535, inclusive')];
}

function containerErrors(c: JsonObject, path: string, volumeNames: ReadonlySet<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  if (typeof c.name !== 'string' || c.name === '') causes.push(required(`${path}.name`));
  else if (!DNS_LABEL.test(c.name) || c.name.length > 63) causes.push(invalidValue(`${path}.name`, c.name, 'a lowercase RFC 1123 label is required'));
  if (typeof c.image !== 'string' || c.image.trim() === '') causes.push(required(`${path}.image`));
  const portNames = new Set<string>();
  list(c.ports).forEach((p, i) => {
    causes.push(...portNumberErrors(`${path}.ports[${i}].containerPort`, p.containerPort));
    causes.push(...portNameErrors(`${path}.ports[${i}].name`, p.name));
    if (typeof p.name === 'string') {
      if (portNames.has(p.name)) causes.push(duplicate(`${path}.ports[${i}].name`, p.name));
      portNames.add(p.name);
    }
  });
  list(c.env).forEach((e, i) => {
    if (typeof e.name !== 'string' || e.name === '') causes.push(required(`${path}.env[${i}].name`));
    else if (!ENV_NAME.test(e.name)) causes.push(invalidValue(`${path}.env[${i}].name`, e.name, 'a valid environment variable name must consist of alphabetic characters, digits, \'_\', \'-\', or \'.\', and must not start with a digit'));
  });
  const mountPaths = new Set<string>();
  list(c.volumeMounts).forEach((vm, i) => {
    if (typeof vm.name !== 'string' || vm.name === '') causes.push(required(`${path}.volumeMounts[${i}].name`));
    else if (!volumeNames.has(vm.name)) causes.push({ reason: 'FieldValueNotFound', field: `${path}.volumeMounts[${i}].name`, message: `Not found: ${JSON.stringify(vm.name)}` });
    if (typeof vm.mountPath !== 'string' || vm.mountPath === '') causes.push(required(`${path}.volumeMounts[${i}].mountPath`));
    else {
      if (mountPaths.has(vm.mountPath)) causes.push(invalidValue(`${path}.volumeMounts[${i}].mountPath`, vm.mountPath, 'must be unique'));
      mountPaths.add(vm.mountPath);
    }
  });
  return causes;
}

/**
 * A pod spec, standing alone or as a template. `claimNames` are a StatefulSet's volumeClaimTemplates,
 * which its containers may mount like volumes.
 */
export function podSpecErrors(spec: Json | undefined, path: string, claimNames: readonly string[] = []): StatusCause[] {
  if (!isObject(spec)) return [required(path)];
  const causes: StatusCause[] = [];
  const volumeNames = new Set<string>(claimNames);
  list(spec.volumes).forEach((v, i) => {
    if (typeof v.name !== 'string' || !DNS_LABEL.test(v.name)) causes.push(invalidValue(`${path}.volumes[${i}].name`, v.name, 'a lowercase RFC 1123 label is required'));
    else if (volumeNames.has(v.name)) causes.push(duplicate(`${path}.volumes[${i}].name`, v.name));
    else volumeNames.add(v.name);
  });
  const containers = list(spec.containers);
  if (containers.length === 0) causes.push(required(`${path}.containers`));
  const names = new Set<string>();
  const all = [...containers.map((c, i) => ({ c, p: `${path}.containers[${i}]` })), ...list(spec.initContainers).map((c, i) => ({ c, p: `${path}.initContainers[${i}]` }))];
  for (const { c, p } of all) {
    causes.push(...containerErrors(c, p, volumeNames));
    if (typeof c.name === 'string') {
      if (names.has(c.name)) causes.push(duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
  }
  return causes;
}

export function workloadTemplateErrors(kind: 'StatefulSet' | 'Deployment', obj: JsonObject): StatusCause[] {
  const spec = (obj.spec ?? {}) as JsonObject;
  const template = (spec.template ?? {}) as JsonObject;
  const claims = kind === 'StatefulSet' ? list(spec.volumeClaimTemplates).map((c) => (c.metadata as JsonObject | undefined)?.name as string) : [];
  const causes = podSpecErrors(template.spec, 'spec.template.spec', claims);
  const restart = (template.spec as JsonObject | undefined)?.restartPolicy;
  if (restart !== undefined && restart !== 'Always') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: ${JSON.stringify(restart)}: supported values: "Always"` });
  }
  if (typeof spec.replicas === 'number' && spec.replicas < 0) causes.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  return causes;
}

export function serviceErrors(obj: JsonObject): StatusCause[] {
  const spec = (obj.spec ?? {}) as JsonObject;
  const ports = list(spec.ports);
  const causes: StatusCause[] = [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') causes.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    causes.push(...portNumberErrors(`spec.ports[${i}].port`, p.port));
    if (ports.length > 1 && (typeof p.name !== 'string' || p.name === '')) causes.push(required(`spec.ports[${i}].name`));
    if (typeof p.name === 'string' && p.name !== '') {
      if (!DNS_LABEL.test(p.name)) causes.push(invalidValue(`spec.ports[${i}].name`, p.name, 'a lowercase RFC 1123 label is required'));
      if (names.has(p.name)) causes.push(duplicate(`spec.ports[${i}].name`, p.name));
      names.add(p.name);
    }
    if (typeof p.targetPort === 'number') causes.push(...portNumberErrors(`spec.ports[${i}].targetPort`, p.targetPort));
    else if (typeof p.targetPort === 'string') causes.push(...portNameErrors(`spec.ports[${i}].targetPort`, p.targetPort));
  });
  return causes;
}

export function configMapErrors(obj: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const data = (obj.data ?? {}) as JsonObject;
  const binary = (obj.binaryData ?? {}) as JsonObject;
  let size = 0;
  for (const [field, map] of [['data', data], ['binaryData', binary]] as const) {
    for (const [k, v] of Object.entries(map)) {
      if (!CONFIG_KEY.test(k) || k.length > 253) causes.push(invalidValue(`${field}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
      if (field === 'binaryData' && Object.prototype.hasOwnProperty.call(data, k)) causes.push(invalidValue(`binaryData[${k}]`, k, 'duplicate of key present in data'));
      size += k.length + String(v).length;
    }
  }
  if (size > 1024 * 1024) causes.push({ reason: 'FieldValueTooLong', field: '', message: 'Too long: must have at most 1048576 bytes' });
  return causes;
}

const QUALIFIED = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Events, core v1 (`legacy`) and events.k8s.io/v1 (`eventsV1`), as kube-apiserver validates them on
 * create: an old-style event (no eventTime) only needs its involvedObject namespace to agree with its
 * own; a new-style one (eventTime set, always for events.k8s.io) needs the reporting controller and
 * instance, an action, a reason and a type of Normal or Warning.
 */
export function eventErrors(obj: JsonObject, api: 'legacy' | 'eventsV1'): StatusCause[] {
  const causes: StatusCause[] = [];
  const ns = ((obj.metadata as JsonObject).namespace as string | undefined) ?? '';
  const involvedKey = api === 'legacy' ? 'involvedObject' : 'regarding';
  const involvedNs = (((obj[involvedKey] ?? {}) as JsonObject).namespace as string | undefined) ?? '';
  const hasTime = typeof obj.eventTime === 'string' && obj.eventTime !== '';
  if (api === 'eventsV1' && !hasTime) causes.push(required('eventTime'));
  const controllerField = api === 'legacy' ? 'reportingComponent' : 'reportingController';
  if (!hasTime && api === 'legacy') {
    const ok = involvedNs === '' ? ns === '' || ns === 'default' : ns === involvedNs;
    if (!ok) causes.push(invalidValue(`${involvedKey}.namespace`, involvedNs, 'does not match event.namespace'));
    return causes;
  }
  if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') causes.push(invalidValue(`${involvedKey}.namespace`, involvedNs, 'does not match event.namespace'));
  if (involvedNs !== '' && involvedNs !== ns) causes.push(invalidValue(`${involvedKey}.namespace`, involvedNs, 'does not match event.namespace'));
  const controller = obj[controllerField];
  if (typeof controller !== 'string' || controller === '') causes.push(required(controllerField));
  else if (!QUALIFIED.test(controller)) causes.push(invalidValue(controllerField, controller, 'must be a qualified name'));
  for (const [f, limit] of [['reportingInstance', 128], ['action', 128], ['reason', 128]] as const) {
    const v = obj[f];
    if (typeof v !== 'string' || v === '') causes.push(required(f));
    else if (v.length > limit) causes.push({ reason: 'FieldValueTooLong', field: f, message: `Too long: may not be more than ${limit} bytes` });
  }
  if (obj.type !== 'Normal' && obj.type !== 'Warning') {
    causes.push({ reason: 'FieldValueInvalid', field: 'type', message: `Invalid value: ${JSON.stringify(obj.type ?? '')}: has invalid value: ${String(obj.type ?? '')}` });
  }
  const note = api === 'legacy' ? obj.message : obj.note;
  if (typeof note === 'string' && note.length > 1024) causes.push({ reason: 'FieldValueTooLong', field: api === 'legacy' ? 'message' : 'note', message: 'Too long: may not be more than 1024 bytes' });
  return causes;
}
