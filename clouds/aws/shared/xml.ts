/** Minimal XML text helpers for the AWS encoders (no DOM: answers are built as strings). */
import type { NormalizedSchema } from './model.js';
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;', '\n': '&#xA;' };

export function xmlEscape(text: string): string {
  return /[&<>"'\r\n]/.test(text) ? text.replace(/[&<>"'\r\n]/g, (c) => ESC[c]!) : text;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

type EncodeValue = (name: string, schema: NormalizedSchema, value: unknown, out: string[]) => void;

/** A map as both AWS XML protocols write it: `<name><entry><key>k</key><value>…</value></entry>…</name>`. */
export function encodeXmlMap(name: string, schema: NormalizedSchema, value: Record<string, unknown>, out: string[], encodeValue: EncodeValue): void {
  const valueSchema = schema.getValueSchema();
  out.push(`<${name}>`);
  for (const [k, v] of Object.entries(value)) {
    out.push(`<entry><key>${xmlEscape(k)}</key>`);
    encodeValue('value', valueSchema, v, out);
    out.push('</entry>');
  }
  out.push(`</${name}>`);
}
