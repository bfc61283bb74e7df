/** The idempotency ledger stays bounded: a soak of CSI CreateVolume calls, each with its own token. */
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TOKENS_KEPT, IdempotencyLedger } from '../../core/idempotency.js';

const create = (pv: string) => ({ AvailabilityZone: 'us-east-1a', Size: 10, Tags: { CSIVolumeName: pv } });

describe('idempotency ledger', () => {
  it('replays a retried token and refuses it with other parameters, however many tokens came since (up to its bound)', () => {
    const l = new IdempotencyLedger(3);
    l.remember('CreateVolume', 'tok-a', create('pv-a'), 'vol-a');
    l.remember('CreateVolume', 'tok-b', create('pv-b'), 'vol-b');
    expect(l.check('CreateVolume', 'tok-a', create('pv-a'))).toEqual({ kind: 'replay', resultId: 'vol-a' });
    expect(l.check('CreateVolume', 'tok-a', { ...create('pv-a'), Size: 20 })).toEqual({ kind: 'mismatch', resultId: 'vol-a' });
    expect(l.check('CopyVolumes', 'tok-a', create('pv-a'))).toEqual({ kind: 'new' });
  });

  it('forgets the oldest tokens past its bound, so a long run keeps its memory flat', () => {
    const l = new IdempotencyLedger(3);
    for (const pv of ['a', 'b', 'c', 'd']) l.remember('CreateVolume', `tok-${pv}`, create(pv), `vol-${pv}`);
    expect(l.size).toBe(3);
    expect(l.check('CreateVolume', 'tok-a', create('a'))).toEqual({ kind: 'new' });
    expect(l.check('CreateVolume', 'tok-b', create('b'))).toEqual({ kind: 'replay', resultId: 'vol-b' });
    // Remembered again, a token is the newest: b outlives c.
    l.remember('CreateVolume', 'tok-b', create('b'), 'vol-b');
    l.remember('CreateVolume', 'tok-e', create('e'), 'vol-e');
    expect(l.check('CreateVolume', 'tok-c', create('c'))).toEqual({ kind: 'new' });
    expect(l.check('CreateVolume', 'tok-b', create('b'))).toEqual({ kind: 'replay', resultId: 'vol-b' });
    // An imported state larger than the bound keeps its newest tokens.
    const big = new IdempotencyLedger(10);
    for (let i = 0; i < 10; i++) big.remember('CreateVolume', `t${i}`, create(`${i}`), `vol-${i}`);
    l.importState(big.exportState());
    expect(l.size).toBe(3);
    expect(l.check('CreateVolume', 't9', create('9')).kind).toBe('replay');
    expect(l.check('CreateVolume', 't6', create('6')).kind).toBe('new');
  });

  it('keeps ten thousand tokens by default', () => {
    const l = new IdempotencyLedger();
    for (let i = 0; i <= IDEMPOTENCY_TOKENS_KEPT; i++) l.remember('CreateVolume', `t${i}`, create(`${i}`), `vol-${i}`);
    expect(l.size).toBe(IDEMPOTENCY_TOKENS_KEPT);
    expect(l.check('CreateVolume', 't0', create('0')).kind).toBe('new');
    expect(l.check('CreateVolume', 't1', create('1')).kind).toBe('replay');
  });
});
