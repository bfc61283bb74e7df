/**
 * Virtual time: real elapsed time × factor, plus an offset that `advance` moves.
 * Every timestamp fauxcloud emits and every lifecycle delay is measured on this clock, so a test
 * can jump an hour ahead without waiting and a drill can run ten times faster than real time.
 */
export class VirtualClock {
  private anchorReal: number;
  private anchorVirtual: number;
  private rate: number;

  constructor(private readonly realNow: () => number = Date.now, startAt?: number, factor = 1) {
    this.anchorReal = realNow();
    this.anchorVirtual = startAt ?? this.anchorReal;
    this.rate = factor;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.anchorVirtual + (this.realNow() - this.anchorReal) * this.rate;
  }

  get factor(): number {
    return this.rate;
  }

  /** Change the speed without a jump: re-anchor at the current virtual instant first. */
  setFactor(factor: number): void {
    if (!(factor >= 0) || !Number.isFinite(factor)) throw new RangeError('clock factor must be a finite number >= 0');
    this.anchorVirtual = this.now();
    this.anchorReal = this.realNow();
    this.rate = factor;
  }

  /** Jump forward (never backward: resources would un-transition). */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('advance takes a finite number of milliseconds >= 0');
    this.anchorVirtual += ms;
  }

  /**
   * Set virtual now outright (a drill that starts on a given date, or a clock behind real time).
   * Moving it back is allowed: transitions already due stay applied, later ones wait longer.
   */
  set(virtualMs: number): void {
    if (!Number.isFinite(virtualMs)) throw new RangeError('the clock needs a finite time');
    this.anchorVirtual = virtualMs;
    this.anchorReal = this.realNow();
  }

  /** Real milliseconds until the virtual clock reaches `virtualMs` (Infinity when stopped). */
  realDelayUntil(virtualMs: number): number {
    const gap = virtualMs - this.now();
    if (gap <= 0) return 0;
    return this.rate === 0 ? Infinity : gap / this.rate;
  }

  exportState(): { now: number; factor: number } {
    return { now: this.now(), factor: this.rate };
  }

  importState(state: { now: number; factor: number }): void {
    this.anchorReal = this.realNow();
    this.anchorVirtual = state.now;
    this.rate = state.factor;
  }
}
