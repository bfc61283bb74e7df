/**
 * What each cloud holds, per tenant and type, with lifecycle states: the dashboard's resource view,
 * and a quick look for a person debugging a drill. Reads never count as reads of a resource
 * (manual lifecycle steps are not advanced by looking).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AdminOptions } from './index.js';

const Query = Type.Object(
  {
    cloud: Type.Optional(Type.String()),
    tenant: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 200, description: 'newest N records per type' })),
  },
  { additionalProperties: false },
);

const Resource = Type.Object({
  id: Type.String(),
  region: Type.Optional(Type.String()),
  parent: Type.Optional(Type.String()),
  state: Type.Optional(Type.String({ description: 'lifecycle state, when the type has one' })),
  since: Type.Optional(Type.String({ description: 'when it entered that state (virtual time)' })),
  dueAt: Type.Optional(Type.String({ description: 'when a timed transition moves it on' })),
  readsLeft: Type.Optional(Type.Integer({ description: 'reads before a manual step moves it on' })),
  createdAt: Type.String(),
  tags: Type.Record(Type.String(), Type.String()),
});

const Reply = Type.Object({
  now: Type.String(),
  tenants: Type.Array(
    Type.Object({
      cloud: Type.String(),
      tenant: Type.String(),
      types: Type.Array(Type.Object({ type: Type.String(), count: Type.Integer(), records: Type.Array(Resource) })),
    }),
  ),
});

const iso = (ms: number) => new Date(ms).toISOString();

export async function resourceRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/resources',
    { schema: { tags: ['state'], summary: 'Resources per cloud, tenant and type, with lifecycle states', querystring: Query, response: { 200: Reply } } },
    async (req) => {
      const { cloud, tenant, type, limit = 200 } = req.query;
      engine.lifecycle.settle();
      const tenants = engine.store
        .tenants()
        .filter((t) => (cloud === undefined || t.cloud === cloud) && (tenant === undefined || t.id === tenant))
        .map((t) => ({
          cloud: t.cloud,
          tenant: t.id,
          types: t
            .collectionTypes()
            .filter((name) => type === undefined || name === type)
            .sort()
            .map((name) => {
              const all = [...t.collection(name).all()];
              return {
                type: name,
                count: all.length,
                records: all.slice(-limit).map((r) => ({
                  id: r.id,
                  region: r.region,
                  parent: r.parent,
                  state: r.lc?.state,
                  since: r.lc ? iso(r.lc.since) : undefined,
                  dueAt: r.lc?.dueAt === undefined ? undefined : iso(r.lc.dueAt),
                  readsLeft: r.lc?.readsLeft,
                  createdAt: iso(r.createdAt),
                  tags: { ...r.tags },
                })),
              };
            })
            .filter((c) => c.count > 0),
        }));
      return { now: iso(engine.clock.now()), tenants };
    },
  );
}
