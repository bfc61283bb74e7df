/** The lifecycle engine on its own: timed transitions apply in virtual-time order, manual ones by reads. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.js';
import { parseMode } from '../../core/lifecycle.js';

function engineAt(start = 1_000_000) {
  let real = start;
  const engine = new Engine({ seed: 't', now: () => real });
  return { engine, tick: (ms: number) => (real += ms) };
}

describe('lifecycle engine', () => {
  it('applies due transitions in clock order, with side effects at the due instant', () => {
    const { engine, tick } = engineAt();
    const seen: Array<[string, string, number]> = [];
    engine.lifecycle.define({ type: 'x.job', auto: { queued: 'running', running: 'done' }, onEnter: (e) => seen.push([e.record.id, e.to, e.at]) });
    engine.lifecycle.setConfig({ 'x.job': { queued: { kind: 'delay', ms: 100, jitter: 0 }, running: { kind: 'delay', ms: 50, jitter: 0 } } });
    const t = engine.store.tenant('x', 'one');
    const jobs = t.collection('x.job');
    const a = jobs.insert({ id: 'a', data: {} });
    engine.lifecycle.enter(t, a, 'queued');
    tick(20);
    const b = jobs.insert({ id: 'b', data: {} });
    engine.lifecycle.enter(t, b, 'queued');
    tick(1000);
    engine.lifecycle.settle();
    expect(seen.map(([id, to, at]) => `${id}:${to}@${at - 1_000_000}`)).toEqual(['a:queued@0', 'b:queued@20', 'a:running@100', 'b:running@120', 'a:done@150', 'b:done@170']);
  });

  it('ignores stale queue entries when a resource moved on by other means', () => {
    const { engine, tick } = engineAt();
    engine.lifecycle.define({ type: 'x.vol', auto: { attaching: 'attached', detaching: 'detached' } });
    engine.lifecycle.setConfig({ 'x.vol': { attaching: { kind: 'delay', ms: 100, jitter: 0 }, detaching: { kind: 'delay', ms: 500, jitter: 0 } } });
    const t = engine.store.tenant('x', 'one');
    const v = t.collection('x.vol').insert({ id: 'v', data: {} });
    engine.lifecycle.enter(t, v, 'attaching');
    tick(10);
    engine.lifecycle.enter(t, v, 'detaching');
    tick(200);
    engine.lifecycle.settle();
    expect(v.lc?.state).toBe('detaching');
    tick(400);
    engine.lifecycle.settle();
    expect(v.lc?.state).toBe('detached');
  });

  it('draws jitter from the seeded stream: same seed, same delays', () => {
    const due = (seed: string) => {
      const engine = new Engine({ seed, now: () => 0 });
      engine.lifecycle.define({ type: 'x.j', auto: { a: 'b' } });
      engine.lifecycle.setConfig({ 'x.j': { a: { kind: 'delay', ms: 1000, jitter: 1000 } } });
      const t = engine.store.tenant('x', '1');
      return [1, 2, 3].map((i) => {
        const r = t.collection('x.j').insert({ id: `r${i}`, data: {} });
        engine.lifecycle.enter(t, r, 'a');
        return r.lc!.dueAt!;
      });
    };
    expect(due('s1')).toEqual(due('s1'));
    expect(due('s1')).not.toEqual(due('s2'));
    for (const d of due('s1')) expect(d).toBeGreaterThanOrEqual(1000);
  });

  it('parses the scenario spelling of modes and rejects nonsense', () => {
    expect(parseMode('instant', 'x')).toEqual({ kind: 'instant' });
    expect(parseMode({ delay: { ms: 5 } }, 'x')).toEqual({ kind: 'delay', ms: 5, jitter: 0 });
    expect(parseMode({ manual: { afterReads: 2 } }, 'x')).toEqual({ kind: 'manual', afterReads: 2 });
    expect(() => parseMode({ delay: { ms: -1 } }, 'x')).toThrow(/delay needs ms/);
    expect(() => parseMode({ manual: { afterReads: 1.5 } }, 'x')).toThrow(/whole number/);
    expect(() => parseMode('slow', 'x')).toThrow(/expected instant/);
  });
});
