// Ordered comparison of a field value with a rule constant (EQL <, <=, >, >=, ==, != on numbers and strings):
// JSON numbers, and strings holding numbers as Elasticsearch coerces them; other strings compare bytewise.
// Integers compare exactly as 64-bit values (a `long` field), so 2^53 + 1 is not 2^53; anything else as f64.

import { T_STRING, T_ESC, T_MASK } from "./scan";
import { decodeString, scratch, SCRATCH_CAP } from "./strings";

// relations, as the rule program encodes them in bits 8-15 of an OP_CMP node
export const REL_LT: u32 = 1;
export const REL_LE: u32 = 2;
export const REL_GT: u32 = 3;
export const REL_GE: u32 = 4;
export const REL_EQ: u32 = 5;
export const REL_NE: u32 = 6;

// @ts-ignore: decorator
@inline const MAX_I64_DIGITS: usize = 19;

/** Set by integerOf: the text was an integer that fits in 64 bits. */
let isInt: bool = false;

/** A JSON integer's text (-?digits) as i64; isInt false when it is not one or does not fit. */
function integerOf(p: usize, n: usize): i64 {
  isInt = false;
  let i: usize = 0;
  let neg = false;
  if (n > 0 && load<u8>(p) == 0x2D) {
    neg = true;
    i = 1;
  }
  if (i == n || n - i > MAX_I64_DIGITS) return 0;
  // accumulate negatively: -2^63 fits, 2^63 does not
  let v: i64 = 0;
  for (; i < n; i++) {
    const d = <i64>load<u8>(p + i) - 0x30;
    if (<u64>d > 9) return 0;
    if (v < (I64.MIN_VALUE + d) / 10) return 0;
    v = v * 10 - d;
  }
  if (!neg && v == I64.MIN_VALUE) return 0;
  isInt = true;
  return neg ? v : -v;
}

/** A JSON number's text as f64 (digits, fraction, exponent); NaN when it is not one. */
export function numberOf(p: usize, n: usize): f64 {
  let i: usize = 0;
  let neg = false;
  if (i < n && load<u8>(p) == 0x2D) {
    neg = true;
    i++;
  }
  let v: f64 = 0;
  let digits = 0;
  while (i < n && <u32>load<u8>(p + i) - 0x30 < 10) {
    v = v * 10 + <f64>(load<u8>(p + i) - 0x30);
    i++;
    digits++;
  }
  if (i < n && load<u8>(p + i) == 0x2E) {
    i++;
    let scale: f64 = 0.1;
    while (i < n && <u32>load<u8>(p + i) - 0x30 < 10) {
      v += <f64>(load<u8>(p + i) - 0x30) * scale;
      scale /= 10;
      i++;
      digits++;
    }
  }
  if (digits == 0) return NaN;
  if (i < n && (load<u8>(p + i) | 0x20) == 0x65) {
    i++;
    let eneg = false;
    if (i < n && (load<u8>(p + i) == 0x2D || load<u8>(p + i) == 0x2B)) eneg = load<u8>(p + i++) == 0x2D;
    let e: i32 = 0;
    while (i < n && <u32>load<u8>(p + i) - 0x30 < 10) e = e * 10 + <i32>(load<u8>(p + i++) - 0x30);
    v *= Math.pow(10, eneg ? -e : e);
  }
  if (i != n) return NaN;
  return neg ? -v : v;
}

/** -1, 0 or 1 comparing the value (p, n) with constant (c, cn); 2 when they do not compare. */
export function compareValue(t: u32, p: usize, n: usize, c: usize, cn: usize, number: bool): i32 {
  const base = t & T_MASK;
  if (number) {
    // numbers, and strings holding numbers (Elasticsearch coerces them in numeric fields)
    if (base != 2 && !(base == T_STRING && (t & T_ESC) == 0)) return 2;
    const a = integerOf(p, n);
    if (isInt) {
      const b = integerOf(c, cn);
      if (isInt) return a < b ? -1 : a > b ? 1 : 0;
    }
    const x = numberOf(p, n);
    const y = numberOf(c, cn);
    if (isNaN(x) || isNaN(y)) return 2;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (base != T_STRING) return 2;
  if ((t & T_ESC) != 0) {
    const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
    if (d < 0) return 2;
    p = scratch;
    n = <usize>d;
  }
  const k = n < cn ? n : cn;
  for (let i: usize = 0; i < k; i++) {
    const a = load<u8>(p + i);
    const b = load<u8>(c + i);
    if (a != b) return a < b ? -1 : 1;
  }
  return n == cn ? 0 : n < cn ? -1 : 1;
}

@inline export function relationHolds(rel: u32, cmp: i32): bool {
  if (cmp == 2) return false;
  if (rel == REL_LT) return cmp < 0;
  if (rel == REL_LE) return cmp <= 0;
  if (rel == REL_GT) return cmp > 0;
  if (rel == REL_GE) return cmp >= 0;
  if (rel == REL_EQ) return cmp == 0;
  return cmp != 0;
}

