/**
 * Date ↔ ISO 8601 text for the hot paths of list answers. V8's `toISOString` and the `Date`
 * string parser cost microseconds each, and a DescribeInstances answer holds several dates per
 * instance: these do the same with integer arithmetic. Exactly `toISOString`'s text (checked
 * against it in test/aws/iso-time.test.ts); anything outside the common range goes to V8.
 */

/** 10000-01-01T00:00:00.000Z: from here on toISOString writes a six-digit signed year. */
const YEAR_10000 = 253402300800000;
const DAY = 86400000;

const two = (n: number): string => (n < 10 ? '0' + n : '' + n);

let lastMs = NaN;
let lastText = '';

/** `date.toISOString()`, fast for 1970–9999 (throws on an invalid date, as toISOString does). */
export function isoString(date: Date): string {
  const ms = date.getTime();
  // An instance's launch time is written three times in a row: once is enough.
  if (ms === lastMs) return lastText;
  if (!(ms >= 0 && ms < YEAR_10000)) return date.toISOString();
  lastMs = ms;
  lastText = format(ms);
  return lastText;
}

function format(ms: number): string {
  // Civil date from days since the epoch (H. Hinnant's algorithm, years from March).
  const days = Math.floor(ms / DAY);
  let rem = ms - days * DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(rem / 3600000);
  rem -= h * 3600000;
  const m = Math.floor(rem / 60000);
  rem -= m * 60000;
  const s = Math.floor(rem / 1000);
  const milli = rem - s * 1000;
  return `${year}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(s)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;
const num = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = digit(s, i);
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
};
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/**
 * `new Date(text)` for the records' own `YYYY-MM-DDTHH:mm:ss.sssZ` (what toISOString wrote),
 * without V8's general date parser; any other text goes to `new Date`.
 */
let lastDateText = '';
let lastDateMs = 0;

export function isoDate(text: string): Date {
  if (text === lastDateText) return new Date(lastDateMs);
  if (text.length === 24 && text[4] === '-' && text[7] === '-' && text[10] === 'T' && text[13] === ':' && text[16] === ':' && text[19] === '.' && text[23] === 'Z') {
    const year = num(text, 0, 4);
    const month = num(text, 5, 7);
    const day = num(text, 8, 10);
    const h = num(text, 11, 13);
    const m = num(text, 14, 16);
    const s = num(text, 17, 19);
    const milli = num(text, 20, 23);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const monthDays = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
    if (year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= monthDays && h <= 23 && m <= 59 && s <= 59 && milli >= 0) {
      // Days from civil (H. Hinnant), the inverse of isoString's arithmetic.
      const y = year - 1970;
      const leapsBefore = Math.floor((year - 1 - 1968) / 4) - Math.floor((year - 1 - 1900) / 100) + Math.floor((year - 1 - 1600) / 400);
      const days = y * 365 + leapsBefore + DAYS_BEFORE_MONTH[month - 1]! + (month > 2 && leap ? 1 : 0) + day - 1;
      lastDateText = text;
      lastDateMs = days * DAY + h * 3600000 + m * 60000 + s * 1000 + milli;
      return new Date(lastDateMs);
    }
  }
  return new Date(text);
}
