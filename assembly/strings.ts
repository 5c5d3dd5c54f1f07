// JSON string bodies: the scan backend (find the next byte that ends a fast run), escape decoding and
// comparison of a JSON string value against plain bytes. The one SIMD seam of the engine is `nextSpecial`:
// builds with `--enable simd` (Node) take the v128 path, the Fluent Bit build compiles the SWAR path only.

// @ts-ignore: decorator
@inline const QUOTE: u8 = 0x22;
// @ts-ignore: decorator
@inline const BACKSLASH: u8 = 0x5C;
// @ts-ignore: decorator
@inline const ONES: u64 = 0x0101010101010101;
// @ts-ignore: decorator
@inline const HIGHS: u64 = 0x8080808080808080;

/** True for bytes that stop a fast run inside a string: quote, backslash, control (< 0x20), non-ASCII. */
@inline export function isSpecial(c: u32): bool {
  return c == QUOTE || c == BACKSLASH || c < 0x20 || c >= 0x80;
}

/** Position of the first special byte in [p, end), or end. */
@inline export function nextSpecial(p: usize, end: usize): usize {
  if (ASC_FEATURE_SIMD) {
    const q = i8x16.splat(<i8>QUOTE);
    const b = i8x16.splat(<i8>BACKSLASH);
    const s = i8x16.splat(0x20);
    while (p + 16 <= end) {
      const v = v128.load(p);
      // signed "< 0x20" also catches every byte >= 0x80 (negative as i8)
      const m = v128.or(v128.or(i8x16.eq(v, q), i8x16.eq(v, b)), i8x16.lt_s(v, s));
      const bits = i8x16.bitmask(m);
      if (bits != 0) return p + <usize>ctz(bits);
      p += 16;
    }
  } else {
    // two words per bound check
    while (p + 16 <= end) {
      const bits = firstSpecialBits(load<u64>(p));
      if (bits != 0) return p + <usize>(ctz(bits) >> 3);
      const bits2 = firstSpecialBits(load<u64>(p, 8));
      if (bits2 != 0) return p + 8 + <usize>(ctz(bits2) >> 3);
      p += 16;
    }
    if (p + 8 <= end) {
      const bits = firstSpecialBits(load<u64>(p));
      if (bits != 0) return p + <usize>(ctz(bits) >> 3);
      p += 8;
    }
  }
  while (p < end && !isSpecial(<u32>load<u8>(p))) p++;
  return p;
}

/** Position of the first byte in [p, end) that JSON must escape (quote, backslash, control), or end. */
export function nextToEscape(p: usize, end: usize): usize {
  while (p + 8 <= end) {
    const x = load<u64>(p);
    const bits = specialBits(x) & ~(x & HIGHS); // non-ASCII bytes stay as they are
    if (bits != 0) return p + <usize>(ctz(bits) >> 3);
    p += 8;
  }
  if (p >= end) return end;
  // the last 1-7 bytes: one word, its bytes past end masked off, when 8 bytes from p lie inside memory
  if (p + 8 <= (<usize>memory.size() << 16)) {
    const x = load<u64>(p);
    const bits = specialBits(x) & ~(x & HIGHS) & ((<u64>1 << (<u64>(end - p) << 3)) - 1);
    return bits != 0 ? p + <usize>(ctz(bits) >> 3) : end;
  }
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == QUOTE || c == BACKSLASH || c < 0x20) break;
    p++;
  }
  return p;
}

/**
 * The high bit of every special byte of x, exactly (no borrow between bytes, so the lowest one gives the
 * position): quote and backslash where (x ^ c) has a zero byte, controls where the low 7 bits + 0x60 stay
 * below 0x80, non-ASCII where the high bit is set.
 */
@inline function specialBits(x: u64): u64 {
  const lo = x & ~HIGHS;
  const q = lo ^ (ONES * QUOTE);
  const b = lo ^ (ONES * BACKSLASH);
  // ((v & 0x7F) + 0x7F) | v has the high bit set unless v == 0; the same with + 0x60 unless v < 0x20
  const notQuote = q + ~HIGHS;
  const notBackslash = b + ~HIGHS;
  const notControl = lo + ONES * 0x60;
  return ~(notQuote & notBackslash & notControl) & HIGHS | (x & HIGHS);
}

/**
 * Like specialBits, but exact only up to the lowest special byte (what a scan for the first one needs): the
 * sums run on x itself, so a non-ASCII byte may carry into the bytes above it, but every byte below the lowest
 * special one is ASCII and carries nothing. Zero exactly when x holds no special byte. Three fewer operations.
 */
