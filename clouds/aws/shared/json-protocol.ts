/**
 * The awsJson 1.0/1.1 protocols (ECR, ECR-public, KMS): the body is JSON with the model's member
 * names; timestamps travel as epoch seconds and blobs as base64, both ways.
 */
import { CloudError } from '../../../core/errors.js';
import type { NormalizedSchema } from './model.js';

export function decodeJson(body: Buffer, input: NormalizedSchema): Record<string, unknown> {
  if (!input.isStructSchema()) return {};
  let raw: unknown = {};
  if (body.length > 0) {
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch {
      throw new CloudError('SerializationException', 400, 'The request body is not valid JSON');
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CloudError('SerializationException', 400, 'The request body must be a JSON object');
  return fromJson(input, raw, '') as Record<string, unknown>;
}

function fromJson(schema: NormalizedSchema, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (schema.isStructSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(path);
    const out: Record<string, unknown> = {};
    const members = new Map([...schema.structIterator()]);
    for (const [k, v] of Object.entries(value)) {
      const m = members.get(k);
      if (!m) throw new CloudError('SerializationException', 400, `Unknown field ${path ? `${path}.` : ''}${k}`);
      out[k] = fromJson(m, v, path ? `${path}.${k}` : k);
    }
    return out;
  }
  if (schema.isListSchema()) {
    if (!Array.isArray(value)) throw mismatch(path);
    return value.map((v, i) => fromJson(schema.getValueSchema(), v, `${path}[${i}]`));
  }
  if (schema.isMapSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(path);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(schema.getValueSchema(), v, `${path}.${k}`)]));
  }
  if (schema.isTimestampSchema()) {
    const d = typeof value === 'number' ? new Date(value * 1000) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw mismatch(path);
    return d;
  }
  if (schema.isBlobSchema()) {
    if (typeof value !== 'string') throw mismatch(path);
    return new Uint8Array(Buffer.from(value, 'base64'));
  }
  if (schema.isBooleanSchema() && typeof value !== 'boolean') throw mismatch(path);
  if (schema.isNumericSchema() && (typeof value !== 'number' || !Number.isFinite(value))) throw mismatch(path);
  if (schema.isStringSchema() && typeof value !== 'string') throw mismatch(path);
  return value;
}

function mismatch(path: string): CloudError {
  return new CloudError('SerializationException', 400, `Unexpected type for field ${path || '(root)'}`);
}

export function encodeJson(output: NormalizedSchema, value: object): string {
  return output.isStructSchema() ? JSON.stringify(toJson(output, value)) : '{}';
}

function toJson(schema: NormalizedSchema, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [k, m] of schema.structIterator()) {
      const v = toJson(m, (value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (schema.isListSchema()) return (value as unknown[]).map((v) => toJson(schema.getValueSchema(), v));
  if (schema.isMapSchema()) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJson(schema.getValueSchema(), v)]));
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
