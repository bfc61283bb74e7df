/**
 * Compute's list `filter` parameter, in both spellings the API takes:
 * - regular expressions: `name eq "k8s-.*"`, `(name eq C-.*) (network eq URL) (description ne x)`;
 *   the literal is RE2 and must match the whole field;
 * - comparisons: `name = x`, `labels.env != prod`, `sizeGb > 10`, `name:web` (has / substring),
 *   joined by AND, OR (binds tighter), NOT, parentheses, or plain juxtaposition (AND).
 * Fields are dotted paths into the answer's JSON; a repeated field matches if any element does.
 * Resource URLs compare by their path from `projects/` on, as GCE compares references: a caller
 * filtering `network eq <its own endpoint>/projects/p/global/networks/n` matches whatever host
 * and API version the stored reference would render with.
 */
import { RE2JS, RE2JSException } from 're2js';
import { wildcardMatcher } from '../../../core/wildcard.js';
import { invalid } from './problems.js';
import { REF } from './urls.js';

/**
 * Filters are caller-supplied code: RE2 (re2js, linear in the input) for `eq`/`ne`, a
 * non-backtracking wildcard matcher for `=`, and a bounded expression size.
 */
export const FILTER_LENGTH_MAX = 4096;
const TERMS_MAX = 64;

export type Predicate = (item: Record<string, unknown>) => boolean;

export function compileFilter(filter: string | undefined): Predicate | undefined {
  const text = filter?.trim();
  if (!text) return undefined;
  if (text.length > FILTER_LENGTH_MAX) throw invalid(`Invalid value for field 'filter': the filter expression is longer than ${FILTER_LENGTH_MAX} characters.`);
  const bad = () => invalid(`Invalid list filter expression '${text}'.`);
  try {
    return /\s(eq|ne)\s/.test(text) ? regexFilter(text, bad) : new ComparisonParser(text, bad).parse();
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof RE2JSException) throw bad();
    throw e;
  }
}

/** A literal naming a resource URL (`https://host/compute/v1/projects/…`) → `projects/…`. */
function pathOf(literal: string): string {
  const m = /^(?:https?:\/\/[^/]*\/)?(?:compute\/)?(?:v1|beta|alpha|staging_v1)\/(projects\/.*)$/.exec(literal);
  return m ? m[1]! : literal;
}

/** Every value at a dotted path (arrays fan out); stored references as `projects/…` paths. */
function valuesAt(item: unknown, path: string[]): string[] {
  let current: unknown[] = [item];
  for (const key of path) {
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || typeof c !== 'object') continue;
      const v = (c as Record<string, unknown>)[key];
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined) next.push(v);
    }
    current = next;
  }
  return current.filter((v) => v === null || typeof v !== 'object').map((v) => (typeof v === 'string' && v.startsWith(REF) ? v.slice(REF.length) : String(v)));
}

function regexFilter(text: string, bad: () => Error): Predicate {
  const terms: Array<{ path: string[]; negate: boolean; re: RE2JS }> = [];
  const term = /\s*(?:\(\s*)?([A-Za-z_][\w.]*)\s+(eq|ne)\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s)]+))\s*\)?/y;
  let pos = 0;
  while (pos < text.length) {
    term.lastIndex = pos;
    const m = term.exec(text);
    if (!m) throw bad();
    const literal = m[3] ?? m[4] ?? m[5] ?? '';
    // RE2 semantics as GCE's own filter engine; `matches` is a whole-field match.
    terms.push({ path: m[1]!.split('.'), negate: m[2] === 'ne', re: RE2JS.compile(pathOf(literal)) });
    if (terms.length > TERMS_MAX) throw bad();
    pos = term.lastIndex;
    while (text[pos] === ' ') pos++;
  }
  if (terms.length === 0) throw bad();
  return (item) => terms.every((t) => valuesAt(item, t.path).some((v) => t.re.testExact(v)) !== t.negate);
}