@inline export function firstSpecialBits(x: u64): u64 {
  const notQuote = (x ^ (ONES * QUOTE)) + ~HIGHS;
  const notBackslash = (x ^ (ONES * BACKSLASH)) + ~HIGHS;
  const notControl = x + ONES * 0x60;
  return (~(notQuote & notBackslash & notControl) | x) & HIGHS;
}

@inline function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** The 4 hex digits at p as a code unit, or -1. */
export function hex4(p: usize): i32 {
  let v = 0;
  for (let i: usize = 0; i < 4; i++) {
    const h = hexVal(<u32>load<u8>(p + i));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

@inline function putUtf8(dst: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(dst, <u8>cp);
    return 1;
  }
  if (cp < 0x800) {
    store<u8>(dst, <u8>(0xC0 | (cp >> 6)));
    store<u8>(dst + 1, <u8>(0x80 | (cp & 0x3F)));
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(dst, <u8>(0xE0 | (cp >> 12)));
    store<u8>(dst + 1, <u8>(0x80 | ((cp >> 6) & 0x3F)));
    store<u8>(dst + 2, <u8>(0x80 | (cp & 0x3F)));
    return 3;
  }
  store<u8>(dst, <u8>(0xF0 | (cp >> 18)));
  store<u8>(dst + 1, <u8>(0x80 | ((cp >> 12) & 0x3F)));
  store<u8>(dst + 2, <u8>(0x80 | ((cp >> 6) & 0x3F)));
  store<u8>(dst + 3, <u8>(0x80 | (cp & 0x3F)));
  return 4;
}

/** Position of the first byte c in [p, end), or end (word at a time; reads nothing past end). */
// @ts-ignore: decorator
@inline function nextByte(p: usize, end: usize, c: u8): usize {
  if (ASC_FEATURE_SIMD) {
    const b = i8x16.splat(<i8>c);
    while (p + 16 <= end) {
      const bits = i8x16.bitmask(i8x16.eq(v128.load(p), b));
      if (bits != 0) return p + <usize>ctz(bits);
      p += 16;
    }
  } else {
    while (p + 8 <= end) {
      const x = load<u64>(p) ^ (ONES * <u64>c);
      if ((((x - ONES) & ~x) & HIGHS) != 0) break;
      p += 8;
    }
  }
  while (p < end && load<u8>(p) != c) p++;
  return p;
}

/** Position of the first backslash in [p, end), or end. */
export function nextBackslash(p: usize, end: usize): usize {
  return nextByte(p, end, BACKSLASH);
}

/** Bytes written by the last decodeEscape. */
export let decodedLen: usize = 0;

/**
 * Decodes the escape at p (a backslash) into dst; returns the position after it (decodedLen: bytes written,
 * at most 4, never more than were read). A lone surrogate decodes to U+FFFD; a malformed escape (only in
 * records that are not valid JSON) is copied as its second byte, or as `\u` when its digits are bad.
 */
/** The second escape withSurrogate took (6 bytes), or none (0). */
export let pairedLen: usize = 0;

/**
 * The code point of a `\u` escape with digits cp that ends at p: a high surrogate joined with the `\uDC00`–
 * `\uDFFF` escape at p (pairedLen 6), else U+FFFD for a lone surrogate; any other cp as it is (pairedLen 0).
 */
export function withSurrogate(cp: u32, p: usize, end: usize): u32 {
  pairedLen = 0;
  if (cp >= 0xD800 && cp < 0xDC00) {
    if (p + 6 <= end && load<u8>(p) == BACKSLASH && load<u8>(p + 1) == 0x75) {
      const lo = hex4(p + 2);
      if (lo >= 0xDC00 && lo < 0xE000) {
        pairedLen = 6;
        return 0x10000 + ((cp - 0xD800) << 10) + (<u32>lo - 0xDC00);
      }
    }
    return 0xFFFD;
  }
  return cp >= 0xDC00 && cp < 0xE000 ? 0xFFFD : cp;
}

export function decodeEscape(p: usize, end: usize, dst: usize): usize {
  if (p + 1 >= end) {
    store<u8>(dst, BACKSLASH);
    decodedLen = 1;
    return end;
  }
  const e = <u32>load<u8>(p + 1);
  if (e == 0x75) { // u
    let cp = p + 6 <= end ? hex4(p + 2) : -1;
    if (cp < 0) {
      store<u16>(dst, 0x755C);
      decodedLen = 2;
      return p + 2;
    }
    p += 6;
    const c = withSurrogate(<u32>cp, p, end);
    decodedLen = putUtf8(dst, c);
    return p + pairedLen;
  }
  let out: u32 = e;
  if (e == 0x6E) out = 0x0A; // n
  else if (e == 0x74) out = 0x09; // t
  else if (e == 0x72) out = 0x0D; // r
  else if (e == 0x62) out = 0x08; // b
  else if (e == 0x66) out = 0x0C; // f
  store<u8>(dst, <u8>out);
  decodedLen = 1;
  return p + 2;
}

/**
 * Decodes the body of a validated JSON string [p, end) into dst. Returns the decoded length, or -1 when it
 * would exceed cap (a byte or escape starting at decoded length > cap - 4). Runs without escapes are copied in bulk.
 */
export function decodeString(p: usize, end: usize, dst: usize, cap: usize): isize {
  let n: usize = 0;
  while (p < end) {
    const b = nextBackslash(p, end);
    const run = b - p;
    if (run > 0) {
      if (n + run + 3 > cap) return -1;
      memory.copy(dst + n, p, run);
      n += run;
      if (b >= end) break;
    }
    if (n + 4 > cap) return -1;
    p = decodeEscape(b, end, dst + n);
    n += decodedLen;
  }
  return <isize>n;
}

/** Byte equality of two plain ranges. */
export function bytesEqual(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  while (i + 8 <= n) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
    i += 8;
  }
  if (i >= n) return true;
  // the last 1-7 bytes: one masked word each, when 8 bytes from both lie inside memory
  const top = <usize>memory.size() << 16;
  if (a + i + 8 <= top && b + i + 8 <= top) {
    return ((load<u64>(a + i) ^ load<u64>(b + i)) & ((<u64>1 << (<u64>(n - i) << 3)) - 1)) == 0;
  }
  while (i < n) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    i++;
  }
  return true;
}

