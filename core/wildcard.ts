/**
 * Wildcard patterns callers send (EC2 filter values `vol-*`, GCE `name = web-*`, fault rule
 * operation globs) matched without backtracking. A compiled RegExp of `.*` runs backtracks
 * exponentially on the input (`*a*a*a*a*a*b` against 200 `a`s took a minute), so patterns are
 * cut at their stars into segments that must occur in order: the first anchored at the start,
 * the last at the end, each middle one at its leftmost place after the previous one (leftmost
 * is always right for `*`, so no position is ever revisited). The cost is at most
 * value length × pattern length, and the caller's size bounds keep both small.
 */

export interface WildcardOptions {
  /** `?` matches any one character (EC2); otherwise it is a literal (GCE). Default true. */
  question?: boolean;
  /** `\*`, `\?` and `\\` are literals (EC2). Default true. */
  escapes?: boolean;
}

/** One run of characters between stars; `null` stands for `?`. */
type Segment = ReadonlyArray<string | null>;

export type Matcher = (value: string) => boolean;

export function hasWildcard(pattern: string, opts: WildcardOptions = {}): boolean {
  return pattern.includes('*') || ((opts.question ?? true) && pattern.includes('?'));
}

export function wildcardMatcher(pattern: string, opts: WildcardOptions = {}): Matcher {
  const question = opts.question ?? true;
  const escapes = opts.escapes ?? true;
  const segments: Array<Array<string | null>> = [[]];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const current = segments[segments.length - 1]!;
    if (escapes && c === '\\' && i + 1 < pattern.length) current.push(pattern[++i]!);
    else if (c === '*') segments.push([]);
    else if (c === '?' && question) current.push(null);
    else current.push(c);
  }
  if (segments.length === 1) {
    const only = segments[0]!;
    return (v) => v.length === only.length && matchesAt(v, only, 0);
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const minLength = segments.reduce((n, s) => n + s.length, 0);
  return (v) => {
    if (v.length < minLength || !matchesAt(v, first, 0)) return false;
    let pos = first.length;
    const end = v.length - last.length;
    for (const seg of middle) {
      const at = find(v, seg, pos, end);
      if (at < 0) return false;
      pos = at + seg.length;
    }
    return pos <= end && matchesAt(v, last, end);
  };
}

function matchesAt(v: string, seg: Segment, at: number): boolean {
  for (let j = 0; j < seg.length; j++) {
    const c = seg[j];
    if (c !== null && v[at + j] !== c) return false;
  }
  return true;
}

/** Leftmost start of `seg` in v[from, limit) that ends by `limit`, or -1. */
function find(v: string, seg: Segment, from: number, limit: number): number {
  if (!seg.includes(null)) {
    const at = v.indexOf(seg.join(''), from);
    return at >= 0 && at + seg.length <= limit ? at : -1;
  }
  for (let at = from; at + seg.length <= limit; at++) if (matchesAt(v, seg, at)) return at;
  return -1;
}

/**
 * `{a,b}` alternatives (fault rules name several operations: `{disks.insert,instances.attachDisk}`)
 * expanded into plain wildcard patterns; at most `limit` of them, so `{a,b}{a,b}…` cannot explode.
 */
export function expandBraces(pattern: string, limit = 256): string[] | undefined {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  let close = -1;
  const cuts: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      close = i;
      break;
    } else if (c === ',' && depth === 1) cuts.push(i);
  }
  // An unbalanced brace is a literal, as the RegExp translation treated it.
  if (close < 0) return [pattern];
  const head = pattern.slice(0, open);
  const bounds = [open, ...cuts, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alternative = pattern.slice(bounds[k]! + 1, bounds[k + 1]);
    const rest = expandBraces(alternative + pattern.slice(close + 1), limit);
    if (!rest) return undefined;
    for (const r of rest) {
      out.push(head + r);
      if (out.length > limit) return undefined;
    }
  }
  return out;
}
