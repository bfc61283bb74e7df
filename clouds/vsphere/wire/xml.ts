/**
 * A small, linear-time XML reader for SOAP requests: elements with local names, attributes by
 * qualified name, text. Namespaces are not resolved (SOAP callers use fixed prefixes, and the
 * codec matches by local name, as govmomi's own decoder does for responses). Malformed input
 * throws XmlError, which the SOAP layer answers as a client fault.
 */
export interface XmlElement {
  /** Local name (prefix stripped). */
  name: string;
  prefix: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

const MAX_DEPTH = 256;

export function parseXml(src: string): XmlElement {
  const root: XmlElement = { name: '#document', prefix: '', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const lt = src.indexOf('<', i);
    if (lt === -1) {
      appendText(stack, src.slice(i));
      break;
    }
    if (lt > i) appendText(stack, src.slice(i, lt));
    if (src.startsWith('<?', lt)) {
      i = endOf(src, '?>', lt);
    } else if (src.startsWith('<!--', lt)) {
      i = endOf(src, '-->', lt);
    } else if (src.startsWith('<![CDATA[', lt)) {
      const end = src.indexOf(']]>', lt);
      if (end === -1) throw new XmlError('unterminated CDATA section');
      stack[stack.length - 1]!.text += src.slice(lt + 9, end);
      i = end + 3;
    } else if (src.startsWith('<!', lt)) {
      i = endOf(src, '>', lt);
    } else if (src[lt + 1] === '/') {
      const gt = src.indexOf('>', lt);
      if (gt === -1) throw new XmlError('unterminated end tag');
      const qname = src.slice(lt + 2, gt).trim();
      const top = stack.pop();
      if (!top || top === root || qualified(top) !== qname) throw new XmlError(`unexpected end tag </${qname}>`);
      i = gt + 1;
    } else {
      const { el, end, selfClosing } = startTag(src, lt);
      const parent = stack[stack.length - 1]!;
      parent.children.push(el);
      if (!selfClosing) {
        if (stack.length > MAX_DEPTH) throw new XmlError('document nested too deeply');
        stack.push(el);
      }
      i = end;
    }
  }
  if (stack.length !== 1) throw new XmlError(`unclosed element <${qualified(stack[stack.length - 1]!)}>`);
  const top = root.children[0];
  if (!top || root.children.length !== 1) throw new XmlError('a document needs exactly one root element');
  return top;
}

function qualified(el: XmlElement): string {
  return el.prefix ? `${el.prefix}:${el.name}` : el.name;
}

function endOf(src: string, marker: string, from: number): number {
  const e = src.indexOf(marker, from);
  if (e === -1) throw new XmlError(`unterminated ${marker}`);
  return e + marker.length;
}

function appendText(stack: XmlElement[], raw: string): void {
  const top = stack[stack.length - 1]!;
  if (stack.length === 1) {
    if (raw.trim() !== '') throw new XmlError('text outside the root element');
    return;
  }
  top.text += decodeEntities(raw);
}

const NAME = /[^\s/>=]+/y;
const SPACE = /\s*/y;

function startTag(src: string, lt: number): { el: XmlElement; end: number; selfClosing: boolean } {
  NAME.lastIndex = lt + 1;
  const m = NAME.exec(src);
  if (!m) throw new XmlError('malformed start tag');
  const qname = m[0];
  const colon = qname.indexOf(':');
  const el: XmlElement = { name: colon === -1 ? qname : qname.slice(colon + 1), prefix: colon === -1 ? '' : qname.slice(0, colon), attrs: {}, children: [], text: '' };
  let i = NAME.lastIndex;
  for (;;) {
    SPACE.lastIndex = i;
    SPACE.exec(src);
    i = SPACE.lastIndex;
    const c = src[i];
    if (c === undefined) throw new XmlError('unterminated start tag');
    if (c === '>') return { el, end: i + 1, selfClosing: false };
    if (c === '/' && src[i + 1] === '>') return { el, end: i + 2, selfClosing: true };
    NAME.lastIndex = i;
    const a = NAME.exec(src);
    if (!a) throw new XmlError('malformed attribute');
    i = NAME.lastIndex;
    SPACE.lastIndex = i;
    SPACE.exec(src);
    i = SPACE.lastIndex;
    if (src[i] !== '=') throw new XmlError(`attribute ${a[0]} has no value`);
    i++;
    SPACE.lastIndex = i;
    SPACE.exec(src);
    i = SPACE.lastIndex;
    const q = src[i];
    if (q !== '"' && q !== "'") throw new XmlError(`attribute ${a[0]} is not quoted`);
    const close = src.indexOf(q, i + 1);
    if (close === -1) throw new XmlError('unterminated attribute value');
    el.attrs[a[0]] = decodeEntities(src.slice(i + 1, close));
    i = close + 1;
  }
}

const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (_m, e: string) => {
    if (e[0] !== '#') return NAMED[e]!;
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
  });
}

const NEEDS_ESCAPE = /[&<>"]/;

export function escapeXml(s: string): string {
  // Most values (names, ids, numbers) need nothing: test first rather than allocate a copy.
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** The xsi:type attribute of an element, whatever prefix the caller bound the XSI namespace to. */
export function xsiType(el: XmlElement): string | undefined {
  for (const [k, v] of Object.entries(el.attrs)) if (k.endsWith(':type') && !k.startsWith('xmlns')) return v;
  return undefined;
}
