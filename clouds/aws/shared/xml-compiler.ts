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
import { isoString } from './iso-time.js';
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

/**
 * Where compiled code writes. Within one structure the text grows in a local string; `s` carries
 * it across structure boundaries. Between list items, text longer than `limit` goes to `flush`:
 * a large answer is then encoded to bytes a piece at a time, never as one concatenated string
 * (V8 flattens such a string of thousands of pieces far more slowly than it built it).
 */
export interface XmlSink {
  s: string;
  readonly limit: number;
  flush(text: string): void;
  /** `text`, then bytes already encoded (a cached fragment); a sink without it takes the fragment's text. */
  put?(text: string, bytes: Uint8Array): void;
}

/** Encodes a structure value into the XML of its members (without its own wrapper tag). */
export type StructEncoder = (value: Record<string, unknown>) => string;
/** The same, appended to a sink. */
export type StructWriter = (value: Record<string, unknown>, sink: XmlSink) => void;

/** A sink that collects UTF-8 bytes: an answer's body, encoded once, as the socket will send it. */
export class XmlBytes implements XmlSink {
  s = '';
  private buf: Buffer | undefined;
  private pos = 0;

  constructor(
    readonly limit = 16 * 1024,
    private readonly size: number = 64 * 1024,
  ) {}

  flush(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units); near
    // the end of the buffer, the exact length decides (it flattens the text, which write needs anyway).
    let need = this.pos + text.length * 3;
    if (this.buf && need > this.buf.length && this.pos + text.length <= this.buf.length) need = this.pos + Buffer.byteLength(text);
    this.pos += this.reserve(need).write(text, this.pos);
  }

  put(text: string, bytes: Uint8Array): void {
    if (text.length > 0) this.flush(text);
    this.reserve(this.pos + bytes.length).set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** The buffer, grown (copied) to hold `need` bytes. */
  private reserve(need: number): Buffer {
    if (!this.buf || need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.size, (this.buf?.length ?? 0) * 2));
      this.buf?.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    return this.buf;
  }

  /** Everything written, `s` included. */
  bytes(): Buffer {
    // A small answer never flushed: one string, one encoding.
    if (!this.buf) return Buffer.from(this.s);
    this.flush(this.s);
    this.s = '';
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * A structure value already encoded: the XML of its members, as this compiler wrote it for the
 * same shape and dialect. Where a structure is expected, the compiled code copies it in between
 * the wrapper tags instead of encoding a value.
 */
export class XmlFragment {
  /** UTF-8, as the answer sends it: copying bytes costs far less than encoding text again. */
  readonly bytes: Buffer;

  constructor(xml: string) {
    this.bytes = Buffer.from(xml);
  }

  /** The text (for a sink that builds one string; a lone surrogate reads back as U+FFFD, as it is sent). */
  get xml(): string {
    return this.bytes.toString('utf8');
  }
}

type Traits = { xmlName?: string; xmlFlattened?: unknown };
const traitsOf = (s: NormalizedSchema): Traits => s.getMergedTraits() as Traits;

/** Anything the compiled code did not foresee, rendered as the walking encoders did. */
function other(value: unknown): string {
  if (value instanceof Date) return isoString(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return xmlEscape(String(value));
}
const timestamp = (value: unknown): string => isoString(value instanceof Date ? value : new Date(value as string | number));

class Compiler {
  /** Struct shape (the model's schema object) → index into `fns`. */
  private readonly index = new Map<object, number>();
  readonly fns: StructWriter[] = [];
  private readonly pending: Array<[number, NormalizedSchema]> = [];

  constructor(private readonly dialect: XmlDialect) {}

  struct(schema: NormalizedSchema): number {
    const key = schema.getSchema() as object;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.fns.length;
      this.index.set(key, i);
      // A placeholder until compiled: recursive shapes refer to their own index.
      this.fns.push(() => undefined);
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
      this.fns[i] = new Function('F', 'esc', 'other', 'ts', 'Frag', `return function (v, w) { let s = w.s; ${body} w.s = s; };`)(this.fns, xmlEscape, other, timestamp, XmlFragment) as StructWriter;
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
      const each = `for (let i${depth} = 0; i${depth} < ${x}.length; i${depth}++) { const ${y} = ${x}[i${depth}]; if (${y} !== undefined && ${y} !== null) { ${this.value(item, flattened ? tag : traitsOf(item).xmlName ?? 'member', y, depth + 1)} } if (s.length > w.limit) { w.flush(s); s = ''; } }`;
      if (flattened) return each;
      const empty = JSON.stringify(this.dialect.selfClosingEmptyList ? `<${tag}/>` : `<${tag}></${tag}>`);
      return `if (${x}.length === 0) s += ${empty}; else { s += ${open}; ${each} s += ${close}; }`;
    }
    if (schema.isMapSchema()) {
      const y = `x${depth}`;
      return `s += ${open}; for (const [k${depth}, ${y}] of Object.entries(${x})) { s += '<entry><key>' + esc(k${depth}) + '</key>'; if (${y} !== undefined && ${y} !== null) { ${this.value(schema.getValueSchema(), 'value', y, depth + 1)} } s += '</entry>'; } s += ${close};`;
    }
    // The nested structure continues the text through the sink (it may flush part of it).
    // A structure may come already encoded (a list answer's cached item, ec2/render-cache.ts).
    if (schema.isStructSchema())
      return `if (${x} instanceof Frag) { if (w.put !== undefined) { w.put(s + ${open}, ${x}.bytes); s = ${close}; } else s += ${open} + ${x}.xml + ${close}; } else { w.s = s + ${open}; F[${this.struct(schema)}](${x}, w); s = w.s + ${close}; }`;
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

const compilers = new Map<string, { compiler: Compiler; writers: WeakMap<object, StructWriter> }>();

/** The compiled writer of structure `schema` in `dialect` (compiled on first use, then cached). */
export function structWriter(dialect: XmlDialect, schema: NormalizedSchema): StructWriter {
  let c = compilers.get(dialect.name);
  if (!c) compilers.set(dialect.name, (c = { compiler: new Compiler(dialect), writers: new WeakMap() }));
  const key = schema.getSchema() as object;
  let write = c.writers.get(key);
  if (!write) {
    const i = c.compiler.struct(schema);
    c.compiler.drain();
    const fns = c.compiler.fns;
    write = (value, sink) => fns[i]!(value, sink);
    c.writers.set(key, write);
  }
  return write;
}

/** The compiled encoder of structure `schema` in `dialect`, as one string. */
export function structEncoder(dialect: XmlDialect, schema: NormalizedSchema): StructEncoder {
  const write = structWriter(dialect, schema);
  return (value) => {
    const sink: XmlSink = { s: '', limit: Infinity, flush: () => undefined };
    write(value, sink);
    return sink.s;
  };
}
