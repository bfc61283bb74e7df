/**
 * Virtual time: real elapsed time × factor, plus an offset that `advance` moves.
 * Every timestamp fauxcloud emits and every lifecycle delay is measured on this clock, so a test
 * can jump an hour ahead without waiting and a drill can run ten times faster than real time.
 */
/** Virtual time stays inside what every date API can print: 1970-01-01 to 9999-12-31. */
export const CLOCK_MIN = 0;
export const CLOCK_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Faster than this and a day of real time would run the clock past year 9999. */
export const FACTOR_MAX = 1_000_000;

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
    const t = this.anchorVirtual + (this.realNow() - this.anchorReal) * this.rate;
    // A fast clock left running for years still prints: it stops at the end of year 9999.
    return t > CLOCK_MAX ? CLOCK_MAX : t < CLOCK_MIN ? CLOCK_MIN : t;
  }

  get factor(): number {
    return this.rate;
  }

  /** Change the speed without a jump: re-anchor at the current virtual instant first. */
  setFactor(factor: number): void {
    if (!(factor >= 0) || !(factor <= FACTOR_MAX)) throw new RangeError(`clock factor must be a number from 0 to ${FACTOR_MAX}`);
    this.anchorVirtual = this.now();
    this.anchorReal = this.realNow();
    this.rate = factor;
  }

  /** Jump forward (never backward: resources would un-transition). */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('advance takes a finite number of milliseconds >= 0');
    if (this.now() + ms > CLOCK_MAX) throw new RangeError(`advancing by ${ms} ms would move the clock past ${new Date(CLOCK_MAX).toISOString()}`);
    this.anchorVirtual = this.now() + ms;
    this.anchorReal = this.realNow();
  }

  /**
   * Set virtual now outright (a drill that starts on a given date, or a clock behind real time).
   * Moving it back is allowed: transitions already due stay applied, later ones wait longer.
   */
  set(virtualMs: number): void {
    if (!(virtualMs >= CLOCK_MIN && virtualMs <= CLOCK_MAX))
      throw new RangeError(`the clock takes a time from ${new Date(CLOCK_MIN).toISOString()} to ${new Date(CLOCK_MAX).toISOString()} (epoch ms ${CLOCK_MIN} to ${CLOCK_MAX})`);
    this.anchorVirtual = virtualMs;
    this.anchorReal = this.realNow();
  }

  /**
   * Back to real time at factor 1 if anything ever left the clock unusable (a full reset calls
   * this; the setters refuse such values, so it is a last line of defence). True if it repaired.
   */
  repair(): boolean {
    const t = this.anchorVirtual + (this.realNow() - this.anchorReal) * this.rate;
    if (Number.isFinite(t) && t >= CLOCK_MIN && t <= CLOCK_MAX && this.rate >= 0 && this.rate <= FACTOR_MAX) return false;
    this.anchorReal = this.realNow();
    this.anchorVirtual = this.anchorReal;
    this.rate = 1;
    return true;
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
    if (!(state.now >= CLOCK_MIN && state.now <= CLOCK_MAX) || !(state.factor >= 0 && state.factor <= FACTOR_MAX)) throw new RangeError('the state holds a clock out of range');
    this.anchorReal = this.realNow();
    this.anchorVirtual = state.now;
    this.rate = state.factor;
  }
}
