/** Minimal XML text helpers for the AWS encoders (no DOM: answers are built as strings). */
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;', '\n': '&#xA;' };

export function xmlEscape(text: string): string {
  return /[&<>"'\r\n]/.test(text) ? text.replace(/[&<>"'\r\n]/g, (c) => ESC[c]!) : text;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
