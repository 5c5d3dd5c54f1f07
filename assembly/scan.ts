// One validating pass over a record: checks that it is one JSON object of valid UTF-8 (RFC 8259, depth ≤ 128)
// and records, for every wanted path, where its value is (a slot). Nothing is copied or allocated.
//
// Slot table (one row per path):  off u32 | len u32 | type u32
//   strings: off/len span the body between the quotes, type has T_ESC when the body holds a backslash;
//   other values: off/len span the value's bytes.

import { nextSpecial, firstSpecialBits, hex4 } from "./strings";
import { programAlloc } from "./alloc";
import { walkKey, walkShortKey, walkKey16, mayStartWith, hasChildren, leafPath, leafPath2, NO_NODE, ROOT } from "./paths";

export const T_NONE: u32 = 0;
export const T_STRING: u32 = 1;
export const T_NUMBER: u32 = 2;
export const T_TRUE: u32 = 3;
export const T_FALSE: u32 = 4;
export const T_NULL: u32 = 5;
export const T_ARRAY: u32 = 6;
export const T_OBJECT: u32 = 7;
export const T_ESC: u32 = 0x10;
export const T_MASK: u32 = 0x0F;

// @ts-ignore: decorator
@inline export const MAX_DEPTH: i32 = 128;
// @ts-ignore: decorator
@inline const ERR: usize = 0;

export let slots: usize = 0;
// the slots the last scan set: only they are cleared before the next (a large program's paths cost nothing per
// record that does not hold them)
let dirty: usize = 0;
let dirtyCount: i32 = 0;

/** Allocates the slot table for n paths (when the program is loaded). */
export function allocSlots(n: i32): void {
  slots = programAlloc(<usize>n * 12);
  dirty = programAlloc(<usize>n * 4);
  dirtyCount = 0;
}

/** Results of the last scan. */
export let recClose: usize = 0; // position of the top-level object's closing brace
export let recEmpty: bool = false; // the top-level object has no members
export let recDuplicate: bool = false; // a wanted path occurred twice
let lastEsc: bool = false;

@inline export function slotOff(i: i32): usize {
  return <usize>load<u32>(slots + <usize>i * 12);
}
@inline export function slotLen(i: i32): usize {
  return <usize>load<u32>(slots + <usize>i * 12, 4);
}
@inline export function slotType(i: i32): u32 {
  return load<u32>(slots + <usize>i * 12, 8);
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09;
}

@inline export function skipWs(p: usize, end: usize): usize {
  // (most JSON has no whitespace between tokens: one compare decides)
  if (p < end && <u32>load<u8>(p) > 0x20) return p;
  while (p < end && isWs(<u32>load<u8>(p))) p++;
  return p;
}

/** Validates one UTF-8 sequence starting with lead byte c at p; returns the position after it or ERR. */
function utf8Seq(p: usize, end: usize, c: u32): usize {
  let need: usize;
  let lo: u32 = 0x80;
  let hi: u32 = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
  } else return ERR;
  if (p + 1 + need > end) return ERR;
  const c1 = <u32>load<u8>(p + 1);
  if (c1 < lo || c1 > hi) return ERR;
  for (let i: usize = 2; i <= need; i++) {
    const ci = <u32>load<u8>(p + i);
    if ((ci & 0xC0) != 0x80) return ERR;
  }
  return p + 1 + need;
}

/** p is just after the opening quote. Returns the position after the closing quote, or ERR. */
@inline function parseString(p: usize, end: usize): usize {
  // most strings hold no escape and no non-ASCII byte: the first special byte is their closing quote
  p = nextSpecial(p, end);
  if (p < end && load<u8>(p) == 0x22) {
    lastEsc = false;
    return p + 1;
  }
  return parseStringFrom(p, end);
}

/** The rest of a string from its first special byte at p (or p >= end); as parseString. */
function parseStringFrom(p: usize, end: usize): usize {
  let esc = false;
  while (true) {
    if (p >= end) return ERR;
    const c = <u32>load<u8>(p);
    if (c == 0x22) {
      lastEsc = esc;
      return p + 1;
    }
    if (c == 0x5C) {
      if (p + 1 >= end) return ERR;
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) {
        if (p + 6 > end || hex4(p + 2) < 0) return ERR;
        p += 6;
      } else if (e == 0x22 || e == 0x5C || e == 0x2F || e == 0x62 || e == 0x66 || e == 0x6E || e == 0x72 || e == 0x74) {
        p += 2;
      } else return ERR;
      esc = true;
    } else {
      if (c < 0x20) return ERR;
      p = utf8Seq(p, end, c);
      if (p == ERR) return ERR;
    }
    p = nextSpecial(p, end);
  }
}

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