const OPS = ['!=', '>=', '<=', '=', '>', '<', ':'] as const;

const NESTING_MAX = 32;

class ComparisonParser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly bad: () => Error,
  ) {}

  parse(): Predicate {
    const p = this.andSeq();
    this.ws();
    if (this.pos < this.text.length) throw this.bad();
    return p;
  }

  private ws(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t' || this.text[this.pos] === '\n') this.pos++;
  }

  private keyword(word: string): boolean {
    this.ws();
    if (!this.text.startsWith(word, this.pos) || !/[\s(]/.test(this.text[this.pos + word.length] ?? '')) return false;
    this.pos += word.length;
    return true;
  }

  private andSeq(): Predicate {
    const parts = [this.orSeq()];
    for (;;) {
      this.ws();
      if (this.pos >= this.text.length || this.text[this.pos] === ')') break;
      this.keyword('AND');
      parts.push(this.orSeq());
    }
    return parts.length === 1 ? parts[0]! : (item) => parts.every((p) => p(item));
  }

  private orSeq(): Predicate {
    const parts = [this.unary()];
    while (this.keyword('OR')) parts.push(this.unary());
    return parts.length === 1 ? parts[0]! : (item) => parts.some((p) => p(item));
  }

  private unary(): Predicate {
    // Nesting is bounded so that `((((…` or `NOT NOT …` cannot exhaust the stack.
    if (++this.depth > NESTING_MAX) throw this.bad();
    this.ws();
    if (this.keyword('NOT') || this.text[this.pos] === '-') {
      if (this.text[this.pos] === '-') this.pos++;
      const inner = this.unary();
      this.depth--;
      return (item) => !inner(item);
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.andSeq();
      this.ws();
      if (this.text[this.pos] !== ')') throw this.bad();
      this.pos++;
      this.depth--;
      return inner;
    }
    this.depth--;
    return this.comparison();
  }

  private comparison(): Predicate {
    const field = /[A-Za-z_][\w.]*/y;
    field.lastIndex = this.pos;
    const f = field.exec(this.text);
    if (!f) throw this.bad();
    this.pos = field.lastIndex;
    this.ws();
    const op = OPS.find((o) => this.text.startsWith(o, this.pos));
    if (!op) throw this.bad();
    this.pos += op.length;
    this.ws();
    const value = this.value();
    const path = f[0].split('.');
    const test = comparator(op, pathOf(value));
    return (item) => {
      const values = valuesAt(item, path);
      return op === '!=' ? values.every((v) => test(v)) : values.some((v) => test(v));
    };
  }

  private value(): string {
    const q = this.text[this.pos];
    if (q === '"' || q === "'") {
      const end = this.text.indexOf(q, this.pos + 1);
      if (end === -1) throw this.bad();
      const v = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return v;
    }
    const m = /[^\s()]+/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.text);
    if (!r) throw this.bad();
    this.pos = m.lastIndex;
    return r[0];
  }
}


function comparator(op: (typeof OPS)[number], value: string): (v: string) => boolean {
  const num = Number(value);
  const numeric = value.trim() !== '' && Number.isFinite(num);
  const cmp = (v: string): number => (numeric && Number.isFinite(Number(v)) ? Number(v) - num : v < value ? -1 : v > value ? 1 : 0);
  switch (op) {
    case '=': {
      const glob = value.includes('*') ? wildcardMatcher(value, { question: false, escapes: false }) : undefined;
      return (v) => (glob ? glob(v) : v === value);
    }
    case '!=':
      return (v) => v !== value;
    case ':':
      return value === '*' ? () => true : (v) => v.includes(value.replace(/\*/g, ''));
    case '>':
      return (v) => cmp(v) > 0;
    case '<':
      return (v) => cmp(v) < 0;
    case '>=':
      return (v) => cmp(v) >= 0;
    case '<=':
      return (v) => cmp(v) <= 0;
  }
}
