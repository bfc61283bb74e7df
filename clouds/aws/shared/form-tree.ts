/** Query-string and form parameters (`Filter.1.Value.2`) as a tree of their dotted path segments. */
export interface ParamNode {
  value?: string;
  children?: Map<string, ParamNode>;
}

/** `Action` and `Version` carry the call itself; the SigV4 query parameters carry its signature. */
const ENVELOPE = new Set(['Action', 'Version']);

export function paramTree(params: URLSearchParams): ParamNode {
  const root: ParamNode = { children: new Map() };
  for (const [key, value] of params) {
    if (ENVELOPE.has(key) || key.startsWith('X-Amz-')) continue;
    let node = root;
    for (const part of key.split('.')) {
      node.children ??= new Map();
      let next = node.children.get(part);
      if (!next) node.children.set(part, (next = {}));
      node = next;
    }
    node.value = value;
  }
  return root;
}
