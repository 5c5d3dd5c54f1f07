// Ordered comparison of a field value with a rule constant (EQL <, <=, >, >=, ==, != on numbers and strings):
// JSON numbers, and strings holding numbers as Elasticsearch coerces them; other strings compare bytewise.

import { T_STRING, T_ESC, T_MASK } from "./scan";
import { decodeString, scratch, SCRATCH_CAP } from "./strings";

// relations, as the rule program encodes them in bits 8-15 of an OP_CMP node
export const REL_LT: u32 = 1;
export const REL_LE: u32 = 2;
export const REL_GT: u32 = 3;
export const REL_GE: u32 = 4;
export const REL_EQ: u32 = 5;
export const REL_NE: u32 = 6;

/** A JSON number's text as f64 (digits, fraction, exponent); NaN when it is not one. */
function numberOf(p: usize, n: usize): f64 {
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
    let x: f64;
    if (base == 2) x = numberOf(p, n);
    else if (base == T_STRING && (t & T_ESC) == 0) x = numberOf(p, n);
    else return 2;
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

