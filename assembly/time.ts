// Event time, as Elasticsearch's default date parser reads a date field (strict_date_optional_time ||
// epoch_millis): RFC 3339 date-times with any fraction (kept to the nanosecond) and any offset, a date-time
// without an offset (UTC), a bare date, epoch milliseconds as a JSON number or as a string. Integer nanoseconds
// since the epoch.

import { T_STRING, T_NUMBER, T_ESC, T_MASK } from "./scan";
import { decodeString, scratch, SCRATCH_CAP } from "./strings";

export let timeOk: bool = false;

/** Type flag (beside scan.ts's) of a JSON integer that a shape reads as epoch nanoseconds (assembly/derive.ts). */
export const T_EPOCH_NS: u32 = 0x20;

// @ts-ignore: decorator
@inline const NS_PER_SEC: i64 = 1_000_000_000;
// @ts-ignore: decorator
@inline const MIN_YEAR: i32 = 1678; // i64 nanoseconds span 1677-09-21 … 2262-04-11
// @ts-ignore: decorator
@inline const MAX_YEAR: i32 = 2261;

@inline function digit(p: usize, i: usize): i32 {
  const d = <i32>load<u8>(p + i) - 0x30;
  return d >= 0 && d <= 9 ? d : -1000000;
}

@inline function two(p: usize, i: usize): i32 {
  return digit(p, i) * 10 + digit(p, i + 1);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

function daysInMonth(y: i32, m: i32): i32 {
  if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

/**
 * Parses [p, p+n) as Elasticsearch's default date parser reads a date string (strict_date_optional_time), with
 * RFC 3339's spellings too: a year (yyyy), a month (yyyy-MM), a date, or a date-time — `T`, `t` or a space, then
 * HH, HH:mm, HH:mm:ss, any fraction after `.` or `,` — with an optional offset (Z, ±HH, ±HH:mm, ±HHmm); no offset
 * means UTC. A string of digits of any other length than 4 is epoch milliseconds (epoch_millis).
 */
export function parseDateString(p: usize, n: usize): i64 {
  timeOk = false;
  if (n == 0) return 0;
  if (n != 4 && isEpochMillis(p, n)) return parseEpochMillis(p, n);
  if (n < 4) return 0;
  const y = digit(p, 0) * 1000 + digit(p, 1) * 100 + two(p, 2);
  if (y < MIN_YEAR || y > MAX_YEAR) return 0;
  let mo = 1;
  let d = 1;
  if (n > 4) {
    if (n < 7 || load<u8>(p + 4) != 0x2D) return 0;
    mo = two(p, 5);
    if (mo < 1 || mo > 12) return 0;
    if (n > 7) {
      if (n < 10 || load<u8>(p + 7) != 0x2D) return 0;
      d = two(p, 8);
      if (d < 1 || d > daysInMonth(y, mo)) return 0;
    }
  }
  let secs: i64 = daysFromCivil(y, mo, d) * 86400;
  let frac: i64 = 0;
  let i: usize = n < 10 ? n : 10;
  if (i < n) {
    const sep = <u32>load<u8>(p + i);
    if (sep != 0x54 && sep != 0x74 && sep != 0x20) return 0;
    i++;
    if (i + 2 > n) return 0;
    const hh = two(p, i);
    if (hh < 0 || hh > 23) return 0;
    i += 2;
    let mm = 0;
    let ss = 0;
    if (i < n && load<u8>(p + i) == 0x3A) {
      if (i + 3 > n) return 0;
      mm = two(p, i + 1);
      if (mm < 0 || mm > 59) return 0;
      i += 3;
      if (i < n && load<u8>(p + i) == 0x3A) {
        if (i + 3 > n) return 0;
        ss = two(p, i + 1);
        if (ss < 0 || ss > 59) return 0;
        i += 3;
        if (i < n && (load<u8>(p + i) == 0x2E || load<u8>(p + i) == 0x2C)) {
          i++;
          let digits = 0;
          while (i < n) {
            const dg = digit(p, i);
            if (dg < 0) break;
            if (digits < 9) frac = frac * 10 + <i64>dg;
            digits++;
            i++;
          }
          if (digits == 0) return 0;
          while (digits < 9) {
            frac *= 10;
            digits++;
          }
        }
      }
    }
    secs += <i64>(hh * 3600 + mm * 60 + ss);
    if (i < n) {
      // the offset (none: UTC)
      const z = <u32>load<u8>(p + i);
      if (z == 0x5A || z == 0x7A) i++;
      else if (z == 0x2B || z == 0x2D) {
        if (i + 3 > n) return 0;
        const oh = two(p, i + 1);
        let om = 0;
        let j = i + 3;
        if (j < n) {
          if (load<u8>(p + j) == 0x3A) j++;
          if (j + 2 > n) return 0;
          om = two(p, j);
          j += 2;
        }
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return 0;
        const off = <i64>(oh * 3600 + om * 60);
        secs += z == 0x2B ? -off : off;
        i = j;
      } else return 0;
    }
  }
  if (i != n) return 0;
  timeOk = true;
  return secs * NS_PER_SEC + frac;
}

/** An optional minus, digits, and an optional fraction: epoch milliseconds written as a string. */
function isEpochMillis(p: usize, n: usize): bool {
  let i: usize = load<u8>(p) == 0x2D ? 1 : 0;
  const first = i;
  while (i < n && digit(p, i) >= 0) i++;
  if (i == first) return false;
  if (i < n && load<u8>(p + i) == 0x2E) {
    i++;
    const f = i;
    while (i < n && digit(p, i) >= 0) i++;
    if (i == f) return false;
  }
  return i == n;
}

/** Epoch milliseconds written as a JSON number or a string (integer or with a fraction). */
function parseEpochMillis(p: usize, n: usize): i64 {
  timeOk = false;
  let i: usize = 0;
  let neg = false;
  if (n > 0 && load<u8>(p) == 0x2D) {
    neg = true;
    i = 1;
  }
  let ms: i64 = 0;
  let digits = 0;
  while (i < n) {
    const dg = digit(p, i);
    if (dg < 0) break;
    ms = ms * 10 + <i64>dg;
    if (++digits > 13) return 0;
    i++;
  }
  if (digits == 0) return 0;
  let sub: i64 = 0;
  if (i < n && load<u8>(p + i) == 0x2E) {
    i++;
    let scale: i64 = 100000;
    while (i < n) {
      const dg = digit(p, i);
      if (dg < 0) break;
      sub += <i64>dg * scale;
      scale /= 10;
      i++;
    }
  }
  if (i != n) return 0; // exponents are not an event time
  timeOk = true;
  const ns = ms * 1_000_000 + sub;
  return neg ? -ns : ns;
}

/** Epoch nanoseconds written as a JSON integer (Tracee's timestamp, beyond 2^53): exact as i64. */
function parseEpochNanos(p: usize, n: usize): i64 {
  timeOk = false;
  let i: usize = n > 0 && load<u8>(p) == 0x2D ? 1 : 0;
  if (i == n || n - i > 19) return 0;
  let ns: i64 = 0;
  for (; i < n; i++) {
    const dg = digit(p, i);
    if (dg < 0 || ns > (I64.MAX_VALUE - <i64>dg) / 10) return 0;
    ns = ns * 10 + <i64>dg;
  }
  timeOk = true;
  return load<u8>(p) == 0x2D ? -ns : ns;
}

/** Event time of a value (type bits as in scan.ts). Sets timeOk. */
export function parseTime(t: u32, p: usize, n: usize): i64 {
  const base = t & T_MASK;
  if (base == T_NUMBER) return (t & T_EPOCH_NS) != 0 ? parseEpochNanos(p, n) : parseEpochMillis(p, n);
  if (base != T_STRING) {
    timeOk = false;
    return 0;
  }
  if ((t & T_ESC) != 0) {
    const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
    if (d < 0) {
      timeOk = false;
      return 0;
    }
    return parseDateString(scratch, <usize>d);
  }
  return parseDateString(p, n);
}
