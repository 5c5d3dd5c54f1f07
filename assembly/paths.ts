// The physical field paths the rule program wants, as a trie of dot-separated segments, and how a JSON key
// walks it. Nested objects, flattened dotted keys and keys that themselves hold dots are equivalent: a key
// "a.b" walks a → b, so every way of splitting a path at its dots reaches the same node. Each open object
// therefore has exactly one trie node as its matcher state. Below a node marked `underscore` (raw audit
// `annotations`), the whole rest of a key is one segment whose dots read as underscores
// ("authorization.k8s.io/decision" ≡ "authorization_k8s_io/decision").
//
// node (NODE bytes):  parent u32 | segment ptr u32 | segment len u32 | leaf path u32 (NONE) |
//                     second leaf path u32 | flags u32 (1 = has children, 2 = underscore children, 4 = dotted) |
//                     (unused) u32 | next sibling in bucket u32 | segment's first 8 bytes u64 (zero-padded) |
//                     16 bucket heads u32: children chained by (length + first byte) & 15 |
//                     256-bit map of the children's first bytes (a key starting elsewhere cannot match) |
//                     segment's bytes 8-15 u64 (zero-padded)
// A key segment is found in its bucket by length and first 8 bytes (one u64 compare), the rest compared only
// on a hit: most keys of ordinary records are rejected after a load or two.

import { decodeString } from "./strings";
import { programAlloc } from "./alloc";
import { allocSlots } from "./scan";

// @ts-ignore: decorator
@inline export const MAX_PATHS: i32 = 1024;
// @ts-ignore: decorator
@inline const MAX_NODES: u32 = 8192;
// @ts-ignore: decorator
@inline const NODE: usize = 40 + 16 * 4 + 32 + 8;
// @ts-ignore: decorator
@inline const FIRST_BYTES: usize = 40 + 16 * 4;
// @ts-ignore: decorator
@inline const SECOND8: usize = 40 + 16 * 4 + 32;
// @ts-ignore: decorator
@inline const KEY_SCRATCH_CAP: usize = 1024;
export const NO_NODE: u32 = 0xFFFFFFFF;
// @ts-ignore: decorator
@inline const HAS_CHILDREN: u32 = 1;
// @ts-ignore: decorator
@inline const UNDERSCORE: u32 = 2;
// @ts-ignore: decorator
@inline const DOTTED: u32 = 4; // the node's own segment holds a dot (an `underscore` segment may)
export const ROOT: u32 = 0;

export let pathCount: i32 = 0;
let nodeCount: u32 = 1;
let nodeCap: u32 = 0;
let nodes: usize = 0;
const keyScratch: usize = heap.alloc(KEY_SCRATCH_CAP + 16);
const underscoreScratch: usize = heap.alloc(KEY_SCRATCH_CAP + 16);

@inline function node(n: u32): usize {
  return nodes + <usize>n * NODE;
}

/** The first 8 bytes of [p, p+len), zero-padded (reads 8 bytes: callers keep 8 bytes of slack after keys). */
@inline function prefix8(p: usize, len: usize): u64 {
  const v = load<u64>(p);
  return len >= 8 ? v : v & ((<u64>1 << (<u64>len << 3)) - 1);
}

// @ts-ignore: decorator
@inline const ONES: u64 = 0x0101010101010101;
// @ts-ignore: decorator
@inline const HIGHS: u64 = 0x8080808080808080;

/**
 * The position of the first '.' in [s, kn) of the key at k, or kn: 8 bytes at a time (a zero byte of the word
 * xor dots; the lowest one is exact). Reads up to 7 bytes past the key, as prefix8 does.
 */
@inline function dotFrom(k: usize, s: usize, kn: usize): usize {
  let e = s;
  while (e < kn) {
    const x = load<u64>(k + e) ^ (ONES * 0x2E);
    const z = (x - ONES) & ~x & HIGHS;
    if (z != 0) return min(e + <usize>(ctz(z) >> 3), kn);
    e += 8;
  }
  return kn;
}

@inline function bucket(head: u64, len: usize): usize {
  return ((len + <usize>(head & 0xFF)) & 15) << 2;
}

/** The child of parent with segment [p, p+len), or NO_NODE. */
function child(parent: u32, p: usize, len: usize): u32 {
  const head = prefix8(p, len);
  let c = load<u32>(node(parent) + 40 + bucket(head, len));
  while (c != NO_NODE) {
    const row = node(c);
    if (load<u64>(row, 32) == head && <usize>load<u32>(row, 8) == len) {
      if (len <= 8) return c;
      const s = <usize>load<u32>(row, 4);
      let i: usize = 8;
      while (i < len && load<u8>(s + i) == load<u8>(p + i)) i++;
      if (i == len) return c;
    }
    c = load<u32>(row, 28);
  }
  return NO_NODE;
}

