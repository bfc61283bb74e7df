/** The request journal: what reached fauxcloud and what it answered. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AdminOptions } from './index.js';

const Query = Type.Object(
  {
    host: Type.Optional(Type.String({ description: 'the host the request named, e.g. ec2.us-east-1.amazonaws.com through the proxy' })),
    cloud: Type.Optional(Type.String()),
    service: Type.Optional(Type.String()),
    operation: Type.Optional(Type.String()),
    tenant: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    status: Type.Optional(Type.Integer()),
    errorCode: Type.Optional(Type.String()),
    resourceId: Type.Optional(Type.String()),
    since: Type.Optional(Type.Integer({ description: 'only entries with a larger seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'the newest N' })),
  },
  { additionalProperties: false },
);

const Entry = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  host: Type.Optional(Type.String()),
  cloud: Type.String(),
  service: Type.String(),
  operation: Type.String(),
  tenant: Type.Optional(Type.String()),
  region: Type.Optional(Type.String()),
  method: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  errorCode: Type.Optional(Type.String()),
  latencyMs: Type.Number(),
  resourceIds: Type.Array(Type.String()),
  rule: Type.Optional(Type.String()),
});

export async function journalRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/journal',
    { schema: { tags: ['journal'], querystring: Query, response: { 200: Type.Object({ entries: Type.Array(Entry), lastSeq: Type.Integer() }) } } },
    async (req) => ({ entries: engine.journal.query(req.query), lastSeq: engine.journal.lastSeq }),
  );
  app.get<{ Querystring: Static<typeof Query> }>(
    '/journal/count',
    { schema: { tags: ['journal'], querystring: Query, response: { 200: Type.Object({ count: Type.Integer() }) } } },
    async (req) => ({ count: engine.journal.count(req.query) }),
  );
  app.delete('/journal', { schema: { tags: ['journal'], response: { 200: Type.Object({ cleared: Type.Boolean() }) } } }, async () => {
    engine.journal.clear();
    return { cleared: true };
  });
}
