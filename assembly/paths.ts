// The physical field paths the rule program wants, and how a JSON key matches them.
//
// A path is a dotted byte string ("kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name").
// Nested objects, flattened dotted keys and keys that themselves hold dots are equivalent: a key matches a
// path at position `pos` when its (decoded) bytes equal path[pos, pos+len) and the match ends at the end of
// the path (a leaf) or just before a '.' (descend with pos = end + 1). From byte `underscoreFrom` on, a '_'
// in the path also accepts a '.' in the key (raw audit annotations: "authorization.k8s.io/decision").
//
// Table layout (one row per path, MAX_PATHS rows):  ptr u32 | len u32 | underscoreFrom u32

import { decodeString } from "./strings";

// @ts-ignore: decorator
@inline export const MAX_PATHS: i32 = 64;
// @ts-ignore: decorator
@inline const KEY_SCRATCH_CAP: usize = 1024;

export let pathCount: i32 = 0;
const pathTable: usize = heap.alloc(<usize>MAX_PATHS * 12);
const keyScratch: usize = heap.alloc(KEY_SCRATCH_CAP + 16);

export function setPath(i: i32, ptr: usize, len: u32, underscoreFrom: u32): void {
  const row = pathTable + <usize>i * 12;
  store<u32>(row, <u32>ptr);
  store<u32>(row, len, 4);
  store<u32>(row, underscoreFrom, 8);
}

@inline export function pathPtr(i: i32): usize {
  return <usize>load<u32>(pathTable + <usize>i * 12);
}

@inline export function pathLen(i: i32): u32 {
  return load<u32>(pathTable + <usize>i * 12, 4);
}

/**
 * Matches the key [k, k+kn) (escaped when esc) against path i from byte pos.
 * Returns the position after the match (== pathLen for a leaf), or -1.
 */
export function matchKey(k: usize, kn: usize, esc: bool, i: i32, pos: u32): i32 {
  const row = pathTable + <usize>i * 12;
  const pp = <usize>load<u32>(row);
  const pl = load<u32>(row, 4);
  const us = load<u32>(row, 8);
  if (esc) {
    const d = decodeString(k, k + kn, keyScratch, KEY_SCRATCH_CAP);
    if (d < 0) return -1;
    k = keyScratch;
    kn = <usize>d;
  }
  if (<u32>kn > pl - pos) return -1;
  const endPos = pos + <u32>kn;
  if (endPos != pl && load<u8>(pp + endPos) != 0x2E) return -1;
  // first byte first: most keys differ there
  for (let j: u32 = 0; j < <u32>kn; j++) {
    const a = load<u8>(k + j);
    const b = load<u8>(pp + pos + j);
    if (a != b) {
      if (!(pos + j >= us && b == 0x5F && a == 0x2E)) return -1;
    }
  }
  return <i32>endPos;
}
