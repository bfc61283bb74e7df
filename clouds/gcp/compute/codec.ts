/**
 * Compute's JSON wire, checked against the proto model: request bodies and query parameters are
 * normalised (int64 kept as decimal strings, as the REST surface sends them; enums by name;
 * snake_case names accepted) and anything the model does not know is refused with the message
 * Google's front end gives.
 */
import type { ApiPackage, ComputeModel, ProtoField, Route } from './model.js';
import { invalid } from './problems.js';

export type Json = Record<string, unknown>;

const INT64 = new Set(['int64', 'uint64', 'fixed64', 'sint64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'fixed32', 'sint32', 'sfixed32']);
const FLOAT = new Set(['double', 'float']);

/** Query parameters every Google API accepts on top of the method's own. */
const SYSTEM_PARAMS = new Set(['alt', 'prettyPrint', 'fields', 'key', 'quotaUser', 'userIp', '$.xgafv', 'callback', 'upload_protocol', 'uploadType', 'access_token', 'oauth_token']);

/** Singular in the protos, repeated in the discovery document the Go clients are generated from. */
const REPEATABLE_ON_WIRE = new Set(['paths']);

const camel = (s: string): string => s.replace(/_([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function scalar(field: ProtoField, value: unknown, where: string, model: ComputeModel, pkg: ApiPackage): unknown {
  const t = field.type;
  if (t === 'string') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  } else if (INT64.has(t)) {
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return value.replace(/^(-?)0+(?=\d)/, '$1');
  } else if (INT32.has(t) || FLOAT.has(t)) {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n === 'number' && Number.isFinite(n) && (FLOAT.has(t) || Number.isInteger(n))) return n;
  } else if (t === 'bool') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
  } else if (t === 'google.protobuf.Any') {
    return value;
  } else if (model.isEnum(pkg, t)) {
    if (typeof value === 'string') return value;
  } else {
    const msg = model.message(pkg, t);
    if (msg && value !== null && typeof value === 'object' && !Array.isArray(value)) return decodeMessage(model, pkg, t, value as Json, where);
    if (msg) throw invalid(`Invalid value at '${where}' (type.googleapis.com/google.cloud.compute.v1.${t}), ${JSON.stringify(value)}`);
  }
  throw invalid(`Invalid value at '${where}' (${t.toUpperCase().startsWith('INT') || INT64.has(t) ? `TYPE_${t.toUpperCase()}` : t}), ${JSON.stringify(value)}`);
}

function fieldValue(model: ComputeModel, pkg: ApiPackage, field: ProtoField, value: unknown, where: string): unknown {
  if (value === null) return undefined;
  if (field.keyType) {
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid value at '${where}' (map), ${JSON.stringify(value)}`);
    // fromEntries defines own keys, so a `__proto__` key stays data.
    return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, scalar({ type: field.type }, v, `${where}[${k}]`, model, pkg)]));
  }
  if (field.rule === 'repeated') {
    if (!Array.isArray(value)) throw invalid(`Invalid value at '${where}', ${JSON.stringify(value)}: Proto field is not repeating, cannot start list.`);
    return value.map((v, i) => scalar(field, v, `${where}[${i}]`, model, pkg));
  }
  return scalar(field, value, where, model, pkg);
}

/** A JSON object as message `type`, with unknown names refused. */
export function decodeMessage(model: ComputeModel, pkg: ApiPackage, type: string, obj: Json, where: string): Json {
  const msg = model.message(pkg, type);
  if (!msg) return obj;
  const out: Json = {};
  for (const [rawName, value] of Object.entries(obj)) {
    // Own fields only: `__proto__` or `constructor` are unknown names, not the object's prototype.
    const name = Object.hasOwn(msg.fields, rawName) ? rawName : camel(rawName);
    const field = Object.hasOwn(msg.fields, name) ? msg.fields[name] : undefined;
    if (!field) throw invalid(`Invalid JSON payload received. Unknown name "${rawName}" at '${where}': Cannot find field.`);
    const v = fieldValue(model, pkg, field, value, `${where}.${snake(name)}`);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export interface DecodedRequest {
  /** Method parameters from the query string (path parameters are separate). */
  query: Json;
  /** System parameters (`fields`, `alt`, …). */
  system: Record<string, string>;
  body?: Json;
}

export function decodeRequest(model: ComputeModel, pkg: ApiPackage, route: Route, query: URLSearchParams, rawBody: Buffer): DecodedRequest {
  const req = model.message(route.pkg, route.requestType);
  const out: DecodedRequest = { query: {}, system: {} };
  for (const [key, value] of query) {
    if (SYSTEM_PARAMS.has(key)) {
      out.system[key] = value;
      continue;
    }
    const name = camel(key);
    const field = req && Object.hasOwn(req.fields, name) ? req.fields[name] : undefined;
    if (!field || name === route.bodyField)
      throw invalid(`Invalid JSON payload received. Unknown name "${key}": Cannot bind query parameter. Field '${key}' could not be found in request message.`);
    const v = scalar({ type: field.type }, value, key, model, pkg);
    const prior = out.query[name];
    // Repeated in the model, or repeated on the wire: discovery declares some fields repeated that
    // the protos keep singular (disks.update's `paths`), and the Go clients send them so.
    if (prior !== undefined && field.rule !== 'repeated' && !REPEATABLE_ON_WIRE.has(name))
      throw invalid(`Invalid value for field '${key}': the parameter is given more than once, and it takes one value.`);
    if (field.rule === 'repeated' || prior !== undefined) out.query[name] = [...(prior === undefined ? [] : Array.isArray(prior) ? prior : [prior]), v];
    else out.query[name] = v;
  }
  if (route.bodyField) {
    const text = rawBody.toString('utf8').trim();
    let parsed: unknown = {};
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw invalid(`Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}\n^`);
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw invalid(`Invalid JSON payload received. Expected an object.`);
    const bodyType = req?.fields[route.bodyField]?.type;
    out.body = bodyType ? decodeMessage(model, pkg, bodyType, parsed as Json, snake(route.bodyField)) : (parsed as Json);
  }
  return out;
}
