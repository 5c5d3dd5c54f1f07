// The tables the prefilter's search (needles.ts) reads, filled by prefilter.ts from the program: per group its
// byte classes, the needles and their bytes, each needle's anchor, the quoted needles by their first two bytes
// and by length, and the hashed byte triples around anchors and escapes.
//
// Needle table (NEEDLE bytes per needle): len u32 | flags u32 | offset of its bytes u32. The bytes are stored
// padded to 8; beside them (BYTES_CAP further) a mask with 0x20 at the letters of case-insensitive needles.

// @ts-ignore: decorator
@inline export const ONES: u64 = 0x0101010101010101;
// @ts-ignore: decorator
@inline export const HIGHS: u64 = 0x8080808080808080;
// @ts-ignore: decorator
@inline export const MAX_CLASSES: i32 = 4;
/** Bytes after a record that the search may read (not use): input buffers keep this much room. */
// @ts-ignore: decorator
@inline export const SLACK: usize = 32;
// @ts-ignore: decorator
@inline export const MAX_NEEDLES: i32 = 64;
// @ts-ignore: decorator
@inline export const BYTES_CAP: usize = 8192;
// @ts-ignore: decorator
@inline const NEEDLE: usize = 12;
// @ts-ignore: decorator
@inline export const QUOTED: u32 = 1;
// @ts-ignore: decorator
@inline export const CI: u32 = 2;
// @ts-ignore: decorator
@inline export const QUOTE: u32 = 0x22;
// @ts-ignore: decorator
@inline export const BACKSLASH: u32 = 0x5C;
// @ts-ignore: decorator
@inline export const GO_ON: usize = <usize>-1;
// @ts-ignore: decorator
@inline export const MAX_TOKEN: usize = 63; // longest quoted needle

// per group (0, 1): class count, and per class the SWAR constants (mask with high bits, pattern) or the bytes
export const counts: usize = heap.alloc(2 * 4);
export const consts: usize = heap.alloc(2 * MAX_CLASSES * 16);
export const needles: usize = heap.alloc(<usize>MAX_NEEDLES * NEEDLE);
export const needleBytes: usize = heap.alloc(BYTES_CAP * 2 + 16);
export const anchorOff: usize = heap.alloc(2 * <usize>MAX_NEEDLES); // per group and needle: offset of its anchor byte
export const anchorMask: usize = heap.alloc(2 * 256 * 8); // per group and byte: the needles anchored at that byte
// quoted needles by their first two bytes, hashed (PAIR_BITS): both cases of case-insensitive letters; a needle
// of one byte under each byte that may follow it (a quote or a backslash)
// @ts-ignore: decorator
@inline const PAIR_BITS: u32 = 12;
export const tokenByPair: usize = heap.alloc((<usize>1 << PAIR_BITS) * 8);
// quoted needles by length (MAX_TOKEN + 1 masks): a string's first quote or backslash tells which may be there
export const tokenByLength: usize = heap.alloc((MAX_TOKEN + 1) * 8);
export let longestToken: usize = 0;
// per group, a byte per hashed triple of bytes (the byte before, the byte, the byte after; 16 bits of hash), not
// 0 where a flagged byte may begin an escape or hold a needle's anchor: most flagged bytes fail this one look-up
// (a byte, not a bit: the look-up is one load)
// @ts-ignore: decorator
@inline const TRIPLE_BYTES: usize = 65536;
export const triples: usize = heap.alloc(2 * TRIPLE_BYTES);
// @ts-ignore: decorator
@inline const ANY: u32 = 0x100;
export let slashEscapes = false;
// Group 1's SWAR search drops a flagged byte whose next byte has neither bit 6 nor bit 0 set (`:`, `,`, an even
// digit: most closing quotes) when nothing it looks for needs one there: every quoted needle's first byte, the
// byte after every group-1 anchor, and the bytes after a backslash that matter (`u`, `/`) have one of them.
// @ts-ignore: decorator
@inline const NEXT_BITS: u32 = 0x41;
export let nextFilter = true;

