/**
 * The whole state (export, import: the same document the `--data-dir` state file holds, see
 * core/state.ts) and the lifecycle modes in force.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { EngineState } from '../engine.js';
import { StateSchema } from '../state.js';
import { formatMode } from '../lifecycle.js';
import { validateScenario } from '../scenario.js';
import { tenantKey } from '../store.js';
import type { AdminOptions } from './index.js';

const LifecycleModes = Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
  description: 'per resource type, per transient state: instant | {delay: {ms, jitter}} | {manual: {afterReads}}',
});
const Step = Type.Object(
  { cloud: Type.String(), tenant: Type.String(), type: Type.String(), id: Type.String() },
  { additionalProperties: false },
);

export async function stateRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  // The snapshot can be large and is already plain JSON: skip response serialization.
  app.get('/state', { schema: { tags: ['state'], summary: 'Export the whole state as JSON' } }, async (_req, reply) =>
    reply.type('application/json').send(JSON.stringify(engine.exportState())),
  );
  app.put<{ Body: Static<typeof StateSchema> }>(
    '/state',
    { bodyLimit: 512 * 1024 * 1024, schema: { tags: ['state'], summary: 'Replace the whole state with an export (all or nothing)', body: StateSchema, response: { 200: Type.Object({ imported: Type.Integer() }) } } },
    async (req) => {
      const state = req.body as unknown as EngineState;
      engine.importState(state);
      return { imported: state.store.tenants.length };
    },
  );

  const formatted = () => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [type, states] of Object.entries(engine.lifecycle.getConfig()))
      out[type] = Object.fromEntries(Object.entries(states).map(([s, m]) => [s, formatMode(m)]));
    return out;
  };
  app.get('/lifecycle', { schema: { tags: ['lifecycle'], response: { 200: LifecycleModes } } }, async () => formatted());
  app.put<{ Body: Static<typeof LifecycleModes> }>(
    '/lifecycle',
    { schema: { tags: ['lifecycle'], summary: 'Replace the lifecycle modes (applies to transitions that start afterwards)', body: LifecycleModes, response: { 200: LifecycleModes } } },
    async (req) => {
      engine.lifecycle.setConfig(validateScenario({ lifecycle: req.body }, 'lifecycle request', engine).lifecycle);
      return formatted();
    },
  );
  app.post<{ Body: Static<typeof Step> }>(
    '/lifecycle/step',
    { schema: { tags: ['lifecycle'], summary: 'Move one resource out of its transient state now (manual steps)', body: Step, response: { 200: Type.Object({ state: Type.String() }) } } },
    async (req, reply) => {
      const { cloud, tenant, type, id } = req.body;
      engine.lifecycle.settle();
      const t = engine.store.findTenant(tenantKey(cloud, tenant));
      const rec = t?.collection(type).peek(id);
      if (!t || !rec?.lc) return reply.code(404).send({ error: 'NotFound', message: `no ${type} ${id} with a lifecycle in ${cloud}:${tenant}` });
      if (!engine.lifecycle.step(t, rec)) return reply.code(409).send({ error: 'Conflict', message: `${type} ${id} is in ${rec.lc.state}, which does not move on by itself` });
      return { state: t.collection(type).peek(id)?.lc?.state ?? 'gone' };
    },
  );
}
