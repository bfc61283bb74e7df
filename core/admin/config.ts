/**
 * `GET /_fauxcloud/config[/<component>[/<file>]]`: each upstream component's config files,
 * ready to use against this server (what `fauxcloud config <component>` writes). The clouds
 * describe the files in their `connection().components`; core renders them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ListenerUrls } from '../cloud-api.js';
import { ConfigOverrideError, overrideConfigFile, renderConfigFile, type ComponentConfig } from '../component-config.js';
import { CA_PLACEHOLDER } from './endpoints.js';
import type { AdminOptions } from './index.js';

const Strings = Type.Union([Type.String(), Type.Array(Type.String())]);
const Query = Type.Object({
  url: Type.Optional(Type.String({ description: 'the base URL the component must use instead of the listener\'s (a recording proxy, another host name); https://… stands for the HTTPS listener too' })),
  caFile: Type.Optional(Type.String({ description: `where the component finds fauxcloud's CA; default the server's CA file (--data-dir), else "${CA_PLACEHOLDER}"` })),
  file: Type.Optional(Type.String({ description: 'the file `set` and `unset` change (default the first)' })),
  set: Type.Optional(Strings),
  unset: Type.Optional(Strings),
}, { description: 'set: PATH=VALUE ("[Section] key" in INI, a.b.0 in JSON/YAML, the name in env/flags); unset: PATH' });
type QueryT = Static<typeof Query>;

const File = Type.Object({ name: Type.String(), format: Type.Union(['ini', 'json', 'yaml', 'env', 'flags'].map((f) => Type.Literal(f))), text: Type.String(), value: Type.Optional(Type.Unknown({ description: 'a JSON or YAML file\'s content as data' })) });
const Component = Type.Object({ component: Type.String(), cloud: Type.String(), summary: Type.String(), files: Type.Array(File), notes: Type.Optional(Type.Array(Type.String())) });
const Listing = Type.Object({
  components: Type.Array(Type.Object({ component: Type.String(), cloud: Type.String(), summary: Type.String(), files: Type.Array(Type.String()) })),
});
const Problem = Type.Object({ error: Type.String(), message: Type.String() });

export async function configRoutes(app: FastifyInstance, { engine, caPem }: AdminOptions): Promise<void> {
  const where = (req: FastifyRequest, q: QueryT = {}): ListenerUrls => {
    const httpUrl = engine.listeners.httpUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`;
    const base = q.url?.replace(/\/+$/, '');
    // With HTTPS off there is no CA to name, whatever the caller says.
    const caPath = caPem ? (q.caFile ?? engine.listeners.caPath ?? CA_PLACEHOLDER) : undefined;
    if (base === undefined) return { httpUrl, httpsUrl: engine.listeners.httpsUrl, caPath };
    return base.startsWith('https:') ? { httpUrl: base, httpsUrl: base, caPath } : { httpUrl: base, caPath };
  };
  const all = (w: ListenerUrls): { cloud: string; c: ComponentConfig }[] =>
    engine.clouds.list().flatMap((api) => (api.connection?.(w).components ?? []).map((c) => ({ cloud: api.name, c })));

  /** The component with the caller's overrides applied, or a 4xx already sent. */
  const resolve = (req: FastifyRequest, component: string, q: QueryT, reply: FastifyReply) => {
    if (q.url !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(q.url)) {
      void reply.code(400).send({ error: 'BadRequest', message: `url ${JSON.stringify(q.url)}: want http(s)://host[:port][/path]` });
      return undefined;
    }
    const found = all(where(req, q));
    const hit = found.find((f) => f.c.component === component);
    if (!hit) {
      void reply.code(404).send({ error: 'NotFound', message: `no component named ${JSON.stringify(component)}; known: ${found.map((f) => f.c.component).join(', ')}` });
      return undefined;
    }
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const set = list(q.set), unset = list(q.unset);
    const target = q.file ?? hit.c.files[0]?.name;
    if (!hit.c.files.some((f) => f.name === target)) {
      void reply.code(404).send({ error: 'NotFound', message: `component ${hit.c.component} has no file ${JSON.stringify(target)}; files: ${hit.c.files.map((f) => f.name).join(', ')}` });
      return undefined;
    }
    try {
      const files = hit.c.files.map((f) => (f.name === target && (set.length || unset.length) ? overrideConfigFile(f, set, unset) : f));
      return { cloud: hit.cloud, ...hit.c, files: files.map((f) => ({ name: f.name, format: f.format, text: renderConfigFile(f), value: f.format === 'json' || f.format === 'yaml' ? f.value : undefined })) };
    } catch (e) {
      if (!(e instanceof ConfigOverrideError)) throw e;
      void reply.code(400).send({ error: 'BadRequest', message: e.message });
      return undefined;
    }
  };

  app.get(
    '/config',
    { schema: { tags: ['config'], summary: 'The upstream components fauxcloud writes configs for', response: { 200: Listing } } },
    async (req) => ({ components: all(where(req)).map(({ cloud, c }) => ({ component: c.component, cloud, summary: c.summary, files: c.files.map((f) => f.name) })) }),
  );
  app.get<{ Params: { component: string }; Querystring: QueryT }>(
    '/config/:component',
    { schema: { tags: ['config'], summary: "One component's config files, rendered", params: Type.Object({ component: Type.String() }), querystring: Query, response: { 200: Component, 400: Problem, 404: Problem } } },
    async (req, reply) => resolve(req, req.params.component, req.query, reply) ?? reply,
  );
  app.get<{ Params: { component: string; file: string }; Querystring: QueryT }>(
    '/config/:component/:file',
    { schema: { tags: ['config'], summary: 'One config file as the component reads it (text)', params: Type.Object({ component: Type.String(), file: Type.String() }), querystring: Query, response: { 400: Problem, 404: Problem } } },
    async (req, reply) => {
      const c = resolve(req, req.params.component, { ...req.query, file: req.params.file }, reply);
      if (!c) return reply;
      const f = c.files.find((x) => x.name === req.params.file);
      return reply.type(f?.format === 'json' ? 'application/json' : f?.format === 'yaml' ? 'application/yaml' : 'text/plain; charset=utf-8').send(f?.text ?? '');
    },
  );
}