function parseNumber(p: usize, end: usize): usize {
  if (p < end && load<u8>(p) == 0x2D) p++;
  if (p >= end) return ERR;
  let c = <u32>load<u8>(p);
  if (c == 0x30) p++;
  else if (c >= 0x31 && c <= 0x39) {
    p++;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  } else return ERR;
  if (p < end && load<u8>(p) == 0x2E) {
    p++;
    if (p >= end || !isDigit(<u32>load<u8>(p))) return ERR;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < end) {
      c = <u32>load<u8>(p);
      if (c == 0x2B || c == 0x2D) p++;
    }
    if (p >= end || !isDigit(<u32>load<u8>(p))) return ERR;
    while (p < end && isDigit(<u32>load<u8>(p))) p++;
  }
  return p;
}

function literal(p: usize, end: usize, word: u32, n: usize): usize {
  // word holds the literal's bytes little-endian (n = 4 or 5: "true", "null", "false")
  if (p + n > end) return ERR;
  if (n == 4) return load<u32>(p) == word ? p + 4 : ERR;
  return load<u32>(p) == word && load<u8>(p + 4) == 0x65 ? p + 5 : ERR;
}

/** A string, number or literal at p; returns the position after it, or ERR. */
@inline function parseScalar(p: usize, end: usize): usize {
  const c = <u32>load<u8>(p);
  if (c == 0x22) return parseString(p + 1, end);
  if (c == 0x74) return literal(p, end, 0x65757274, 4); // true
  if (c == 0x66) return literal(p, end, 0x736C6166, 5); // false
  if (c == 0x6E) return literal(p, end, 0x6C6C756E, 4); // null
  return parseNumber(p, end);
}

function setSlot(i: i32, v: usize, after: usize): void {
  const row = slots + <usize>i * 12;
  if (load<u32>(row, 8) != T_NONE) {
    recDuplicate = true;
    return;
  }
  store<u32>(dirty + (<usize>dirtyCount << 2), <u32>i);
  dirtyCount++;
  const c = <u32>load<u8>(v);
  let t: u32;
  let off = v;
  let len = after - v;
  if (c == 0x22) {
    t = T_STRING | (lastEsc ? T_ESC : 0);
    off = v + 1;
    len -= 2;
  } else if (c == 0x7B) t = T_OBJECT;
  else if (c == 0x5B) t = T_ARRAY;
  else if (c == 0x74) t = T_TRUE;
  else if (c == 0x66) t = T_FALSE;
  else if (c == 0x6E) t = T_NULL;
  else t = T_NUMBER;
  store<u32>(row, <u32>off);
  store<u32>(row, <u32>len, 4);
  store<u32>(row, t, 8);
}

@inline function setLeaves(n: u32, v: usize, after: usize): void {
  const leaf = leafPath(n);
  if (leaf == NO_NODE) return;
  setSlot(<i32>leaf, v, after);
  const leaf2 = leafPath2(n);
  if (leaf2 != NO_NODE) setSlot(<i32>leaf2, v, after);
}

// The open containers, one row per depth (the scanner is iterative: no recursion, so no native stack depends on
// the record's nesting — Fluent Bit's WAMR stack is 8 KiB by default):
//   kind u32 (0 object, 1 array) | trie node its keys walk from | trie node of its own key (leaf paths) | start u32
// @ts-ignore: decorator
@inline const FRAME: usize = 16;
const frames: usize = heap.alloc(<usize>(MAX_DEPTH + 2) * FRAME);

/**
 * Validates the object at p (p at '{') and records wanted slots. Returns the position after its closing brace,
 * or ERR. recEmpty tells whether it had no members.
 */
