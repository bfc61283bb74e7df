/**
 * XML answers compiled from the Smithy model, once per shape: the way fast-json-stringify compiles
 * a JSON schema, each output structure becomes one generated function that concatenates its
 * members' tags (names, list item names and scalar kinds resolved at compile time) instead of a
 * walk that asks the schema about every value. The model stays the only source: nothing here names
 * a shape or a tag. Both AWS XML protocols use it, with their differences as a dialect.
 *
 * Generated code only embeds names taken from the model, and always through JSON.stringify, so
 * no caller-supplied value reaches the compiler.
 */
import type { NormalizedSchema } from './model.js';
import { xmlEscape } from './xml.js';

export interface XmlDialect {
  /** Cache key of the dialect. */
  name: string;
  /** An empty list as `<name/>` (EC2) or `<name></name>` (awsQuery). */
  selfClosingEmptyList: boolean;
  /** Lists with `xmlFlattened` repeat their own name instead of wrapping `<member>`s (awsQuery). */
  flattenedLists: boolean;
  /** A timestamp member holding a number or string is rendered as a date (EC2). */
  timestampFromSchema: boolean;
}

/** Encodes a structure value into the XML of its members (without its own wrapper tag). */
export type StructEncoder = (value: Record<string, unknown>) => string;

type Traits = { xmlName?: string; xmlFlattened?: unknown };
const traitsOf = (s: NormalizedSchema): Traits => s.getMergedTraits() as Traits;

/** Anything the compiled code did not foresee, rendered as the walking encoders did. */
function other(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return xmlEscape(String(value));
}
const timestamp = (value: unknown): string => (value instanceof Date ? value : new Date(value as string | number)).toISOString();

class Compiler {
  /** Struct shape (the model's schema object) → index into `fns`. */
  private readonly index = new Map<object, number>();
  readonly fns: StructEncoder[] = [];
  private readonly pending: Array<[number, NormalizedSchema]> = [];

  constructor(private readonly dialect: XmlDialect) {}

  struct(schema: NormalizedSchema): number {
    const key = schema.getSchema() as object;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.fns.length;
      this.index.set(key, i);
      // A placeholder until compiled: recursive shapes refer to their own index.
      this.fns.push(() => '');
      this.pending.push([i, schema]);
    }
    return i;
  }

  /** Compiles every struct reached from those asked for; returns when none is left. */
  drain(): void {
    for (let job = this.pending.pop(); job; job = this.pending.pop()) {
      const [i, schema] = job;
      const body = this.structBody(schema);
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: code generated from the model
      this.fns[i] = new Function('F', 'esc', 'other', 'ts', `return function (v) { let s = ''; ${body} return s; };`)(this.fns, xmlEscape, other, timestamp) as StructEncoder;
    }
  }

  private structBody(schema: NormalizedSchema): string {
    let code = '';
    for (const [name, member] of schema.structIterator()) {
      const tag = traitsOf(member).xmlName ?? name;
      code += `{ const x0 = v[${JSON.stringify(name)}]; if (x0 !== undefined && x0 !== null) { ${this.value(member, tag, 'x0', 1)} } }\n`;
    }
    return code;
  }

  /** Statements appending `<tag>…</tag>` for the value in variable `x` (never null here). */
  private value(schema: NormalizedSchema, tag: string, x: string, depth: number): string {
    const open = JSON.stringify(`<${tag}>`);
    const close = JSON.stringify(`</${tag}>`);
    if (schema.isListSchema()) {
      const item = schema.getValueSchema();
      const y = `x${depth}`;
      const flattened = this.dialect.flattenedLists && traitsOf(schema).xmlFlattened !== undefined;
      const each = `for (let i${depth} = 0; i${depth} < ${x}.length; i${depth}++) { const ${y} = ${x}[i${depth}]; if (${y} !== undefined && ${y} !== null) { ${this.value(item, flattened ? tag : traitsOf(item).xmlName ?? 'member', y, depth + 1)} } }`;
      if (flattened) return each;
      const empty = JSON.stringify(this.dialect.selfClosingEmptyList ? `<${tag}/>` : `<${tag}></${tag}>`);
      return `if (${x}.length === 0) s += ${empty}; else { s += ${open}; ${each} s += ${close}; }`;
    }
    if (schema.isMapSchema()) {
      const y = `x${depth}`;
      return `s += ${open}; for (const [k${depth}, ${y}] of Object.entries(${x})) { s += '<entry><key>' + esc(k${depth}) + '</key>'; if (${y} !== undefined && ${y} !== null) { ${this.value(schema.getValueSchema(), 'value', y, depth + 1)} } s += '</entry>'; } s += ${close};`;
    }
    if (schema.isStructSchema()) return `s += ${open} + F[${this.struct(schema)}](${x}) + ${close};`;
    return `s += ${open} + ${this.scalar(schema, x)} + ${close};`;
  }

  /** An expression: the text of scalar `x`, with the checks for its modelled kind only. */
  private scalar(schema: NormalizedSchema, x: string): string {
    if (schema.isTimestampSchema()) return this.dialect.timestampFromSchema ? `ts(${x})` : `other(${x})`;
    if (schema.isStringSchema()) return `(typeof ${x} === 'string' ? esc(${x}) : other(${x}))`;
    if (schema.isNumericSchema() || schema.isBooleanSchema()) return `(typeof ${x} === 'number' || typeof ${x} === 'boolean' ? '' + ${x} : other(${x}))`;
    return `other(${x})`;
  }
}

const compilers = new Map<string, { compiler: Compiler; encoders: WeakMap<object, StructEncoder> }>();

/** The compiled encoder of structure `schema` in `dialect` (compiled on first use, then cached). */
export function structEncoder(dialect: XmlDialect, schema: NormalizedSchema): StructEncoder {
  let c = compilers.get(dialect.name);
  if (!c) compilers.set(dialect.name, (c = { compiler: new Compiler(dialect), encoders: new WeakMap() }));
  const key = schema.getSchema() as object;
  let encode = c.encoders.get(key);
  if (!encode) {
    const i = c.compiler.struct(schema);
    c.compiler.drain();
    const fns = c.compiler.fns;
    encode = (value) => fns[i]!(value);
    c.encoders.set(key, encode);
  }
  return encode;
}
