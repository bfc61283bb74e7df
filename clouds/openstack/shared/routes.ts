/**
 * A service's operations as a table of `METHOD /path/{param}` → handler. Each OpenStack service
 * (Keystone, Nova, Cinder, Neutron, Octavia) declares one; matching is by literal segments first,
 * so `/servers/detail` wins over `/servers/{id}`.
 */
export interface Route<H> {
  method: string;
  path: string;
  /** Operation name for the journal and fault rules (`CreateVolume`, `AttachVolume`). */
  op: string;
  /** Keystone's own token calls need no token; everything else does. */
  anonymous?: boolean;
  handler: H;
}

interface Compiled<H> {
  route: Route<H>;
  segments: Array<{ literal: string } | { param: string }>;
}

export type Match<H> = { route: Route<H>; params: Record<string, string> } | { methodNotAllowed: true } | undefined;

export class RouteTable<H> {
  private readonly compiled: Compiled<H>[];

  constructor(routes: ReadonlyArray<Route<H>>) {
    this.compiled = routes.map((route) => ({
      route,
      segments: split(route.path).map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s })),
    }));
    // Literal segments outrank parameters, position by position.
    this.compiled.sort((a, b) => rank(b) - rank(a));
  }

  match(method: string, path: string): Match<H> {
    const parts = split(path);
    let pathMatched = false;
    for (const c of this.compiled) {
      if (c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let okay = true;
      for (let i = 0; i < parts.length && okay; i++) {
        const seg = c.segments[i]!;
        if ('literal' in seg) okay = seg.literal === parts[i];
        else {
          try {
            params[seg.param] = decodeURIComponent(parts[i]!);
          } catch {
            okay = false;
          }
        }
      }
      if (!okay) continue;
      pathMatched = true;
      const m = method === 'HEAD' ? 'GET' : method;
      if (c.route.method === m || c.route.method === method) return { route: c.route, params };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function rank<H>(c: Compiled<H>): number {
  let r = 0;
  for (const s of c.segments) r = r * 2 + ('literal' in s ? 1 : 0);
  return r;
}
