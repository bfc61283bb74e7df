/**
 * Checks GCE applies to every resource body whatever its kind, before any handler runs: label
 * rules, the description limit, quantities that cannot be negative. The messages follow
 * Google's `Invalid value for field '…'` form; a value is never echoed at length.
 */
import type { Json } from './codec.js';
import { invalid } from './problems.js';

export const DESCRIPTION_MAX = 2048;
const LABELS_MAX = 64;
// Lowercase letters (international ones included), digits, `_` and `-`; keys start with a letter.
const LABEL_KEY = /^\p{Ll}[\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const NON_NEGATIVE = ['sizeGb', 'diskSizeGb', 'provisionedIops', 'provisionedThroughput'];

const short = (v: string): string => (v.length > 64 ? `${v.slice(0, 64)}…` : v);

/** `where` is how Google names the body in messages (`resource` for inserts). */
export function checkBody(body: Json, where: string): void {
  const field = (name: string) => (where ? `${where}.${name}` : name);
  const description = body['description'];
  if (typeof description === 'string' && description.length > DESCRIPTION_MAX)
    throw invalid(`Invalid value for field '${field('description')}': '${short(description)}'. Must be at most ${DESCRIPTION_MAX} characters long.`);
  const labels = body['labels'];
  if (labels && typeof labels === 'object' && !Array.isArray(labels)) checkLabels(labels as Json, field('labels'));
  for (const name of NON_NEGATIVE) {
    const v = body[name];
    if ((typeof v === 'string' || typeof v === 'number') && Number(v) < 0)
      throw invalid(`Invalid value for field '${field(name)}': '${String(v)}'. Must be greater than or equal to 0.`);
  }
}

function checkLabels(labels: Json, field: string): void {
  const entries = Object.entries(labels);
  if (entries.length > LABELS_MAX) throw invalid(`Invalid value for field '${field}': ''. Too many labels: at most ${LABELS_MAX} are allowed.`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key))
      throw invalid(
        `Invalid value for field '${field}': ''. Label key '${short(key)}' violates format constraints. The key must start with a lowercase character, can only contain lowercase letters, numeric characters, underscores and dashes. The key can be at most 63 characters long. International characters are allowed.`,
      );
    if (typeof value !== 'string' || !LABEL_VALUE.test(value))
      throw invalid(
        `Invalid value for field '${field}': ''. Label value '${short(String(value))}' violates format constraints. The value can only contain lowercase letters, numeric characters, underscores and dashes. The value can be at most 63 characters long. International characters are allowed.`,
      );
  }
}
