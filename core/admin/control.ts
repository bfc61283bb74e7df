/** health, reset, seed and scenario: the calls a test suite makes between cases. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { relative, sep } from 'node:path';
import { packageRoot } from '../paths.js';
import { parseScenario, loadScenarioFile, validateScenario } from '../scenario.js';

function displaySource(source: string): string {
  const rel = relative(packageRoot(), source);
  return rel.startsWith(`scenarios${sep}`) && !rel.includes('..') ? rel.split(sep).join('/') : source;
}
import { tenantKey } from '../store.js';
import type { AdminOptions } from './index.js';

const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  scenario: Type.Optional(Type.String()),
  seed: Type.String(),
  clouds: Type.Array(Type.String()),
  tenants: Type.Array(Type.String()),
  now: Type.String({ description: 'virtual time' }),
});

const ResetBody = Type.Object(
  {
    cloud: Type.Optional(Type.String({ description: 'with tenant: reset only this tenant, e.g. aws' })),
    tenant: Type.Optional(Type.String({ description: 'tenant id inside the cloud, e.g. 000000000000' })),
  },
  { additionalProperties: false },
);
const ResetReply = Type.Object({ reset: Type.String() });

const SeedBody = Type.Object(
  {
    seed: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'new random seed: resets everything and restarts the id streams' })),
    resources: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'seed sections per cloud, added to the store' })),
  },
  { additionalProperties: false },
);
const SeedReply = Type.Object({ seed: Type.String(), applied: Type.Array(Type.String()) });

const ScenarioInfo = Type.Object({ name: Type.String(), source: Type.String(), description: Type.Optional(Type.String()) });
const ScenarioBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 4096, description: 'a shipped scenario name; a file path on the server only if fauxcloud was started with --scenario-paths' })),
    yaml: Type.Optional(Type.String({ description: 'a whole scenario file as text' })),
  },
  { additionalProperties: false },
);

export async function controlRoutes(app: FastifyInstance, { engine, version, scenarioPaths }: AdminOptions): Promise<void> {
  const access = { paths: scenarioPaths };
  // Shipped scenarios are shown relative to the package (the server's own paths stay private).
  const info = () => ({ name: engine.scenario?.name ?? 'none', source: displaySource(engine.scenario?.source ?? 'none'), description: engine.scenario?.description });

  app.get('/health', { schema: { tags: ['control'], response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version,
    scenario: engine.scenario?.name,
    seed: engine.seed,
    clouds: engine.clouds.list().map((c) => c.name),
    tenants: engine.store.tenants().map((t) => t.key),
    now: new Date(engine.clock.now()).toISOString(),
  }));

  app.post<{ Body: Static<typeof ResetBody> }>(
    '/reset',
    { schema: { tags: ['control'], summary: 'Back to the scenario seed: everything, or one tenant', body: Type.Optional(ResetBody), response: { 200: ResetReply } } },
    async (req, reply) => {
      const { cloud, tenant } = req.body ?? {};
      if ((cloud === undefined) !== (tenant === undefined)) return reply.code(400).send({ error: 'BadRequest', message: 'give both cloud and tenant, or neither' });
      const key = cloud !== undefined && tenant !== undefined ? tenantKey(cloud, tenant) : undefined;
      engine.reset(key);
      return { reset: key ?? 'all' };
    },
  );

  app.post<{ Body: Static<typeof SeedBody> }>(
    '/seed',
    { schema: { tags: ['control'], summary: 'Restart the random streams from a seed and/or add seed resources', body: SeedBody, response: { 200: SeedReply } } },
    async (req) => {
      const { seed, resources } = req.body;
      if (seed !== undefined) engine.reseed(String(seed));
      const applied: string[] = [];
      if (resources) {
        const checked = validateScenario({ seed: resources }, 'seed request', engine);
        engine.applySeed(undefined, undefined, checked.seed);
        applied.push(...Object.keys(checked.seed));
      }
      return { seed: engine.seed, applied };
    },
  );

  app.get('/scenario', { schema: { tags: ['scenario'], response: { 200: ScenarioInfo } } }, async () => info());

  app.put<{ Body: Static<typeof ScenarioBody> }>(
    '/scenario',
    { schema: { tags: ['scenario'], summary: 'Load a scenario (resets the store to its seed)', body: ScenarioBody, response: { 200: ScenarioInfo } } },
    async (req, reply) => {
      const { name, yaml } = req.body;
      if ((name === undefined) === (yaml === undefined)) return reply.code(400).send({ error: 'BadRequest', message: 'give exactly one of name or yaml' });
      const scenario = yaml !== undefined ? parseScenario(yaml, 'inline', engine, [], access) : loadScenarioFile(name!, engine, undefined, [], access);
      engine.loadScenario(scenario);
      return info();
    },
  );
  // `curl --data-binary @drill.yaml -H 'content-type: application/yaml' -X PUT .../scenario` works too.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, { yaml: String(body) });
  });
}