// ── tables (filled by prefilter.ts from the program) ────────────────────────────────────────────────────
@inline export function constAt(g: i32, i: i32): usize {
  return consts + ((<usize>g * MAX_CLASSES + <usize>i) << 4);
}

/**
 * Class i of group g; (nextMask, nextPattern): the bytes that may follow one of it where the search must look
 * (the v128 search tests that pair, which flags far fewer bytes; the SWAR search tests the class alone).
 */
export function setClass(g: i32, i: i32, mask: u8, pattern: u8, nextMask: u8, nextPattern: u8): void {
  const c = constAt(g, i);
  if (ASC_FEATURE_SIMD) {
    store<u8>(c, mask);
    store<u8>(c, pattern, 1);
    store<u8>(c, nextMask, 2);
    store<u8>(c, nextPattern, 3);
  } else {
    store<u64>(c, ONES * <u64>mask | HIGHS);
    store<u64>(c, ONES * (<u64>pattern & 0x7F), 8);
  }
}

/**
 * Per group (SWAR build): how many of its first classes are one byte (mask 0), at most 3. The SWAR test of such a
 * class needs no OR: a byte's high bit is forced by the pattern instead (y = x ^ (pattern | 0x80)·ONES), which
 * holds for every ASCII byte; a non-ASCII byte equal to the pattern with its high bit set (in UTF-8 a lead byte,
 * or for a pattern under 0x40 a continuation byte) then borrows from the byte above it in the subtraction, which
 * may flag that byte too — a flagged byte is always looked up, and a byte of the class is flagged whatever it
 * lends.
 */
export const oneByteClasses: usize = heap.alloc(2 * 4);
// @ts-ignore: decorator
@inline export const MAX_ONE_BYTE: u32 = 3;

/** After its classes: group g has n of them (the SWAR build puts its one-byte classes first). */
export function setClasses(g: i32, n: i32): void {
  store<u32>(counts + <usize>g * 4, <u32>n);
  let k: u32 = 0;
  if (!ASC_FEATURE_SIMD) {
    for (let i = 0; i < n && k < MAX_ONE_BYTE; i++) {
      const c = constAt(g, i);
      if (load<u64>(c) != HIGHS) continue;
      if (<u32>i != k) {
        // swap class i with class k (the order of a group's classes is immaterial to the search)
        const a = constAt(g, <i32>k);
        const m = load<u64>(a), t = load<u64>(a, 8);
        memory.copy(a, c, 16);
        store<u64>(c, m);
        store<u64>(c, t, 8);
      }
      k++;
    }
  }
  store<u32>(oneByteClasses + <usize>g * 4, k);
}

export function setNeedle(j: i32, len: usize, flags: u32, offset: usize): void {
  const row = needles + <usize>j * NEEDLE;
  store<u32>(row, <u32>len);
  store<u32>(row, flags, 4);
  store<u32>(row, <u32>offset, 8);
}

export function setSlashEscapes(on: bool): void {
  slashEscapes = on;
}

export function clearAnchors(): void {
  memory.fill(anchorMask, 0, 2 * 256 * 8);
  memory.fill(triples, 0, 2 * TRIPLE_BYTES);
  // an escape that may spell a needle byte: \u, and \/ when a needle holds a slash, after any byte
  for (let g = 0; g < 2; g++) addTriples(g, ANY, ANY, BACKSLASH, 0x75, slashEscapes ? 0x2F : 0x75);
  memory.fill(tokenByPair, 0, (<usize>1 << PAIR_BITS) * 8);
  memory.fill(tokenByLength, 0, (MAX_TOKEN + 1) * 8);
  longestToken = 0;
  nextFilter = true;
}

/** Byte b (both cases when ci and a letter) may follow a flagged byte under group 1's next-byte filter. */
function passesNext(b: u32, ci: bool): bool {
  return (b & NEXT_BITS) != 0 && (!ci || b - 0x61 >= 26 || ((b & ~0x20) & NEXT_BITS) != 0);
}