// Scratch for decoding escaped strings before comparing; values longer than this never equal a rule literal.
// @ts-ignore: decorator
@inline export const SCRATCH_CAP: usize = 4096;
export const scratch: usize = heap.alloc(SCRATCH_CAP + 16);

/** A JSON string body [p, p+n) (escapes when esc) equals the plain bytes [t, t+tn). */
export function strEquals(p: usize, n: usize, esc: bool, t: usize, tn: usize): bool {
  if (!esc) return n == tn && bytesEqual(p, t, n);
  if (tn > n) return false; // escapes only shrink when decoded
  const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
  return d == <isize>tn && bytesEqual(scratch, t, tn);
}

/** A JSON string body starts with the plain bytes [t, t+tn). */
export function strStartsWith(p: usize, n: usize, esc: bool, t: usize, tn: usize): bool {
  if (!esc) return n >= tn && bytesEqual(p, t, tn);
  const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
  return d >= <isize>tn && bytesEqual(scratch, t, tn);
}

/** Position of the next '\n' in [p, end), or end (record framing; same SIMD seam as nextSpecial). */
export function nextNewline(p: usize, end: usize): usize {
  return nextByte(p, end, 0x0A);
}

/** The number of '\n' bytes in [p, end) (records passed in bulk are counted by their newlines). */
export function countNewlines(p: usize, end: usize): u32 {
  let n: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const nl = i8x16.splat(0x0A);
    while (p + 16 <= end) {
      n += popcnt(<u32>i8x16.bitmask(i8x16.eq(v128.load(p), nl)));
      p += 16;
    }
  } else {
    while (p + 8 <= end) {
      n += <u32>popcnt(newlineBits(load<u64>(p)));
      p += 8;
    }
  }
  while (p < end) {
    if (load<u8>(p) == 0x0A) n++;
    p++;
  }
  return n;
}

/** The high bit of each byte of x that is '\n' (exact: no borrow between bytes). */
@inline function newlineBits(x: u64): u64 {
  const t = x ^ (ONES * 0x0A);
  return ~(((t & ~HIGHS) + ~HIGHS) | t | ~HIGHS);
}

/** The position after the last '\n' in [lo, p), or lo. */
export function lineStart(lo: usize, p: usize): usize {
  while (p >= lo + 8) {
    const nl = newlineBits(load<u64>(p - 8));
    if (nl != 0) return p - 8 + <usize>((63 - <i32>clz(nl)) >> 3) + 1;
    p -= 8;
  }
  while (p > lo && load<u8>(p - 1) != 0x0A) p--;
  return p;
}
