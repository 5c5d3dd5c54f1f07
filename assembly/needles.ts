// The prefilter's search for its needles (required literals), over the tables of needle-tables.ts. A group's byte
// classes are tested 8 bytes (SWAR, Fluent Bit build) or 16 bytes (v128, Node build) at a time; only the flagged
// bytes are looked up, and (but for quotes) only those whose neighbours may belong to an anchored needle or an
// escape — one look-up of the triple (byte before, byte, byte after) in a hashed table per group, filled from
// the needles and the escapes:
// - an anchor byte: the needles anchored there are compared in place (group 0: every needle of the group;
//   group 1: the needles that are not quoted);
// - a quote (group 1): the quoted needles that begin with the two bytes after it are compared there, each followed
//   by a quote (or by \" — \"lit\" inside a JSON text carried in a string); one followed by `":` is a key and
//   does not count (required literals are values);
// - a backslash: an escape that could spell a needle byte (`\u`, or `\/` when a needle holds '/') stops the
//   search.
// A class is {b : (b | mask) == pattern}: one test covers every byte of it (e.g. x, X, \ and | for mask 0x24).
//
// SWAR test (no borrow between bytes): with every byte's high bit forced on, y = x | (mask | 0x80)·ONES; then
// z = (y ^ (pattern & 0x7F)·ONES) − ONES leaves a byte's high bit clear exactly where its low 7 bits equal the
// pattern's. The high bit is not compared: a flagged byte is always looked up, never trusted. A class of one byte
// (mask 0) skips the OR: z = (x ^ (pattern | 0x80)·ONES) − ONES, exact for ASCII bytes; a non-ASCII byte may then
// borrow from the byte above it, which can only flag that byte too (needle-tables.ts oneByteClasses).

import { someStageHolds } from "./clauses";
import { ONES, HIGHS, QUOTE, BACKSLASH, GO_ON, QUOTED, MAX_NEEDLES, counts, oneByteClasses, constAt, anchorOff, anchorMask, tokenByPair, pairSlot, tokenByLength, longestToken, tripleOk, nLen, nFlags, nBytes, nextFilter, slashEscapes, BYTES_CAP } from "./needle-tables";

// @ts-ignore: decorator
@inline const LOW_NIBBLES: u64 = 0x0F0F0F0F0F0F0F0F;

// ── matching at a flagged byte ─────────────────────────────────────────────────────────────────────────
/** Needle j occurs at s in [lo, end) (quoted ones between quotes, or before an escaped quote: \"lit\"). */
function needleAt(j: i32, s: usize, lo: usize, end: usize): bool {
  const len = nLen(j);
  if (s < lo || s + len > end) return false;
  if ((nFlags(j) & QUOTED) != 0) {
    const after = s + len;
    if (s == lo || after >= end || <u32>load<u8>(s - 1) != QUOTE) return false;
    const c = <u32>load<u8>(after);
    if (c != QUOTE && (c != BACKSLASH || after + 1 >= end || <u32>load<u8>(after + 1) != QUOTE)) return false;
  }
  return bytesMatch(j, s);
}

/** The needle's bytes are at s (8 at a time: reads up to 7 bytes past them; records keep slack). */
function bytesMatch(j: i32, s: usize): bool {
  const len = nLen(j);
  const b = nBytes(j);
  for (let i: usize = 0; i < len; i += 8) {
    let diff = (load<u64>(s + i) | load<u64>(b + BYTES_CAP + i)) ^ load<u64>(b + i);
    if (len - i < 8) diff &= (<u64>1 << (<u64>(len - i) << 3)) - 1;
    if (diff != 0) return false;
  }
  return true;
}

/** Needles found by the last search of group 1 (group 0 stops at the first). */
export let found: u64 = 0;
/** The needle at which the last search of group 0 stopped (a bit), or 0 (an escape, or none). */
export let hit: u64 = 0;
/** The last search stopped at an escape (group 1: `found` is then partial). */
export let stoppedAtEscape = false;

/** A backslash at h begins an escape that could spell a needle byte. */
@inline function escapeAt(h: usize, end: usize): bool {
  if (h + 1 >= end) return false;
  const e = <u32>load<u8>(h + 1);
  return e == 0x75 || (slashEscapes && e == 0x2F);
}

