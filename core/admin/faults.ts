/** Fault rules at run time: list with hit counts, replace, append, delete. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { FaultRuleSchema, FaultRulesSchema } from '../faults/rules.js';
import { validateScenario } from '../scenario.js';
import type { AdminOptions } from './index.js';

const Status = Type.Array(Type.Object({ rule: FaultRuleSchema, hits: Type.Integer(), matched: Type.Integer() }));

export async function faultRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  // Rules arrive in the scenario spelling and are checked exactly as a scenario file's are.
  const parse = (rules: unknown) => validateScenario({ faults: rules }, 'fault rules', engine).faults;

  app.get('/faults', { schema: { tags: ['faults'], summary: 'The rules in force, in order, with how often each matched and fired', response: { 200: Status } } }, async () =>
    engine.faults.list(),
  );
  app.put<{ Body: Static<typeof FaultRulesSchema> }>(
    '/faults',
    { schema: { tags: ['faults'], summary: 'Replace every rule (counters and time windows start over)', body: FaultRulesSchema, response: { 200: Status } } },
    async (req) => {
      engine.faults.install(parse(req.body));
      return engine.faults.list();
    },
  );
  app.post<{ Body: Static<typeof FaultRuleSchema> | Static<typeof FaultRulesSchema> }>(
    '/faults',
    {
      schema: {
        tags: ['faults'],
        summary: 'Append one rule or several after the existing ones',
        body: Type.Union([FaultRuleSchema, FaultRulesSchema]),
        response: { 200: Status },
      },
    },
    async (req) => {
      const list = Array.isArray(req.body) ? req.body : [req.body];
      // Unnamed rules are numbered after the ones already installed.
      const offset = engine.faults.size;
      const named = list.map((r, i) => ({ ...r, name: r.name ?? `rule-${offset + i + 1}` }));
      engine.faults.append(parse(named));
      return engine.faults.list();
    },
  );
  app.delete<{ Params: { name: string } }>(
    '/faults/:name',
    { schema: { tags: ['faults'], params: Type.Object({ name: Type.String() }), response: { 200: Type.Object({ deleted: Type.Boolean() }) } } },
    async (req, reply) => {
      const deleted = engine.faults.remove(req.params.name);
      return deleted ? { deleted } : reply.code(404).send({ error: 'NotFound', message: `no rule named ${req.params.name}` });
    },
  );
  app.delete('/faults', { schema: { tags: ['faults'], response: { 200: Type.Object({ deleted: Type.Integer() }) } } }, async () => {
    const n = engine.faults.size;
    engine.faults.install([]);
    return { deleted: n };
  });
}