/** The slot of tokenByPair for the two bytes b0 b1 (read as a little-endian u16). */
@inline export function pairSlot(x: u32): usize {
  return <usize>((x * 0x9E3779B1) >> (32 - PAIR_BITS)) << 3;
}

/** Quoted needle j is found in group 1 after a quote, by its first two bytes. False when it is too long. */
export function setToken(j: i32): bool {
  const len = nLen(j);
  if ((nFlags(j) & QUOTED) == 0 || len > MAX_TOKEN) return false;
  const ci = (nFlags(j) & CI) != 0;
  const c = <u32>load<u8>(nBytes(j));
  if (!passesNext(c, ci)) nextFilter = false;
  const at = tokenByLength + (len << 3);
  store<u64>(at, load<u64>(at) | (<u64>1 << <u64>j));
  if (len > longestToken) longestToken = len;
  if (len == 1) {
    addPair(c, QUOTE, j, ci);
    addPair(c, BACKSLASH, j, ci);
  } else addPair(c, <u32>load<u8>(nBytes(j) + 1), j, ci);
  return true;
}

/** Needle j under the pair (a, b), and under the other cases of case-insensitive letters. */
function addPair(a: u32, b: u32, j: i32, ci: bool): void {
  const bit = <u64>1 << <u64>j;
  for (let k: u32 = 0; k < 4; k++) {
    const x = (k & 1) != 0 ? a & ~0x20 : a;
    const y = (k & 2) != 0 ? b & ~0x20 : b;
    // (the other case of a letter only, and only for case-insensitive needles)
    if (((k & 1) != 0 && (!ci || a - 0x61 >= 26)) || ((k & 2) != 0 && (!ci || b - 0x61 >= 26))) continue;
    const slot = tokenByPair + pairSlot(x | (y << 8));
    store<u64>(slot, load<u64>(slot) | bit);
  }
}

/** Some class of group g holds byte c (the loader checks that every anchor, quote and backslash is covered). */
export function covers(g: i32, c: u32): bool {
  const n = <i32>load<u32>(counts + <usize>g * 4);
  for (let i = 0; i < n; i++) {
    const k = constAt(g, i);
    if (ASC_FEATURE_SIMD) {
      if ((c | <u32>load<u8>(k)) == <u32>load<u8>(k, 1)) return true;
    } else if (((c | <u32>load<u8>(k)) & 0x7F) == <u32>load<u8>(k, 8)) return true;
  }
  return false;
}

/** Group g's classes cover needle j's anchor (both cases of a case-insensitive letter), and so do their next
 * classes the byte after it (v128 build; the SWAR search does not test pairs). */
export function anchorCovered(g: i32, j: i32): bool {
  const at = <usize>load<u8>(anchorOff + <usize>g * MAX_NEEDLES + <usize>j);
  const c = <u32>load<u8>(nBytes(j) + at);
  const ci = (nFlags(j) & CI) != 0;
  if (!covers(g, c) || (ci && c - 0x61 < 26 && !covers(g, c & ~0x20))) return false;
  if (!ASC_FEATURE_SIMD) return true;
  if (at + 1 < nLen(j)) {
    const d = <u32>load<u8>(nBytes(j) + at + 1);
    return nextCovered(g, c, d) && (!ci || d - 0x61 >= 26 || nextCovered(g, c, d & ~0x20));
  }
  return (nFlags(j) & QUOTED) != 0 ? nextCovered(g, c, QUOTE) && nextCovered(g, c, BACKSLASH) : nextCovered(g, c, 0x100);
}