/**
 * The quoted needles among m (those that may begin with the two bytes at s) not found yet that are at s after a
 * quote: followed by a quote that no `:` follows (a key), or by \" (inside a JSON text carried in a string),
 * before end. A needle holds no quote or backslash (JSON spells those escaped), so the first one after s ends
 * the only token that may be there: its length picks the needles. True when some stage holds with them.
 */
function tokensAt(s: usize, m: u64, end: usize): bool {
  m &= ~found;
  if (m == 0) return false;
  if ((m & (m - 1)) == 0) {
    // one needle (most quotes that come this far): its length says where the token must end, so the end is
    // tested there rather than searched for
    const j = <i32>ctz(m);
    const e = s + nLen(j);
    if (e >= end || !valueEnd(e, end) || !bytesMatch(j, s)) return false;
    found |= m;
    return someStageHolds(found);
  }
  const e = tokenEnd(s, end);
  const len = e - s;
  if (len > longestToken || e >= end) return false;
  m &= load<u64>(tokenByLength + (len << 3));
  if (m == 0 || !valueEnd(e, end)) return false;
  let more = false;
  do {
    const j = <i32>ctz(m);
    m &= m - 1;
    if (bytesMatch(j, s)) {
      found |= <u64>1 << <u64>j;
      more = true;
    }
  } while (m != 0);
  return more && someStageHolds(found);
}

/**
 * A string value's token ends at e (< end): a quote that no `:` follows (else a key), or \" before end (in a JSON
 * text carried in a string).
 */
// @ts-ignore: decorator
@inline function valueEnd(e: usize, end: usize): bool {
  const c = <u32>load<u16>(e);
  return (c & 0xFF) == QUOTE ? c >> 8 != 0x3A : c == (BACKSLASH | (QUOTE << 8)) && e + 1 < end;
}

/** The first quote or backslash in [s, s + longestToken] (or a position past that, or end). */
function tokenEnd(s: usize, end: usize): usize {
  const stop = min(end, s + longestToken + 1);
  let p = s;
  while (p < stop) {
    const x = load<u64>(p);
    const bits = ~(z(x, HIGHS, ONES * QUOTE) & z(x, HIGHS, ONES * BACKSLASH)) & HIGHS;
    if (bits != 0) return p + <usize>(ctz(bits) >> 3);
    p += 8;
  }
  return p;
}

/** Group 0, v128 search: looks up the flagged bytes `bits` of the 16 bytes at w; where the search stops, or GO_ON. */
function onWord0(w: usize, bits: u64, lo: usize, end: usize): usize {
  do {
    const h = w + <usize>ctz(bits);
    bits &= bits - 1;
    if (!tripleOk(0, h)) continue;
    const r = onByte0(h, lo, end);
    if (r != GO_ON) return r;
  } while (bits != 0);
  return GO_ON;
}

/**
 * Group 0: a flagged byte at h that passed the triple look-up — an escape, or an anchor of needles compared in
 * place (`hit`: the one found). h when the search stops there, else GO_ON; never a byte from end on.
 */
function onByte0(h: usize, lo: usize, end: usize): usize {
  const c = <usize>load<u8>(h);
  if (c == BACKSLASH) {
    if (!escapeAt(h, end)) return GO_ON;
    stoppedAtEscape = true;
    return h;
  }
  let m = load<u64>(anchorMask + (c << 3));
  while (m != 0) {
    const j = <i32>ctz(m);
    m &= m - 1;
    const s = h - <usize>load<u8>(anchorOff + <usize>j);
    // most flagged bytes are not inside a quoted needle: the byte before it is no quote
    if ((nFlags(j) & QUOTED) != 0 && (s <= lo || <u32>load<u8>(s - 1) != QUOTE)) continue;
    if (needleAt(j, s, lo, end)) {
      hit = <u64>1 << <u64>j;
      return h;
    }
  }
  return GO_ON;
}

/**
 * Group 1: the flagged byte at h — a quote (the quoted needles that may begin after it), an escape, or an anchor
 * (gathered into `found`). The position where the search stops (an escape, or some stage holds), or GO_ON.
 */
