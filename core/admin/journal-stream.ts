/**
 * The journal as it happens, as Server-Sent Events (`GET /journal/stream?since=N`): one `entry`
 * event per request, newest last. Streams are polled from the ring buffer rather than pushed, so
 * the request path pays nothing for them; every open stream ends when the server closes.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AdminOptions } from './index.js';

const Query = Type.Object(
  { since: Type.Optional(Type.Integer({ minimum: 0, description: 'start after this journal sequence number (default: the newest 200)' })) },
  { additionalProperties: false },
);

const POLL_MS = 250;

export async function journalStreamRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  const open = new Set<ServerResponse>();
  app.addHook('onClose', async () => {
    for (const res of open) res.end();
  });

  app.get<{ Querystring: Static<typeof Query> }>(
    '/journal/stream',
    { schema: { tags: ['journal'], summary: 'Journal entries as Server-Sent Events, as they are recorded', querystring: Query } },
    (req, reply) => {
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      let last = req.query.since ?? Math.max(0, engine.journal.lastSeq - 200);
      const flush = () => {
        if (engine.journal.lastSeq <= last) return;
        for (const e of engine.journal.query({ since: last })) {
          res.write(`event: entry\nid: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
          last = e.seq;
        }
      };
      flush();
      const timer = setInterval(flush, POLL_MS);
      open.add(res);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(res);
      });
    },
  );
}
