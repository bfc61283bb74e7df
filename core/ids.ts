import { customRandom } from 'nanoid';
import type { SeededRandom } from './rng.js';

const HEX = '0123456789abcdef';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Cloud-shaped identifiers drawn from the seeded generator. Each cloud asks for its own
 * namespace so clouds never disturb each other's sequences. The characters come from nanoid's
 * `customRandom` (unbiased: bytes past the alphabet's last whole multiple are skipped) fed
 * with bytes of the namespace's seeded stream, so a seed still gives the same ids.
 */
export class IdFactory {
  private readonly generators = new Map<string, (size?: number) => string>();
  private readonly streamNames = new Map<string, string>();

  constructor(private readonly random: SeededRandom) {}

  /** `length` characters of `alphabet`. */
  chars(namespace: string, length: number, alphabet: string): string {
    return this.draw(namespace, alphabet, length);
  }

  private draw(namespace: string, alphabet: string, length: number): string {
    const key = `${namespace}\0${alphabet}\0${length}`;
    let generate = this.generators.get(key);
    if (!generate) {
      // The stream is looked up at each draw: a reseed (reset, scenario load) replaces it.
      generate = customRandom(alphabet, length, (bytes) => this.bytes(namespace, bytes));
      this.generators.set(key, generate);
    }
    return generate(length);
  }

  /** `count` bytes of the namespace's stream, four to a draw. */
  private bytes(namespace: string, count: number): Uint8Array {
    const s = this.random.stream(this.streamName(namespace));
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i += 4) {
      const word = s.nextUint32();
      for (let j = 0; j < 4 && i + j < count; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** The stream's name, made once per namespace (a string made anew is hashed anew at each lookup). */
  private streamName(namespace: string): string {
    let name = this.streamNames.get(namespace);
    if (name === undefined) this.streamNames.set(namespace, (name = `ids:${namespace}`));
    return name;
  }

  /**
   * Lower-case hex, e.g. the 17 digits after `vol-`. What nanoid's customRandom makes of the
   * stream's bytes for a 16-letter alphabet (every byte is used: its low four bits, last byte
   * first), without its closure and key per call: every request id is 32 of them.
   */
  hex(namespace: string, length: number): string {
    if (!Number.isInteger(length) || length <= 0) return this.draw(namespace, HEX, length);
    const bytes = this.bytes(namespace, length);
    let id = '';
    for (let i = length - 1; i >= 0; i--) id += HEX[bytes[i]! & 15];
    return id;
  }

  alnum(namespace: string, length: number): string {
    return this.draw(namespace, ALNUM, length);
  }

  digits(namespace: string, length: number): string {
    return this.draw(namespace, '0123456789', length);
  }

  /** An RFC 4122 version-4 shaped UUID (request ids, Azure ids). */
  uuid(namespace: string): string {
    const h = this.hex(namespace, 32);
    const variant = HEX[(parseInt(h[16] ?? '0', 16) & 0x3) | 0x8] ?? '8';
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
  }

  /** A prefixed id such as `vol-0123456789abcdef0` (AWS uses 17 hex digits for new ids). */
  prefixed(namespace: string, prefix: string, length = 17): string {
    return `${prefix}-${this.hex(namespace, length)}`;
  }
}