// @ts-ignore: decorator
@inline function onByte1(h: usize, lo: usize, end: usize): usize {
  const c = <usize>load<u8>(h);
  if (c == QUOTE) {
    // a quote (opening a string, or closing one: then the bytes after it begin no needle but by chance)
    const m = load<u64>(tokenByPair + pairSlot(<u32>load<u16>(h + 1)));
    return m != 0 && tokensAt(h + 1, m, end) ? h : GO_ON;
  }
  return onOther1(h, c, lo, end);
}

/** Group 1: a flagged byte c at h that is no quote. */
function onOther1(h: usize, c: usize, lo: usize, end: usize): usize {
  if (!tripleOk(1, h)) return GO_ON;
  if (c == BACKSLASH) {
    if (escapeAt(h, end)) {
      stoppedAtEscape = true;
      return h;
    }
    return GO_ON;
  }
  let m = load<u64>(anchorMask + ((256 + c) << 3)) & ~found;
  let more = false;
  while (m != 0) {
    const j = <i32>ctz(m);
    m &= m - 1;
    if (needleAt(j, h - <usize>load<u8>(anchorOff + <usize>MAX_NEEDLES + <usize>j), lo, end)) {
      found |= <u64>1 << <u64>j;
      more = true;
    }
  }
  return more && someStageHolds(found) ? h : GO_ON;
}

/** Group 1, v128 search: the flagged bytes `bits` of the 16 bytes at w. */
function onWord1(w: usize, bits: u64, lo: usize, end: usize): usize {
  do {
    const h = w + <usize>ctz(bits);
    bits &= bits - 1;
    const r = onByte1(h, lo, end);
    if (r != GO_ON) return r;
  } while (bits != 0);
  return GO_ON;
}

/** The flagged bytes of four words' class tests z0..z3 in one mask: bit 8i + k for byte i of word k. */
// @ts-ignore: decorator
@inline function packed(z0: u64, z1: u64, z2: u64, z3: u64): u64 {
  return ~(((z0 & HIGHS) >> 7) | ((z1 & HIGHS) >> 6) | ((z2 & HIGHS) >> 5) | ((z3 & HIGHS) >> 4)) & LOW_NIBBLES;
}

/** Group 0, SWAR search: the flagged bytes f of the words at w (bit 8i + k: byte i of word k), looked up. */
// @ts-ignore: decorator
@inline function onPacked(w: usize, f: u64, lo: usize, end: usize): usize {
  do {
    const k = <usize>ctz(f);
    f &= f - 1;
    const h = w + ((k & 7) << 3) + (k >> 3);
    if (!tripleOk(0, h)) continue;
    const r = onByte0(h, lo, end);
    if (r != GO_ON) return r;
  } while (f != 0);
  return GO_ON;
}

// ── the search ──────────────────────────────────────────────────────────────────────────────────────────
/**
 * search0 — group 0: a position in [p, end) where one of its needles occurs (`hit` says which) or an escape begins, or
 * end; the v128 search returns the first such position, the SWAR search one in the first 32 bytes that hold
 * one. search1 — group 1: gathers the needles of [p, end) into `found` (starting from `seed`) until some stage holds
 * (returns that position: clauses.ts) or an escape (returns its position); else end. stoppedAtEscape tells an
 * escape from the rest. lo bounds how far back a needle may start (group 1: p must be the record's start).
 * Reads up to 31 bytes past end: callers keep that much room after every record (SLACK).
 */
export function search0(lo: usize, p: usize, end: usize): usize {
  stoppedAtEscape = false;
  hit = 0;
  return search<u8>(lo, p, end);
}

/** Group 1 (see search0). */
export function search1(lo: usize, p: usize, end: usize, seed: u64): usize {
  stoppedAtEscape = false;
  found = seed;
  return search<u16>(lo, p, end);
}

/**
 * One loop per group G, class count and (SWAR build) count of one-byte classes, so a test that is not needed
 * costs nothing.
 */
