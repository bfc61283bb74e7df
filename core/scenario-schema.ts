/**
 * The JSON Schema of scenario files, assembled from core's parts and what the registered clouds
 * declare (their seed sections, their state machines). `fauxcloud schema` prints it; the copy in
 * scenarios/scenario.schema.json is what editors read, and a test keeps the two equal.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { Engine } from './engine.js';
import { AUTH_MODES } from './auth.js';
import { FaultRulesSchema } from './faults/rules.js';

const Mode = Type.Union([
  Type.Literal('instant'),
  Type.Object({ delay: Type.Object({ ms: Type.Number({ minimum: 0 }), jitter: Type.Optional(Type.Number({ minimum: 0 })) }, { additionalProperties: false }) }, { additionalProperties: false }),
  Type.Object({ manual: Type.Object({ afterReads: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }) }, { additionalProperties: false }),
]);

export function scenarioJsonSchema(engine: Engine): TSchema {
  const seed: Record<string, TSchema> = {};
  for (const api of engine.clouds.list()) if (api.seedSchema) seed[api.name] = api.seedSchema;
  const auth: Record<string, TSchema> = {};
  for (const api of engine.clouds.list()) if (api.authSchema) auth[api.name] = Type.Optional(api.authSchema);
  const lifecycle: Record<string, TSchema> = {};
  for (const type of engine.lifecycle.machineTypes().sort())
    lifecycle[type] = Type.Object(Object.fromEntries((engine.lifecycle.transientStates(type) ?? []).map((s) => [s, Type.Optional(Mode)])), { additionalProperties: false });
  const schema = Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1 })),
      description: Type.Optional(Type.String()),
      extends: Type.Optional(Type.String({ minLength: 1 })),
      seed: Type.Optional(Type.Object(Object.fromEntries(Object.entries(seed).map(([k, v]) => [k, Type.Optional(v)])), { additionalProperties: false })),
      lifecycle: Type.Optional(Type.Object(Object.fromEntries(Object.entries(lifecycle).map(([k, v]) => [k, Type.Optional(v)])), { additionalProperties: false })),
      faults: Type.Optional(FaultRulesSchema),
      auth: Type.Optional(
        Type.Object(
          { mode: Type.Optional(Type.Union(AUTH_MODES.map((m) => Type.Literal(m)), { description: 'strict: every cloud verifies credentials (the --auth flag wins)' })), ...auth },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false, title: 'fauxcloud scenario' },
  );
  // Through JSON to drop TypeBox's symbol keys: what remains is plain JSON Schema.
  return JSON.parse(JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema })) as TSchema;
}
