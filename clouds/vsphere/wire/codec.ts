/**
 * The SOAP value codec over the generated type table: request elements decoded by the method's
 * parameter types (an `xsi:type` overrides the declared type), answers encoded with `xsi:type`
 * wherever the declared type is polymorphic or the value is a subtype, as govmomi's decoder needs
 * to pick the Go type (`,typeattr` fields, `AnyType`).
 *
 * Values are plain objects keyed by XML field name; `_type` names the concrete data type. An
 * `anyType` slot (DynamicProperty.val, TaskInfo.result) takes a `Typed` value when the type cannot
 * be inferred from the JS value (arrays, longs, enums).
 */
import { escapeXml, xsiType, type XmlElement } from './xml.js';
import { canonicalType, fieldsOf, isEnum, wireType, type FieldInfo } from './model.js';

export type WireValue = string | number | boolean | Date | WireObject | Typed | Raw | readonly WireValue[] | null | undefined;
export interface WireObject {
  _type?: string;
  [field: string]: WireValue;
}
/** A value for an `anyType` slot with its wire type spelled out. */
export interface Typed {
  readonly _typed: true;
  readonly type: string;
  readonly array: boolean;
  readonly value: WireValue;
}

/** XML already encoded (a property value kept from the last WaitForUpdatesEx round). */
export interface Raw {
  readonly _raw: string;
}

export function typed(type: string, value: WireValue, array = false): Typed {
  return { _typed: true, type, array, value };
}

export function isTyped(v: WireValue): v is Typed {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Typed)._typed === true;
}

export class DecodeError extends Error {}

const XSD_ARRAYS: Record<string, [string, string]> = {
  'xsd:string': ['ArrayOfString', 'string'],
  'xsd:int': ['ArrayOfInt', 'int'],
  'xsd:long': ['ArrayOfLong', 'long'],
  'xsd:short': ['ArrayOfShort', 'short'],
  'xsd:byte': ['ArrayOfByte', 'byte'],
  'xsd:boolean': ['ArrayOfBoolean', 'boolean'],
  'xsd:float': ['ArrayOfFloat', 'float'],
  'xsd:double': ['ArrayOfDouble', 'double'],
  'xsd:dateTime': ['ArrayOfDateTime', 'dateTime'],
  'xsd:base64Binary': ['ArrayOfBase64Binary', 'base64Binary'],
  anyType: ['ArrayOfAnyType', 'anyType'],
};

/** The `ArrayOfX` wrapper type and its item element name for an array of `type`. */
export function arrayType(type: string): [string, string] {
  const x = XSD_ARRAYS[type];
  if (x) return x;
  const colon = type.indexOf(':');
  if (colon === -1) return [`ArrayOf${type}`, type];
  return [`${type.slice(0, colon)}:ArrayOf${type.slice(colon + 1)}`, type.slice(colon + 1)];
}

// ---------------------------------------------------------------- encode

function primitiveText(v: WireValue, type: string): string {
  if (v instanceof Date) return v.toISOString();
  if (type === 'xsd:boolean') return v ? 'true' : 'false';
  return escapeXml(String(v));
}

/** Append `<name>…</name>` for a field's value (arrays become repeated elements). */
export function encodeField(out: string[], f: Pick<FieldInfo, 'name' | 'type' | 'poly' | 'array'>, value: WireValue): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) encodeOne(out, f.name, item as WireValue, f.type, f.poly);
    return;
  }
  encodeOne(out, f.name, value, f.type, f.poly);
}

function encodeOne(out: string[], name: string, value: WireValue, type: string, poly: boolean): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'object' && '_raw' in value) {
    out.push((value as Raw)._raw);
    return;
  }
  if (type === 'anyType' || isTyped(value)) return encodeAny(out, name, value);
  if (type.startsWith('xsd:')) {
    out.push(`<${name}>${primitiveText(value, type)}</${name}>`);
    return;
  }
  if (typeof value !== 'object' || value instanceof Date) {
    // enums travel as their string value
    out.push(`<${name}>${escapeXml(String(value))}</${name}>`);
    return;
  }
  encodeStruct(out, name, value as WireObject, type, poly);
}

export function encodeStruct(out: string[], name: string, obj: WireObject, declared: string, poly: boolean, extraAttrs = ''): void {
  const actual = obj._type ?? declared;
  let attrs = extraAttrs;
  if (poly || actual !== declared) attrs += ` xsi:type="${escapeXml(actual)}"`;
  const fields = fieldsOf(actual);
  if (fields.list.length === 0 && !wireType(actual)) throw new Error(`vsphere wire: no type ${actual} in the generated table`);
  let text = '';
  for (const f of fields.special) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.attr) attrs += ` ${f.name}="${escapeXml(String(v))}"`;
    else text = escapeXml(String(v));
  }
  // Children go straight into `out`: a buffer per struct spread into its parent copied every
  // string once per nesting level (a VM's config is deep), the encoder's main cost.
  out.push(`<${name}${attrs}>${text}`);
  for (const f of fields.elements) {
    const v = obj[f.name];
    if (v !== undefined && v !== null) encodeField(out, f, v);
  }
  out.push(`</${name}>`);
}