// @ts-ignore: decorator
@inline function search<G>(lo: usize, p: usize, end: usize): usize {
  const g: usize = sizeof<G>() == 1 ? 0 : 4;
  // (class count − 1) · 4 + one-byte classes: one branch table
  switch ((load<u32>(counts + g) - 1) * 4 + (ASC_FEATURE_SIMD ? 0 : load<u32>(oneByteClasses + g))) {
    case 0: return scan<u8, G, u8>(lo, p, end);
    case 1: return scan<u8, G, u16>(lo, p, end);
    case 4: return scan<u16, G, u8>(lo, p, end);
    case 5: return scan<u16, G, u16>(lo, p, end);
    case 6: return scan<u16, G, u32>(lo, p, end);
    case 8: return scan<u32, G, u8>(lo, p, end);
    case 9: return scan<u32, G, u16>(lo, p, end);
    case 10: return scan<u32, G, u32>(lo, p, end);
    case 11: return scan<u32, G, u64>(lo, p, end);
    case 12: return scan<u64, G, u8>(lo, p, end);
    case 13: return scan<u64, G, u16>(lo, p, end);
    case 14: return scan<u64, G, u32>(lo, p, end);
    default: return scan<u64, G, u64>(lo, p, end);
  }
}

@inline function z(x: u64, m: u64, t: u64): u64 {
  return ((x | m) ^ t) - ONES;
}

/** How many of the first classes are one byte: E u8 0, u16 1, u32 2, u64 3. */
// @ts-ignore: decorator
@inline function ones<E>(): i32 {
  return sizeof<E>() == 1 ? 0 : sizeof<E>() == 2 ? 1 : sizeof<E>() == 4 ? 2 : 3;
}

/**
 * The class tests of one word, ANDed: a byte's high bit is clear where it is in a class. The first ones<E>()
 * classes are one byte each, their t the pattern with the high bits set (needle-tables.ts oneByteClasses).
 */
// @ts-ignore: decorator
@inline function zw<T, E>(x: u64, m0: u64, t0: u64, m1: u64, t1: u64, m2: u64, t2: u64, m3: u64, t3: u64): u64 {
  let r = ones<E>() >= 1 ? (x ^ t0) - ONES : z(x, m0, t0);
  if (sizeof<T>() >= 2) r &= ones<E>() >= 2 ? (x ^ t1) - ONES : z(x, m1, t1);
  if (sizeof<T>() >= 4) r &= ones<E>() >= 3 ? (x ^ t2) - ONES : z(x, m2, t2);
  if (sizeof<T>() >= 8) r &= z(x, m3, t3);
  return r;
}

/** v128 build: the bytes at q of a class followed by a byte of its next class (the byte after is there: slack). */
// @ts-ignore: decorator
@inline function hitsAt<T>(q: usize, m0: v128, t0: v128, n0: v128, u0: v128, m1: v128, t1: v128, n1: v128, u1: v128, m2: v128, t2: v128, n2: v128, u2: v128, m3: v128, t3: v128, n3: v128, u3: v128): v128 {
  const v = v128.load(q);
  const w = v128.load(q, 1);
  let hit = v128.and(i8x16.eq(v128.or(v, m0), t0), i8x16.eq(v128.or(w, n0), u0));
  if (sizeof<T>() >= 2) hit = v128.or(hit, v128.and(i8x16.eq(v128.or(v, m1), t1), i8x16.eq(v128.or(w, n1), u1)));
  if (sizeof<T>() >= 4) hit = v128.or(hit, v128.and(i8x16.eq(v128.or(v, m2), t2), i8x16.eq(v128.or(w, n2), u2)));
  if (sizeof<T>() >= 8) hit = v128.or(hit, v128.and(i8x16.eq(v128.or(v, m3), t3), i8x16.eq(v128.or(w, n3), u3)));
  return hit;
}

