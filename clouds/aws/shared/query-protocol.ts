/**
 * The awsQuery protocol (STS, ELB, ELBv2), both directions, from the Smithy model: form keys
 * `Name.member.N` for lists (`Name.N` when flattened), `Name.entry.N.key/value` for maps,
 * `Name.Sub` for structures; answers `<OpResponse xmlns><OpResult>…</OpResult>
 * <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>` with `<member>` list items.
 */
import { CloudError } from '../../../core/errors.js';
import type { NormalizedSchema } from './model.js';
import { paramTree, type ParamNode } from './form-tree.js';
import { structWriter, XmlBytes, type XmlDialect } from './xml-compiler.js';

type Traits = { xmlName?: string; xmlFlattened?: unknown };
const traitsOf = (s: NormalizedSchema) => s.getMergedTraits() as Traits;

export function decodeQuery(params: URLSearchParams, input: NormalizedSchema): Record<string, unknown> {
  if (!input.isStructSchema()) return {};
  return decodeStruct(input, paramTree(params), '');
}

function decodeStruct(schema: NormalizedSchema, node: ParamNode, path: string): Record<string, unknown> {
  const byKey = new Map<string, [string, NormalizedSchema]>();
  for (const [name, member] of schema.structIterator()) byKey.set(traitsOf(member).xmlName ?? name, [name, member]);
  const out: Record<string, unknown> = {};
  for (const [key, child] of node.children ?? []) {
    const here = path ? `${path}.${key}` : key;
    const m = byKey.get(key);
    if (!m) throw new CloudError('InvalidParameter', 400, `The parameter ${here} is not recognized`);
    out[m[0]] = decodeValue(m[1], child, here);
  }
  return out;
}

function decodeValue(schema: NormalizedSchema, node: ParamNode, path: string): unknown {
  if (schema.isListSchema()) {
    const flattened = traitsOf(schema).xmlFlattened !== undefined;
    const item = schema.getValueSchema();
    const holder = flattened ? node : node.children?.get(traitsOf(item).xmlName ?? 'member');
    // An empty list is sent as `Name=` (no members).
    if (!holder) return [];
    return [...(holder.children ?? [])]
      .map(([k, v]) => [Number(k), v] as const)
      .filter(([i]) => Number.isInteger(i) && i > 0)
      .sort((a, b) => a[0] - b[0])
      .map(([i, v]) => decodeValue(item, v, `${path}.member.${i}`));
  }
  if (schema.isMapSchema()) {
    const out: Array<[string, unknown]> = [];
    const entries = traitsOf(schema).xmlFlattened !== undefined ? node : node.children?.get('entry');
    for (const [, e] of entries?.children ?? []) {
      const k = e.children?.get('key')?.value;
      const v = e.children?.get('value');
      if (k !== undefined && v) out.push([k, decodeValue(schema.getValueSchema(), v, path)]);
    }
    // Own keys only: a `__proto__` key stays data.
    return Object.fromEntries(out);
  }
  if (schema.isStructSchema()) return decodeStruct(schema, node, path);
  const raw = node.value ?? '';
  if (schema.isBooleanSchema()) {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw invalid(raw, path);
  }
  if (schema.isNumericSchema()) {
    const n = Number(raw);
    if (!/^[+-]?\d{1,40}(\.\d{1,40})?$/.test(raw) || !Number.isFinite(n)) throw invalid(raw, path);
    return n;
  }
  if (schema.isTimestampSchema()) {
    const d = new Date(raw);
    if (Number.isNaN(d.getTime())) throw invalid(raw, path);
    return d;
  }
  if (schema.isBlobSchema()) return new Uint8Array(Buffer.from(raw, 'base64'));
  return raw;
}

function invalid(raw: string, path: string): CloudError {
  return new CloudError('ValidationError', 400, `Value '${raw}' at '${path}' failed to satisfy constraint`);
}

const QUERY_XML: XmlDialect = { name: 'awsQuery', selfClosingEmptyList: false, flattenedLists: true, timestampFromSchema: false };

/** The answer envelope around the fields, which the encoder compiled from the model writes. */
export function encodeQueryResponse(operation: string, namespace: string, output: NormalizedSchema, value: object, requestId: string, sink = new XmlBytes()): Buffer {
  sink.s = `<${operation}Response xmlns="${namespace}">`;
  if (output.isStructSchema()) {
    sink.s += `<${operation}Result>`;
    structWriter(QUERY_XML, output)(value as Record<string, unknown>, sink);
    sink.s += `</${operation}Result>`;
  }
  sink.s += `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  return sink.bytes();
}