/** Every class of group g holding byte c lets d follow it (d = 0x100: any byte must). v128 build only. */
export function nextCovered(g: i32, c: u32, d: u32): bool {
  if (!ASC_FEATURE_SIMD) return true; // the SWAR search tests single bytes (its constants are laid out apart)
  const n = <i32>load<u32>(counts + <usize>g * 4);
  for (let i = 0; i < n; i++) {
    const k = constAt(g, i);
    if ((c | <u32>load<u8>(k)) != <u32>load<u8>(k, 1)) continue;
    const nm = <u32>load<u8>(k, 2);
    if (d == 0x100 ? nm != 0xFF : (d | nm) != <u32>load<u8>(k, 3)) return false;
  }
  return true;
}



/** Needle j is found in group g through its byte at offset `at` (both cases for a case-insensitive letter). */
export function setAnchor(g: i32, j: i32, at: usize): void {
  store<u8>(anchorOff + <usize>g * MAX_NEEDLES + <usize>j, <u8>at);
  const ci = (nFlags(j) & CI) != 0;
  const quoted = (nFlags(j) & QUOTED) != 0;
  const c = <u32>load<u8>(nBytes(j) + at);
  addAnchor(g, c, j);
  if (ci && c - 0x61 < 26) addAnchor(g, c & ~0x20, j);
  // the bytes around the anchor: the needle's own, or before it a quote (quoted) or anything; after it a quote or
  // a backslash (quoted: "lit" or \"lit\") or anything
  let p0 = quoted ? QUOTE : ANY, p1 = p0, n0 = quoted ? QUOTE : ANY, n1 = quoted ? BACKSLASH : ANY;
  if (at > 0) {
    p0 = <u32>load<u8>(nBytes(j) + at - 1);
    p1 = ci && p0 - 0x61 < 26 ? p0 & ~0x20 : p0;
  }
  if (at + 1 < nLen(j)) {
    n0 = <u32>load<u8>(nBytes(j) + at + 1);
    n1 = ci && n0 - 0x61 < 26 ? n0 & ~0x20 : n0;
  }
  addTriples(g, p0, p1, c, n0, n1);
  if (ci && c - 0x61 < 26) addTriples(g, p0, p1, c & ~0x20, n0, n1);
  if (g == 1 && (at + 1 >= nLen(j) || !passesNext(n0, ci))) nextFilter = false;
}

@inline function tripleSlot(x: u32): usize {
  return <usize>(((x & 0xFFFFFF) * 0x9E3779B1) >> 16); // 16 bits: TRIPLE_BYTES
}

/** (a, c, b) for a in {p0, p1} (or any byte: ANY) and b in {n0, n1} (or any) may hold something in group g. */
function addTriples(g: i32, p0: u32, p1: u32, c: u32, n0: u32, n1: u32): void {
  const t = triples + <usize>g * TRIPLE_BYTES;
  for (let i: u32 = 0; i < (p0 == ANY ? 256 : 2); i++) {
    const a = p0 == ANY ? i : i == 0 ? p0 : p1;
    for (let k: u32 = 0; k < (n0 == ANY ? 256 : 2); k++) {
      const b = n0 == ANY ? k : k == 0 ? n0 : n1;
      store<u8>(t + tripleSlot(a | (c << 8) | (b << 16)), 1);
    }
  }
}

/** The flagged byte at h, with the bytes around it, may begin an escape or hold an anchor of group g. */
@inline export function tripleOk(g: i32, h: usize): bool {
  return load<u8>(triples + <usize>g * TRIPLE_BYTES + tripleSlot(load<u32>(h - 1))) != 0;
}

function addAnchor(g: i32, c: u32, j: i32): void {
  const a = anchorMask + ((<usize>g * 256 + <usize>c) << 3);
  store<u64>(a, load<u64>(a) | (<u64>1 << <u64>j));
}

@inline export function nLen(j: i32): usize {
  return <usize>load<u32>(needles + <usize>j * NEEDLE);
}
@inline export function nFlags(j: i32): u32 {
  return load<u32>(needles + <usize>j * NEEDLE, 4);
}
@inline export function nBytes(j: i32): usize {
  return needleBytes + <usize>load<u32>(needles + <usize>j * NEEDLE, 8);
}

