/// <reference types="vite/client" />
/**
 * Seeded, bounded fuzzing of every cloud, the admin API and raw HTTP (harness.ts says what each
 * answer must keep). Each generator gets a fauxcloud of its own, so one cloud's fuzz cannot hide
 * or cause another's failure.
 *
 * A cloud joins by adding ONE module, `test/fuzz/generators/<cloud>.ts`, exporting
 * `generator: FuzzGenerator`: a `name`, a request budget (a few thousand at most: the whole suite
 * stays well under a minute on two busy cores), `next(rng)` drawing one malformed request from
 * the seeded stream, `shape(req, res)` saying what is wrong with an answer in that cloud's wire
 * format, and optionally `fixed` refusals with the real cloud's exact answer, `redos` cases (a
 * plain and a hostile pattern against the same state), `faults` (rules whose 5xx are allowed),
 * `setup` (an async login before anything is sent) and `protocolFault` (SOAP's HTTP-500 faults).
 * This file finds generators by glob; nothing else changes.
 *
 * FUZZ_SEED replays another run (the default seed keeps CI reproducible).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { startFauxcloud } from '../helpers/fauxcloud.js';
import { admin, healthy, leakProblem, RATIO_MAX, redosRatio, run, send, type FuzzGenerator } from './harness.js';

const SEED = process.env['FUZZ_SEED'] ?? 'fauxcloud-fuzz-1';
const modules = import.meta.glob<{ generator: FuzzGenerator }>('./generators/*.ts', { eager: true });

for (const { generator: gen } of Object.values(modules)) {
  describe(`fuzz ${gen.name}`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startFauxcloud();
      await gen.setup?.({ server });
      if (gen.faults?.length) expect((await admin(server, 'PUT', '/faults', gen.faults)).status).toBe(200);
    });
    afterAll(async () => server?.close());

    it(`answers ${gen.requests} seeded malformed requests in its own shape, without a 5xx or a stack`, async () => {
      const stats = await run(server, gen, SEED);
      // One line per run, for the report: how much was sent and what came back.
      console.log(`fuzz ${gen.name}: ${stats.sent} requests, statuses ${JSON.stringify(stats.byStatus)}, injected 5xx ${stats.injected ?? 0}, not emulated ${stats.notEmulated ?? 0}, protocol faults ${stats.protocolFaults ?? 0}`);
      expect(stats.problems).toEqual([]);
      expect(await healthy(server)).toBe(true);
    }, 120_000);

    if (gen.fixed?.length)
      it('refuses what the real cloud refuses, as it does', async () => {
        for (const c of gen.fixed!) {
          const res = await send(server, c.request);
          expect(leakProblem(res), c.why).toBeUndefined();
          try {
            c.check(res);
          } catch (e) {
            throw new Error(`${c.why}: ${(e as Error).message}\n  answer: ${res.status} ${res.text.slice(0, 400)}`);
          }
        }
      }, 60_000);

    if (gen.redos?.length)
      it(`matches caller-supplied patterns in linear time (hostile ≤ ${RATIO_MAX}× plain)`, async () => {
        for (const c of gen.redos!) {
          const r = await redosRatio(server, c, gen.protocolFault?.bind(gen));
          console.log(`fuzz ${gen.name} ReDoS ${c.why}: plain ${r.plainMs.toFixed(1)} ms, hostile ${r.hostileMs.toFixed(1)} ms, ratio ${r.ratio.toFixed(2)}`);
          expect(r.ratio, c.why).toBeLessThan(RATIO_MAX);
          expect(await healthy(server)).toBe(true);
        }
      }, 120_000);
  });
}