/** Allocates the trie for `paths` paths of `segments` segments in all (at most one node each, and the root). */
export function initPaths(paths: i32, segments: usize): void {
  nodeCap = <u32>min(segments + 1, <usize>MAX_NODES);
  nodes = programAlloc(<usize>nodeCap * NODE);
  allocSlots(paths);
  nodeCount = 1;
  initNode(ROOT, NO_NODE, 0, 0);
  pathCount = 0;
}

function initNode(n: u32, parent: u32, p: usize, len: usize): void {
  const row = node(n);
  store<u32>(row, parent);
  store<u32>(row, <u32>p, 4);
  store<u32>(row, <u32>len, 8);
  store<u32>(row, NO_NODE, 12);
  store<u32>(row, NO_NODE, 16);
  store<u32>(row, 0, 20);
  store<u32>(row, NO_NODE, 24);
  store<u32>(row, NO_NODE, 28);
  for (let b: usize = 0; b < 16; b++) store<u32>(row + 40 + (b << 2), NO_NODE);
  memory.fill(row + FIRST_BYTES, 0, 32);
  // the segment's first bytes, without reading past it (program strings have no slack guarantee)
  let head: u64 = 0;
  for (let i: usize = 0; i < len && i < 8; i++) head |= (<u64>load<u8>(p + i)) << (<u64>i << 3);
  store<u64>(row, head, 32);
  let second: u64 = 0;
  for (let i: usize = 8; i < len && i < 16; i++) second |= (<u64>load<u8>(p + i)) << (<u64>(i - 8) << 3);
  store<u64>(row + SECOND8, second);
  for (let i: usize = 0; i < len; i++) {
    if (load<u8>(p + i) == 0x2E) {
      store<u32>(row, DOTTED, 20);
      break;
    }
  }
}

function addChild(parent: u32, p: usize, len: usize): u32 {
  const found = child(parent, p, len);
  if (found != NO_NODE) return found;
  if (nodeCount >= nodeCap) return NO_NODE;
  const c = nodeCount++;
  initNode(c, parent, p, len);
  const pr = node(parent);
  store<u32>(pr, load<u32>(pr, 20) | HAS_CHILDREN, 20);
  const first = len > 0 ? <usize>load<u8>(p) : 0;
  store<u8>(pr + FIRST_BYTES + (first >> 3), load<u8>(pr + FIRST_BYTES + (first >> 3)) | <u8>(<usize>1 << (first & 7)));
  const slot = pr + 40 + bucket(load<u64>(node(c), 32), len);
  store<u32>(node(c), load<u32>(slot), 28);
  store<u32>(slot, c);
  return c;
}

/**
 * Adds path i ([ptr, ptr+len)); from byte `underscoreFrom` on, the rest is one segment whose underscores
 * also accept dots. False when the trie is full or the path holds an empty segment.
 */
export function addPath(i: i32, ptr: usize, len: u32, underscoreFrom: u32): bool {
  let n = ROOT;
  let s: u32 = 0;
  while (s < len) {
    if (s >= underscoreFrom) {
      store<u32>(node(n), load<u32>(node(n), 20) | UNDERSCORE, 20);
      n = addChild(n, ptr + s, <usize>(len - s));
      s = len;
      break;
    }
    let e = s;
    while (e < len && load<u8>(ptr + e) != 0x2E) e++;
    if (e == s) return false;
    n = addChild(n, ptr + s, <usize>(e - s));
    if (n == NO_NODE) return false;
    s = e + 1;
  }
  if (n == NO_NODE || n == ROOT) return false;
  const row = node(n);
  if (load<u32>(row, 12) == NO_NODE) store<u32>(row, <u32>i, 12);
  else store<u32>(row, <u32>i, 16);
  if (i >= pathCount) pathCount = i + 1;
  return true;
}

/** False when no child of n starts with byte c: a key starting with it cannot match below n. */
@inline export function mayStartWith(n: u32, c: u32): bool {
  return (load<u8>(node(n) + FIRST_BYTES + (c >> 3)) & (1 << (c & 7))) != 0;
}

