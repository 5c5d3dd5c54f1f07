// EQL string functions over plain UTF-8 bytes: prefix / suffix / substring tests (ASCII case folding for the `~`
// variants), and the "first doc value" view Elasticsearch's scripts see for a field (length(), substring(),
// functions of two fields): a string as itself, a number as its text, an array as its smallest such element
// (keyword doc values are sorted bytewise), anything else null. Fixed buffers, no allocation per record.

import { T_STRING, T_NUMBER, T_ARRAY, T_ESC, T_MASK } from "./scan";
import { decodeString, bytesEqual } from "./strings";
import { elementsBegin, elementsNext, elOff, elLen, elType } from "./elements";

// @ts-ignore: decorator
@inline export const VIEW_CAP: usize = 4096;
/** Two views (a function of two fields) and a candidate buffer for the smallest array element. */
export const viewA: usize = heap.alloc(VIEW_CAP + 16);
export const viewB: usize = heap.alloc(VIEW_CAP + 16);
const candidate: usize = heap.alloc(VIEW_CAP + 16);

@inline function lower(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

@inline function sameBytes(a: usize, b: usize, n: usize, insensitive: bool): bool {
  if (!insensitive) return bytesEqual(a, b, n);
  for (let i: usize = 0; i < n; i++) if (lower(<u32>load<u8>(a + i)) != lower(<u32>load<u8>(b + i))) return false;
  return true;
}

export function startsWithBytes(s: usize, n: usize, t: usize, tn: usize, insensitive: bool): bool {
  return n >= tn && sameBytes(s, t, tn, insensitive);
}

export function endsWithBytes(s: usize, n: usize, t: usize, tn: usize, insensitive: bool): bool {
  return n >= tn && sameBytes(s + n - tn, t, tn, insensitive);
}

/** t occurs in s (the empty string always does). Bounded: at most (n - tn + 1) × tn byte compares. */
export function containsBytes(s: usize, n: usize, t: usize, tn: usize, insensitive: bool): bool {
  if (tn == 0) return true;
  if (n < tn) return false;
  const first = <u32>load<u8>(t);
  const firstLower = lower(first);
  const last = n - tn;
  for (let i: usize = 0; i <= last; i++) {
    const c = <u32>load<u8>(s + i);
    if (insensitive ? lower(c) != firstLower : c != first) continue;
    if (sameBytes(s + i, t, tn, insensitive)) return true;
  }
  return false;
}

/** Bytewise order of two plain ranges: negative, 0, positive. */
function order(a: usize, an: usize, b: usize, bn: usize): i32 {
  const k = an < bn ? an : bn;
  for (let i: usize = 0; i < k; i++) {
    const x = <i32>load<u8>(a + i);
    const y = <i32>load<u8>(b + i);
    if (x != y) return x - y;
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** One value (string body or number text) as plain bytes in dst; -1 when it is neither or too long. */
function plain(t: u32, p: usize, n: usize, dst: usize): isize {
  const base = t & T_MASK;
  if (base == T_NUMBER) {
    if (n > VIEW_CAP) return -1;
    memory.copy(dst, p, n);
    return <isize>n;
  }
  if (base != T_STRING) return -1;
  if ((t & T_ESC) != 0) return decodeString(p, p + n, dst, VIEW_CAP);
  if (n > VIEW_CAP) return -1;
  memory.copy(dst, p, n);
  return <isize>n;
}

/**
 * The field value (t, p, n) as Elasticsearch's scripts read it, into dst: its length, or -1 for null (absent,
 * null, [], no string or number element, or longer than VIEW_CAP).
 */
export function scalarView(t: u32, p: usize, n: usize, dst: usize): isize {
  if ((t & T_MASK) != T_ARRAY) return plain(t, p, n, dst);
  let best: isize = -1;
  elementsBegin(p, n);
  while (elementsNext()) {
    const m = plain(elType, elOff, elLen, candidate);
    if (m < 0) continue;
    if (best < 0 || order(candidate, <usize>m, dst, <usize>best) < 0) {
      memory.copy(dst, candidate, <usize>m);
      best = m;
    }
  }
  return best;
}

/** Length in UTF-16 code units (Java's String.length()): 2 for a 4-byte sequence, 1 for any other character. */
export function utf16Length(p: usize, n: usize): i64 {
  let units: i64 = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

/** Byte offset of UTF-16 unit u in [p, p+n), or -1 when u falls inside a 4-byte sequence (a lone surrogate). */
function unitOffset(p: usize, n: usize, u: i64): isize {
  let units: i64 = 0;
  let i: usize = 0;
  while (i < n && units < u) {
    const c = <u32>load<u8>(p + i);
    const len: usize = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    units += len == 4 ? 2 : 1;
    i += len;
  }
  return units == u ? <isize>i : -1;
}

export let sliceOff: usize = 0;
export let sliceLen: usize = 0;

/**
 * EQL substring(s, start, end) on the view (p, n): negative positions count from the end, out-of-range positions
 * clamp, start ≥ end is "". Sets sliceOff/sliceLen; false when the slice would split a surrogate pair.
 */
export function substringOf(p: usize, n: usize, start: i32, end: i32, hasEnd: bool): bool {
  const length = utf16Length(p, n);
  let s: i64 = <i64>start;
  let e: i64 = hasEnd ? <i64>end : length;
  if (s < 0) s += length;
  if (s < 0) s = 0;
  if (e < 0) e += length;
  if (e < 0) e = 0;
  else if (e > length) e = length;
  if (s >= e) {
    sliceOff = p;
    sliceLen = 0;
    return true;
  }
  const a = unitOffset(p, n, s);
  const b = unitOffset(p, n, e);
  if (a < 0 || b < 0) return false;
  sliceOff = p + <usize>a;
  sliceLen = <usize>(b - a);
  return true;
}