function parseRoot(p: usize, end: usize): usize {
  let depth = 0;
  let f = frames;
  let obj = true; // the open container at `depth` is an object (its frame's kind, kept at hand)
  store<u32>(f, 0);
  store<u32>(f, ROOT, 4);
  store<u32>(f, NO_NODE, 8);
  store<u32>(f, <u32>p, 12);
  p = skipWs(p + 1, end);
  // just after an opening bracket: an empty container may close at once
  if (p < end && load<u8>(p) == 0x7D) {
    recEmpty = true;
    return p + 1;
  }
  recEmpty = false;
  while (true) {
    // at a member (after '{', '[' or ',', whitespace skipped)
    if (p >= end) return ERR;
    let self = NO_NODE; // the trie node reached by this member's key
    let below = NO_NODE; // where an object value's keys walk from
    if (obj) {
      if (load<u8>(p) != 0x22) return ERR;
      const k = p + 1;
      const at = load<u32>(f, 4);
      // most keys are short and plain: their closing quote is the first special byte of the 16 at k
      let x: u64 = 0;
      let x2: u64 = 0;
      let kq: usize = 16;
      if (k + 16 <= end) {
        x = load<u64>(k);
        const b = firstSpecialBits(x);
        if (b != 0) kq = <usize>(ctz(b) >> 3);
        else {
          x2 = load<u64>(k, 8);
          kq = 8 + <usize>(ctz(firstSpecialBits(x2)) >> 3);
        }
      }
      if (kq < 16 && load<u8>(k + kq) == 0x22) {
        p = k + kq + 1;
        if (at != NO_NODE) self = kq < 8 ? walkShortKey(at, k, x, kq) : walkKey16(at, k, x, x2, kq);
      } else {
        p = parseString(k, end);
        if (p == ERR) return ERR;
        const kn = p - 1 - k;
        if (at != NO_NODE) {
          // most keys of ordinary records are rejected on their first byte, without a call
          self = kn > 0 && !lastEsc && !mayStartWith(at, <u32>load<u8>(k)) ? NO_NODE : walkKey(at, k, kn, lastEsc);
        }
      }
      if (self != NO_NODE && hasChildren(self)) below = self;
      // the colon, most often right after the key, and the value, most often right after the colon
      if (p + 1 < end && load<u8>(p) == 0x3A && load<u8>(p + 1) > 0x20) p++;
      else {
        p = skipWs(p, end);
        if (p >= end || load<u8>(p) != 0x3A) return ERR;
        p = skipWs(p + 1, end);
        if (p >= end) return ERR;
      }
    }
    const c = <u32>load<u8>(p);
    if (c == 0x22) {
      const v = p;
      p = parseString(p + 1, end);
      if (p == ERR) return ERR;
      if (self != NO_NODE) setLeaves(self, v, p);
    } else if (c == 0x7B || c == 0x5B) {
      if (++depth >= MAX_DEPTH) return ERR;
      f = frames + <usize>depth * FRAME;
      obj = c == 0x7B;
      store<u32>(f, obj ? 0 : 1);
      store<u32>(f, obj ? below : NO_NODE, 4);
      store<u32>(f, self, 8);
      store<u32>(f, <u32>p, 12);
      p = skipWs(p + 1, end);
      // an empty container: its closing bracket comes next, and the loop below takes it
      if (p >= end || load<u8>(p) != (obj ? 0x7D : 0x5D)) continue;
    } else {
      const v = p;
      p = parseScalar(p, end);
      if (p == ERR) return ERR;
      if (self != NO_NODE) setLeaves(self, v, p);
    }
    // after a value in the container at `depth`: a comma starts its next member; its closing bracket finishes
    // it (and sets the leaves of the key that owns it), and then the same holds for its parent
    while (true) {
      if (p >= end) return ERR;
      let d = <u32>load<u8>(p);
      if (d <= 0x20) {
        p = skipWs(p, end);
        if (p >= end) return ERR;
        d = <u32>load<u8>(p);
      }
      if (d == 0x2C) {
        p++;
        // the next member most often follows at once
        if (p < end && load<u8>(p) > 0x20) break;
        p = skipWs(p, end);
        break;
      }
      if (d != (obj ? 0x7D : 0x5D)) return ERR;
      p++;
      const owner = load<u32>(f, 8);
      if (owner != NO_NODE) setLeaves(owner, <usize>load<u32>(f, 12), p);
      if (depth == 0) return p;
      depth--;
      f = frames + <usize>depth * FRAME;
      obj = load<u32>(f) == 0;
    }
  }
}

/** The end of the validated value at p (element iteration): strings skipped, brackets counted. */
function skipValue(p: usize, end: usize): usize {
  let depth = 0;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == 0x22) {
      p = parseString(p + 1, end);
      if (p == ERR) return end;
      if (depth == 0) return p;
      continue;
    }
    if (c == 0x7B || c == 0x5B) depth++;
    else if (c == 0x7D || c == 0x5D) {
      depth--;
      if (depth == 0) return p + 1;
    } else if (depth == 0 && (c == 0x2C || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09)) return p;
    p++;
  }
  return p;
}

/** Scans the record [p, end). Returns false when it is not one valid JSON object. */
export function scanRecord(p: usize, end: usize): bool {
  for (let i = 0; i < dirtyCount; i++) store<u32>(slots + <usize>load<u32>(dirty + (<usize>i << 2)) * 12, T_NONE, 8);
  dirtyCount = 0;
  recDuplicate = false;
  p = skipWs(p, end);
  if (p >= end || load<u8>(p) != 0x7B) return false;
  const after = parseRoot(p, end);
  if (after == ERR) return false;
  recClose = after - 1;
  return skipWs(after, end) == end;
}

/** The position after the element at q of a validated array (lastStringEscaped() tells of a string's escapes). */
export function nextElement(q: usize, end: usize): usize {
  return skipValue(q, end);
}


/** Type and escape flag of the string just parsed by nextElement (only meaningful for strings). */
export function lastStringEscaped(): bool {
  return lastEsc;
}