// T carries the class count (u8 1, u16 2, u32 3, u64 4), G the group (u8 0, u16 1), E a first class of one byte
// (u16; SWAR only): folded at compile time
// @ts-ignore: decorator
@inline function scan<T, G, E>(lo: usize, q: usize, end: usize): usize {
  const N: i32 = sizeof<T>() == 1 ? 1 : sizeof<T>() == 2 ? 2 : sizeof<T>() == 4 ? 3 : 4;
  const c = constAt(sizeof<G>() == 1 ? 0 : 1, 0);
  if (ASC_FEATURE_SIMD) {
    const m0 = i8x16.splat(load<i8>(c)), t0 = i8x16.splat(load<i8>(c, 1)), n0 = i8x16.splat(load<i8>(c, 2)), u0 = i8x16.splat(load<i8>(c, 3));
    const m1 = i8x16.splat(load<i8>(c, 16)), t1 = i8x16.splat(load<i8>(c, 17)), n1 = i8x16.splat(load<i8>(c, 18)), u1 = i8x16.splat(load<i8>(c, 19));
    const m2 = i8x16.splat(load<i8>(c, 32)), t2 = i8x16.splat(load<i8>(c, 33)), n2 = i8x16.splat(load<i8>(c, 34)), u2 = i8x16.splat(load<i8>(c, 35));
    const m3 = i8x16.splat(load<i8>(c, 48)), t3 = i8x16.splat(load<i8>(c, 49)), n3 = i8x16.splat(load<i8>(c, 50)), u3 = i8x16.splat(load<i8>(c, 51));
    // 32 bytes per step, one branch for both halves
    while (q + 32 <= end) {
      const h0 = hitsAt<T>(q, m0, t0, n0, u0, m1, t1, n1, u1, m2, t2, n2, u2, m3, t3, n3, u3);
      const h1 = hitsAt<T>(q + 16, m0, t0, n0, u0, m1, t1, n1, u1, m2, t2, n2, u2, m3, t3, n3, u3);
      if (v128.any_true(v128.or(h0, h1))) {
        const bits = <u64>i8x16.bitmask(h0) | (<u64>i8x16.bitmask(h1) << 16);
        const r = sizeof<G>() == 1 ? onWord0(q, bits, lo, end) : onWord1(q, bits, lo, end);
        if (r != GO_ON) return r;
      }
      q += 32;
    }
    while (q < end) {
      const hit = hitsAt<T>(q, m0, t0, n0, u0, m1, t1, n1, u1, m2, t2, n2, u2, m3, t3, n3, u3);
      let bits = <u64>i8x16.bitmask(hit);
      if (bits != 0) {
        if (q + 16 > end) bits &= (<u64>1 << <u64>(end - q)) - 1;
        if (bits != 0) {
          const r = sizeof<G>() == 1 ? onWord0(q, bits, lo, end) : onWord1(q, bits, lo, end);
          if (r != GO_ON) return r;
        }
      }
      q += 16;
    }
    return end;
  } else {
    // (only the constants of the classes tested: a load whose value is unused still runs; a one-byte class has
    // no mask, and its pattern's high bits set)
    const ONE = ones<E>();
    const m0 = ONE >= 1 ? 0 : load<u64>(c), t0 = load<u64>(c, 8) | (ONE >= 1 ? HIGHS : 0);
    const m1 = N >= 2 && ONE < 2 ? load<u64>(c, 16) : 0, t1 = N >= 2 ? load<u64>(c, 24) | (ONE >= 2 ? HIGHS : 0) : 0;
    const m2 = N >= 3 && ONE < 3 ? load<u64>(c, 32) : 0, t2 = N >= 3 ? load<u64>(c, 40) | (ONE >= 3 ? HIGHS : 0) : 0;
    const m3 = N >= 4 ? load<u64>(c, 48) : 0, t3 = N >= 4 ? load<u64>(c, 56) : 0;
    if (sizeof<G>() == 2) {
      // group 1: most words of a record that comes this far hold a quote, so they are taken one at a time and
      // their flagged bytes looked at in place, in order; most closing quotes are dropped by the byte after them
      // (nextFilter). The last word may reach past end (callers keep the slack): a flagged byte there is looked
      // at like any and never reported (tokensAt and needleAt take nothing that does not end before end), so
      // no word pays for masking them
      const pass: u64 = nextFilter ? 0 : HIGHS;
      // (loops test their condition at the bottom: one branch per pass instead of a test and a jump)
      if (q < end) do {
        const y = load<u64>(q, 1); // each byte's next byte (the last word's reach into the slack)
        let bits = ~zw<T, E>(load<u64>(q), m0, t0, m1, t1, m2, t2, m3, t3) & ((y << 1) | (y << 7) | pass) & HIGHS;
        while (bits != 0) {
          const h = q + <usize>(ctz(bits) >> 3);
          bits &= bits - 1;
          if (load<u8>(h) == <u8>QUOTE) {
            // a quote (opening a string, or closing one: then the bytes after it begin no needle but by chance)
            const m = load<u64>(tokenByPair + pairSlot(<u32>load<u16>(h, 1)));
            if (m == 0) continue;
            if (tokensAt(h + 1, m, end)) return h;
          } else {
            const r = onOther1(h, <usize>load<u8>(h), lo, end);
            if (r != GO_ON) return r;
          }
        }
        q += 8;
      } while (q < end);
      return end;
    }
    // group 0: eight words per step: their class tests meet in one branch; then the flagged bytes of the eight
    // are gathered into one mask, bit 8i + k for byte i of word k (so they are not visited in address order)
    const last = end - 64; // (may wrap below 0: only compared once a first pass had q + 64 ≤ end)
    if (q + 64 <= end) do {
      const z0 = zw<T, E>(load<u64>(q), m0, t0, m1, t1, m2, t2, m3, t3), z1 = zw<T, E>(load<u64>(q, 8), m0, t0, m1, t1, m2, t2, m3, t3);
      const z2 = zw<T, E>(load<u64>(q, 16), m0, t0, m1, t1, m2, t2, m3, t3), z3 = zw<T, E>(load<u64>(q, 24), m0, t0, m1, t1, m2, t2, m3, t3);
      const z4 = zw<T, E>(load<u64>(q, 32), m0, t0, m1, t1, m2, t2, m3, t3), z5 = zw<T, E>(load<u64>(q, 40), m0, t0, m1, t1, m2, t2, m3, t3);
      const z6 = zw<T, E>(load<u64>(q, 48), m0, t0, m1, t1, m2, t2, m3, t3), z7 = zw<T, E>(load<u64>(q, 56), m0, t0, m1, t1, m2, t2, m3, t3);
      if ((z0 & z1 & z2 & z3 & z4 & z5 & z6 & z7 & HIGHS) != HIGHS) {
        const f = ~(((z0 & HIGHS) >> 7) | ((z1 & HIGHS) >> 6) | ((z2 & HIGHS) >> 5) | ((z3 & HIGHS) >> 4) |
          ((z4 & HIGHS) >> 3) | ((z5 & HIGHS) >> 2) | ((z6 & HIGHS) >> 1) | (z7 & HIGHS));
        const r = onPacked(q, f, lo, end);
        if (r != GO_ON) return r;
      }
      q += 64;
    } while (q <= last);
    if (q + 32 <= end) {
      const z0 = zw<T, E>(load<u64>(q), m0, t0, m1, t1, m2, t2, m3, t3), z1 = zw<T, E>(load<u64>(q, 8), m0, t0, m1, t1, m2, t2, m3, t3);
      const z2 = zw<T, E>(load<u64>(q, 16), m0, t0, m1, t1, m2, t2, m3, t3), z3 = zw<T, E>(load<u64>(q, 24), m0, t0, m1, t1, m2, t2, m3, t3);
      if ((z0 & z1 & z2 & z3 & HIGHS) != HIGHS) {
        const r = onPacked(q, packed(z0, z1, z2, z3), lo, end);
        if (r != GO_ON) return r;
      }
      q += 32;
    }
    // the last words; the last may reach past end (callers keep the slack): a flagged byte there is looked up
    // like any, and never reported (no needle or escape fits before end: onByte0)
    if (q < end) do {
      let bits = ~zw<T, E>(load<u64>(q), m0, t0, m1, t1, m2, t2, m3, t3) & HIGHS;
      while (bits != 0) {
        const h = q + <usize>(ctz(bits) >> 3);
        bits &= bits - 1;
        if (!tripleOk(0, h)) continue;
        const r = onByte0(h, lo, end);
        if (r != GO_ON) return r;
      }
      q += 8;
    } while (q < end);
    return end;
  }
}
