/** The virtual clock: read it, jump it forward, change its speed. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { CLOCK_MAX, CLOCK_MIN, FACTOR_MAX } from '../clock.js';
import type { AdminOptions } from './index.js';

const Clock = Type.Object({
  now: Type.String({ description: 'virtual time, ISO 8601' }),
  nowMs: Type.Number({ description: 'virtual epoch milliseconds' }),
  factor: Type.Number({ description: 'virtual ms per real ms; 0 stops the clock' }),
  nextTransitionAt: Type.Optional(Type.String({ description: 'when the next timed lifecycle transition is due' })),
});
const Advance = Type.Object({ ms: Type.Number({ minimum: 0, maximum: CLOCK_MAX, description: 'the clock stops at the end of year 9999' }) }, { additionalProperties: false });
const Factor = Type.Object(
  {
    factor: Type.Optional(Type.Number({ minimum: 0, maximum: FACTOR_MAX })),
    now: Type.Optional(Type.Union([Type.Number(), Type.String({ format: 'date-time' })], { description: 'set virtual now (epoch ms or ISO 8601); may be earlier than real time' })),
  },
  { additionalProperties: false },
);

export async function clockRoutes(app: FastifyInstance, { engine }: AdminOptions): Promise<void> {
  const read = () => {
    engine.lifecycle.settle();
    const due = engine.lifecycle.nextDue();
    return {
      now: new Date(engine.clock.now()).toISOString(),
      nowMs: engine.clock.now(),
      factor: engine.clock.factor,
      nextTransitionAt: due === undefined ? undefined : new Date(due).toISOString(),
    };
  };
  app.get('/clock', { schema: { tags: ['clock'], response: { 200: Clock } } }, async () => read());
  app.post<{ Body: Static<typeof Advance> }>(
    '/clock/advance',
    { schema: { tags: ['clock'], summary: 'Jump the virtual clock forward; due transitions apply in order', body: Advance, response: { 200: Clock } } },
    async (req) => {
      engine.clock.advance(req.body.ms);
      return read();
    },
  );
  app.put<{ Body: Static<typeof Factor> }>(
    '/clock',
    { schema: { tags: ['clock'], summary: 'Set the clock speed and/or virtual now', body: Factor, response: { 200: Clock } } },
    async (req) => {
      const { factor, now } = req.body;
      // Both checked before either applies: a refused request changes nothing.
      const ms = now === undefined ? undefined : typeof now === 'number' ? now : Date.parse(now);
      if (ms !== undefined && !(ms >= CLOCK_MIN && ms <= CLOCK_MAX))
        throw new RangeError(`now must be between ${new Date(CLOCK_MIN).toISOString()} and ${new Date(CLOCK_MAX).toISOString()}, got ${JSON.stringify(now)}`);
      if (ms !== undefined) engine.clock.set(ms);
      if (factor !== undefined) engine.clock.setFactor(factor);
      return read();
    },
  );
}
