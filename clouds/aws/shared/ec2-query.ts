/**
 * The EC2 query protocol, both directions, driven by the Smithy model:
 * - decode: form parameters (`Filter.1.Name`, `Filter.1.Value.1`, `TagSpecification.1.Tag.1.Key`)
 *   into the SDK's input shape, using `ec2QueryName` / capitalised `xmlName` / member name;
 * - encode: output shapes into EC2 XML (`xmlName` renames, lists as `<item>` children, no
 *   Result wrapper), by encoders compiled from the model once per shape (xml-compiler.ts).
 * Per-shape member tables are computed once and cached.
 */
import { CloudError } from '../../../core/errors.js';
import { NormalizedSchema } from './model.js';
import { paramTree, type ParamNode } from './form-tree.js';
import { structEncoder, structWriter, XmlBytes, type XmlDialect } from './xml-compiler.js';

interface InMember {
  name: string;
  schema: NormalizedSchema;
}

const inTables = new WeakMap<object, Map<string, InMember>>();

export function decodeEc2Query(params: URLSearchParams, input: NormalizedSchema): Record<string, unknown> {
  if (!input.isStructSchema()) return {};
  return decodeStruct(input, paramTree(params), '');
}

function decodeStruct(schema: NormalizedSchema, node: ParamNode, path: string): Record<string, unknown> {
  const table = inTable(schema);
  const out: Record<string, unknown> = {};
  if (node.value !== undefined && node.value !== '' && !node.children) throw unknownParameter(path);
  for (const [key, child] of node.children ?? []) {
    const member = table.get(key);
    const here = path ? `${path}.${key}` : key;
    if (!member) throw unknownParameter(here);
    out[member.name] = decodeValue(member.schema, child, here);
  }
  return out;
}

function decodeValue(schema: NormalizedSchema, node: ParamNode, path: string): unknown {
  if (schema.isListSchema()) {
    // `VolumeId=vol-1` instead of `VolumeId.1=vol-1` names no member EC2 knows.
    if (node.value !== undefined && node.value !== '' && !node.children) throw unknownParameter(path);
    const item = schema.getValueSchema();
    const entries = [...(node.children ?? [])].map(([k, v]) => {
      const index = Number(k);
      if (!Number.isInteger(index) || index < 1) throw unknownParameter(`${path}.${k}`);
      return [index, v] as const;
    });
    entries.sort((a, b) => a[0] - b[0]);
    return entries.map(([i, v]) => decodeValue(item, v, `${path}.${i}`));
  }
  if (schema.isMapSchema()) {
    // EC2 models have no maps on input today; accept the awsQuery spelling `Name.N.Key/Value`.
    const out: Array<[string, unknown]> = [];
    for (const [, entry] of node.children ?? []) {
      const k = entry.children?.get('Key')?.value ?? entry.children?.get('key')?.value;
      const v = entry.children?.get('Value') ?? entry.children?.get('value');
      if (k !== undefined && v) out.push([k, decodeValue(schema.getValueSchema(), v, path)]);
    }
    // Own keys only: a `__proto__` key stays data.
    return Object.fromEntries(out);
  }
  if (schema.isStructSchema()) return decodeStruct(schema, node, path);
  if (node.children && node.children.size > 0) throw unknownParameter(`${path}.${node.children.keys().next().value as string}`);
  const raw = node.value ?? '';
  if (schema.isBooleanSchema()) {
    const v = raw.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw invalidValue(raw, path);
  }
  if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) {
    // Decimal only: EC2 refuses `0x10`, `1e3`, `Infinity` and blanks that Number() would take.
    const n = Number(raw);
    if (!DECIMAL.test(raw) || !Number.isFinite(n)) throw invalidValue(raw, path);
    return n;
  }
  if (schema.isTimestampSchema()) {
    const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
    if (Number.isNaN(d.getTime())) throw invalidValue(raw, path);
    return d;
  }
  if (schema.isBlobSchema()) return new Uint8Array(Buffer.from(raw, 'base64'));
  return raw;
}

const DECIMAL = /^[+-]?\d{1,40}(\.\d{1,40})?$/;

function inTable(schema: NormalizedSchema): Map<string, InMember> {
  const key = schema.getSchema() as object;
  let table = inTables.get(key);
  if (!table) {
    table = new Map();
    for (const [name, member] of schema.structIterator()) {
      const traits = member.getMergedTraits() as { ec2QueryName?: string; xmlName?: string };
      const queryName = traits.ec2QueryName ?? capitalise(traits.xmlName ?? name);
      table.set(queryName, { name, schema: member });
    }
    inTables.set(key, table);
  }
  return table;
}

const EC2_XML: XmlDialect = { name: 'ec2', selfClosingEmptyList: true, flattenedLists: false, timestampFromSchema: true };

/** The EC2 XML encoder of one structure shape (a list item's members, without its `<item>` tags). */
export function ec2StructEncoder(shape: NormalizedSchema): (value: object) => string {
  const encode = structEncoder(EC2_XML, shape);
  return (value) => encode(value as Record<string, unknown>);
}

/** `<OpResponse xmlns=…><requestId>…</requestId>…fields…</OpResponse>`, fields by the writer compiled from the model, as UTF-8 bytes. */
/** Each operation's last answer size: a large answer's buffer is allocated once, not grown by copies. */
const sizeHints = new Map<string, number>();

export function encodeEc2Response(operation: string, output: NormalizedSchema, value: object, requestId: string, sink = new XmlBytes(undefined, sizeHints.get(operation))): Buffer {
  sink.s = `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>`;
  // Operations without modelled output (DeleteVolume, CreateTags) answer `<return>true</return>` on the wire.
  if (output.isStructSchema()) structWriter(EC2_XML, output)(value as Record<string, unknown>, sink);
  else sink.s += '<return>true</return>';
  sink.s += `</${operation}Response>`;
  const bytes = sink.bytes();
  if (bytes.length > 64 * 1024) sizeHints.set(operation, Math.min(bytes.length + (bytes.length >> 3), 64 * 1024 * 1024));
  else sizeHints.delete(operation);
  return bytes;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function unknownParameter(path: string): CloudError {
  // EC2 names the top-level parameter: `Filter.1.Value=x` is "The parameter Filter is not recognized".
  return new CloudError('UnknownParameter', 400, `The parameter ${path.split('.')[0]} is not recognized`);
}

function invalidValue(raw: string, path: string): CloudError {
  return new CloudError('InvalidParameterValue', 400, `Value (${raw}) for parameter ${path} is invalid.`);
}
