/**
 * Seeded randomness. One independent stream per name, derived from the run's seed, so that
 * drawing from one stream (say, GCP ids) never shifts another (AWS ids): the same seed and the
 * same requests always give the same ids and the same fault draws.
 */

/** cyrb128: a fast string hash giving four 32-bit words to seed sfc32. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

export type StreamState = [number, number, number, number];

/** sfc32: small, fast, good enough for ids and fault draws (not for cryptography). */
export class RandomStream {
  // Four fields rather than an array: a draw allocates nothing (every request id is eight draws).
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(state: StreamState) {
    [this.a, this.b, this.c, this.d] = state;
  }
  nextUint32(): number {
    let a = this.a >>> 0, b = this.b >>> 0, c = this.c >>> 0, d = this.d >>> 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
  state(): StreamState {
    return [this.a, this.b, this.c, this.d];
  }
}

export class SeededRandom {
  private readonly streams = new Map<string, RandomStream>();
  constructor(private seedText: string) {}

  get seed(): string {
    return this.seedText;
  }

  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RandomStream(hash128(`${this.seedText}\u0000${name}`));
      // Warm up: sfc32 wants a few rounds before its output is well mixed.
      for (let i = 0; i < 12; i++) s.nextUint32();
      this.streams.set(name, s);
    }
    return s;
  }

  /** Start every stream over, optionally from a new seed. */
  reseed(seedText: string = this.seedText): void {
    this.seedText = seedText;
    this.streams.clear();
  }

  exportState(): { seed: string; streams: Record<string, StreamState> } {
    const streams: Record<string, StreamState> = {};
    for (const [name, s] of this.streams) streams[name] = s.state();
    return { seed: this.seedText, streams };
  }

  importState(state: { seed: string; streams: Record<string, StreamState> }): void {
    this.seedText = state.seed;
    this.streams.clear();
    for (const [name, st] of Object.entries(state.streams)) this.streams.set(name, new RandomStream(st));
  }
}
