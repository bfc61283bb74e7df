/**
 * The state document: everything a running fauxcloud holds that a restart must not lose (store,
 * lifecycle progress, virtual clock, fault rules with their counters, random streams, issued
 * credentials). `GET/PUT /_fauxcloud/state` and the `--data-dir` state file are this one document.
 * The journal is not in it: it is a log of requests, not state.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FaultRulesSchema } from './faults/rules.js';

export const STATE_VERSION = 2;

const Counters = Type.Record(
  Type.String(),
  Type.Object({
    matched: Type.Integer({ minimum: 0 }),
    hits: Type.Integer({ minimum: 0 }),
    buckets: Type.Record(Type.String(), Type.Object({ tokens: Type.Number(), at: Type.Number() })),
  }),
);

const Credential = Type.Object({
  cloud: Type.String(),
  token: Type.String(),
  expiresAt: Type.Optional(Type.Number()),
  principal: Type.Record(Type.String(), Type.String()),
  secrets: Type.Optional(Type.Record(Type.String(), Type.String())),
});

const Finite = Type.Number({ description: 'virtual epoch ms' });

export const StateSchema = Type.Object(
  {
    version: Type.Union([Type.Literal(1), Type.Literal(STATE_VERSION)], { description: '2 is complete; 1 (store, clock, streams, lifecycle modes only) is still accepted' }),
    savedAt: Type.Optional(Type.String({ description: 'real time of the export (ISO 8601)' })),
    scenario: Type.Optional(Type.Object({ name: Type.String(), source: Type.String() })),
    clock: Type.Object({ now: Finite, factor: Type.Number({ minimum: 0 }) }),
    random: Type.Object({ seed: Type.String(), streams: Type.Record(Type.String(), Type.Array(Type.Number(), { minItems: 4, maxItems: 4 })) }),
    lifecycle: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
    store: Type.Object({ seq: Type.Integer({ minimum: 0 }), tenants: Type.Array(Type.Unknown()) }),
    faults: Type.Optional(Type.Object({ installedAt: Finite, rules: FaultRulesSchema, counters: Counters })),
    auth: Type.Optional(Type.Object({ credentials: Type.Array(Credential) })),
    listeners: Type.Optional(
      Type.Array(Type.Object({ port: Type.Integer({ minimum: 1, maximum: 65535 }), host: Type.String(), headers: Type.Record(Type.String(), Type.String()) }), {
        description: 'pinned listeners, opened again at start with --data-dir (an import through the admin API leaves the open ones as they are)',
      }),
    ),
    clouds: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "each cloud's own runtime state (vSphere: property collectors, filters and views)" })),
  },
  { description: 'A whole fauxcloud state; treat it as opaque and give it back as it was.' },
);

export type StateDocument = Static<typeof StateSchema>;

/** Why a document cannot be imported, or undefined when it can. */
export function stateProblems(doc: unknown): string | undefined {
  if (Value.Check(StateSchema, doc)) {
    const d = doc as StateDocument;
    if (!Number.isFinite(d.clock.now) || !Number.isFinite(d.clock.factor)) return '/clock: not a finite time';
    return undefined;
  }
  const first = [...Value.Errors(StateSchema, doc)].slice(0, 3);
  return first.map((e) => `${e.path || '/'}: ${e.message}`).join('; ');
}
