/** The map form both AWS XML encoders share. */
import { describe, expect, it } from 'vitest';
import type { NormalizedSchema } from '../../clouds/aws/shared/model.js';
import { encodeXmlMap } from '../../clouds/aws/shared/xml.js';

describe('encodeXmlMap', () => {
  it('writes <entry><key/><value/></entry> per pair, escaping keys and encoding values with the caller’s encoder', () => {
    const valueSchema = {} as NormalizedSchema;
    const schema = { getValueSchema: () => valueSchema } as unknown as NormalizedSchema;
    const out: string[] = [];
    const seen: unknown[] = [];
    encodeXmlMap('Attributes', schema, { 'a&b': 1, c: 'x' }, out, (name, s, v, o) => {
      expect(s).toBe(valueSchema);
      seen.push(v);
      o.push(`<${name}>${String(v)}</${name}>`);
    });
    expect(out.join('')).toBe('<Attributes><entry><key>a&amp;b</key><value>1</value></entry><entry><key>c</key><value>x</value></entry></Attributes>');
    expect(seen).toEqual([1, 'x']);
  });
});