@inline export function hasChildren(n: u32): bool {
  return (load<u32>(node(n), 20) & HAS_CHILDREN) != 0;
}
@inline export function leafPath(n: u32): u32 {
  return load<u32>(node(n), 12);
}
@inline export function leafPath2(n: u32): u32 {
  return load<u32>(node(n), 16);
}

/**
 * walkKey for an unescaped key of kn ≤ 7 bytes whose bytes are the low bytes of x (read from k): the key is
 * looked up as one segment by its bucket and zero-padded bytes, without a call or a second load. A hit on a
 * segment without a dot is the answer (the key has no dot either); a dotted segment, or a miss by a key that
 * holds a dot, takes walkKey. (A zero byte of x xor dots below byte kn is exact: borrows only run upwards.)
 */
@inline export function walkShortKey(n: u32, k: usize, x: u64, kn: usize): u32 {
  const mask = (<u64>1 << (<u64>kn << 3)) - 1;
  const head = x & mask;
  let c = load<u32>(node(n) + 40 + bucket(head, kn));
  while (c != NO_NODE) {
    const row = node(c);
    if (load<u64>(row, 32) == head && <usize>load<u32>(row, 8) == kn) {
      // a segment without a dot: the key has none either, so it is that one segment
      return (load<u32>(row, 20) & DOTTED) == 0 ? c : walkKey(n, k, kn, false);
    }
    c = load<u32>(row, 28);
  }
  // a miss: only a key with a dot can still match (as several segments)
  const d = x ^ (ONES * 0x2E);
  return ((d - ONES) & ~d & HIGHS & mask) != 0 ? walkKey(n, k, kn, false) : NO_NODE;
}

/** walkShortKey for an unescaped key of 8 ≤ kn ≤ 15 bytes: x its first 8 bytes, x2 the next 8 (read from k). */
@inline export function walkKey16(n: u32, k: usize, x: u64, x2: u64, kn: usize): u32 {
  const mask = (<u64>1 << (<u64>(kn - 8) << 3)) - 1;
  const second = x2 & mask;
  let c = load<u32>(node(n) + 40 + bucket(x, kn));
  while (c != NO_NODE) {
    const row = node(c);
    if (load<u64>(row, 32) == x && <usize>load<u32>(row, 8) == kn && load<u64>(row + SECOND8) == second) {
      return (load<u32>(row, 20) & DOTTED) == 0 ? c : walkKey(n, k, kn, false);
    }
    c = load<u32>(row, 28);
  }
  const d = x ^ (ONES * 0x2E);
  const d2 = x2 ^ (ONES * 0x2E);
  return ((d - ONES) & ~d & HIGHS) != 0 || ((d2 - ONES) & ~d2 & HIGHS & mask) != 0 ? walkKey(n, k, kn, false) : NO_NODE;
}

/** Walks the key [k, k+kn) (escaped when esc) from node n; returns the node reached or NO_NODE. */
export function walkKey(n: u32, k: usize, kn: usize, esc: bool): u32 {
  if (esc) {
    const d = decodeString(k, k + kn, keyScratch, KEY_SCRATCH_CAP);
    if (d < 0) return NO_NODE;
    k = keyScratch;
    kn = <usize>d;
  }
  const start = n;
  let s: usize = 0;
  let underscore = (load<u32>(node(n), 20) & UNDERSCORE) != 0;
  while (true) {
    const e = dotFrom(k, s, kn);
    const c = child(n, k + s, e - s);
    if (c == NO_NODE) break;
    n = c;
    if (e >= kn) return n;
    underscore = underscore || (load<u32>(node(n), 20) & UNDERSCORE) != 0;
    s = e + 1;
  }
  // most keys miss here: only a walk that passed an `underscore` node can still match
  if (!underscore) return NO_NODE;
  // below an `underscore` node on the way, the rest of the key is one segment with dots read as underscores
  n = start;
  s = 0;
  while (true) {
    if ((load<u32>(node(n), 20) & UNDERSCORE) != 0) {
      const rest = kn - s;
      if (rest > KEY_SCRATCH_CAP) return NO_NODE;
      const dst = underscoreScratch;
      for (let i: usize = 0; i < rest; i++) {
        const c = load<u8>(k + s + i);
        store<u8>(dst + i, c == 0x2E ? 0x5F : c);
      }
      const u = child(n, dst, rest);
      if (u != NO_NODE) return u;
    }
    const e = dotFrom(k, s, kn);
    if (e >= kn) return NO_NODE;
    const c = child(n, k + s, e - s);
    if (c == NO_NODE) return NO_NODE;
    n = c;
    s = e + 1;
  }
}
