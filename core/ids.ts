import type { SeededRandom } from './rng.js';

const HEX = '0123456789abcdef';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Cloud-shaped identifiers drawn from the seeded generator. Each cloud asks for its own
 * namespace so clouds never disturb each other's sequences.
 */
export class IdFactory {
  constructor(private readonly random: SeededRandom) {}

  /** `length` characters of `alphabet`. */
  chars(namespace: string, length: number, alphabet: string): string {
    return this.draw(namespace, alphabet, length);
  }

  private draw(namespace: string, alphabet: string, length: number): string {
    const s = this.random.stream(`ids:${namespace}`);
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[s.nextUint32() % alphabet.length];
    return out;
  }

  /** Lower-case hex, e.g. the 17 digits after `vol-`. */
  hex(namespace: string, length: number): string {
    return this.draw(namespace, HEX, length);
  }

  alnum(namespace: string, length: number): string {
    return this.draw(namespace, ALNUM, length);
  }

  digits(namespace: string, length: number): string {
    return this.draw(namespace, '0123456789', length);
  }

  /** An RFC 4122 version-4 shaped UUID (request ids, Azure ids). */
  uuid(namespace: string): string {
    const h = this.hex(namespace, 32).split('');
    h[12] = '4';
    h[16] = HEX[(parseInt(h[16] ?? '0', 16) & 0x3) | 0x8] ?? '8';
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** A prefixed id such as `vol-0123456789abcdef0` (AWS uses 17 hex digits for new ids). */
  prefixed(namespace: string, prefix: string, length = 17): string {
    return `${prefix}-${this.hex(namespace, length)}`;
  }
}