function encodeAny(out: string[], name: string, value: WireValue): void {
  if (isTyped(value)) {
    if (value.array) {
      const [wrapper, item] = arrayType(value.type);
      out.push(`<${name} xsi:type="${wrapper}">`);
      for (const v of (value.value as readonly WireValue[] | undefined) ?? []) encodeOne(out, item, v, value.type, false);
      out.push(`</${name}>`);
      return;
    }
    const t = value.type;
    const v = value.value;
    if (t.startsWith('xsd:') || isEnum(t)) out.push(`<${name} xsi:type="${t}">${primitiveText(v, t)}</${name}>`);
    else encodeStruct(out, name, v as WireObject, t, true);
    return;
  }
  if (typeof value === 'string') out.push(`<${name} xsi:type="xsd:string">${escapeXml(value)}</${name}>`);
  else if (typeof value === 'boolean') out.push(`<${name} xsi:type="xsd:boolean">${value}</${name}>`);
  else if (typeof value === 'number') out.push(`<${name} xsi:type="${Number.isInteger(value) ? 'xsd:int' : 'xsd:double'}">${value}</${name}>`);
  else if (value instanceof Date) out.push(`<${name} xsi:type="xsd:dateTime">${value.toISOString()}</${name}>`);
  else if (Array.isArray(value)) throw new Error('vsphere wire: an array in an anyType slot needs typed()');
  else {
    const obj = value as WireObject;
    if (!obj._type) throw new Error('vsphere wire: an object in an anyType slot needs _type');
    encodeStruct(out, name, obj, obj._type, true);
  }
}

// ---------------------------------------------------------------- decode

function decodePrimitive(text: string, type: string, where: string): WireValue {
  switch (type) {
    case 'xsd:boolean': {
      const t = text.trim();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      throw new DecodeError(`${where}: '${t}' is not a boolean`);
    }
    case 'xsd:int':
    case 'xsd:long':
    case 'xsd:short':
    case 'xsd:byte':
    case 'xsd:unsignedByte':
    case 'xsd:unsignedShort':
    case 'xsd:unsignedInt':
    case 'xsd:unsignedLong': {
      const t = text.trim();
      if (!/^[-+]?\d{1,20}$/.test(t)) throw new DecodeError(`${where}: '${t.slice(0, 40)}' is not an integer`);
      return Number(t);
    }
    case 'xsd:float':
    case 'xsd:double': {
      const n = Number(text.trim());
      if (text.trim() === '' || Number.isNaN(n)) throw new DecodeError(`${where}: '${text.slice(0, 40)}' is not a number`);
      return n;
    }
    default:
      return text;
  }
}

/** Decode the children of `el` as the data type `declared` (or the element's xsi:type). */
export function decodeStruct(el: XmlElement, declared: string): WireObject {
  const t = xsiType(el);
  const actual = t ? canonicalType(t) : declared;
  if (!wireType(actual)) throw new DecodeError(`unknown type ${actual} in <${el.name}>`);
  const { list, byName } = fieldsOf(actual);
  const obj: WireObject = { _type: actual };
  for (const f of list) {
    if (f.attr && el.attrs[f.name] !== undefined) obj[f.name] = decodePrimitive(el.attrs[f.name]!, f.type, `${actual}.${f.name}`);
    else if (f.text) obj[f.name] = el.text;
  }
  for (const child of el.children) {
    const f = byName.get(child.name);
    if (!f || f.attr || f.text) continue;
    const v = decodeField(child, f, actual);
    if (f.array) ((obj[f.name] ??= []) as WireValue[]).push(v);
    else obj[f.name] = v;
  }
  return obj;
}

function decodeField(child: XmlElement, f: FieldInfo, owner: string): WireValue {
  if (f.type === 'anyType') return decodeAny(child);
  if (f.type.startsWith('xsd:')) return decodePrimitive(child.text, f.type, `${owner}.${f.name}`);
  if (isEnum(f.type)) return child.text.trim();
  return decodeStruct(child, f.type);
}

export function decodeAny(el: XmlElement): WireValue {
  const t = xsiType(el);
  if (!t) return el.text;
  if (t.startsWith('xsd:')) return decodePrimitive(el.text, t, el.name);
  const type = canonicalType(t);
  if (isEnum(type)) return el.text.trim();
  const obj = decodeStruct(el, type);
  // ArrayOfX wrappers carry their items in one repeated field
  const local = type.slice(type.indexOf(':') + 1);
  if (local.startsWith('ArrayOf')) {
    const f = fieldsOf(type).list[0];
    return f ? ((obj[f.name] as WireValue[] | undefined) ?? []) : [];
  }
  return obj;
}
