/** Pinned listeners through the admin API: a port of its own with some request headers fixed. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AdminOptions } from './index.js';

const Listener = Type.Object({
  port: Type.Integer(),
  endpoint: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  unavailable: Type.Optional(Type.String({ description: 'a listener saved with the state (--data-dir) that could not listen again at start, and why' })),
});
const Open = Type.Object(
  {
    headers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String(), { additionalProperties: false, description: 'e.g. {"X-Fauxcloud-Instance": "node-b"}' }),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: '0 or absent picks a free port' })),
    host: Type.Optional(Type.String({ description: 'default 127.0.0.1' })),
  },
  { additionalProperties: false },
);

export async function listenerRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  app.post<{ Body: Static<typeof Open> }>(
    '/listeners',
    { schema: { tags: ['listeners'], summary: 'Open a port that serves everything with these request headers pinned', body: Open, response: { 200: Listener } } },
    async (req, reply) => {
      for (const [header, value] of Object.entries(req.body.headers))
        for (const cloud of engine.clouds.list()) {
          const problem = cloud.pinnedHeaderProblem?.(header.toLowerCase(), value);
          if (problem) return reply.code(404).send({ error: 'NotFound', message: problem });
        }
      try {
        return await engine.pinned.add(req.body.headers, req.body.port, req.body.host);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === undefined) throw err;
        return reply.code(code === 'EADDRINUSE' ? 409 : 400).send({ error: code === 'EADDRINUSE' ? 'Conflict' : 'BadRequest', message: `cannot listen on ${req.body.host ?? '127.0.0.1'}:${req.body.port ?? 0} (${code})` });
      }
    },
  );
  app.get('/listeners', { schema: { tags: ['listeners'], response: { 200: Type.Array(Listener) } } }, async () => engine.pinned.list());
  app.delete<{ Params: { port: number } }>(
    '/listeners/:port',
    { schema: { tags: ['listeners'], params: Type.Object({ port: Type.Integer() }), response: { 200: Type.Object({ closed: Type.Boolean() }) } } },
    async (req) => ({ closed: await engine.pinned.remove(req.params.port) }),
  );
}
