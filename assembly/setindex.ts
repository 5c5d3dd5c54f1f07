// Hash indexes of the program's larger value sets, so that `f in (…)` with a long list (Elastic's rules list tens
// of process names, arguments, parents) costs one lookup per value, not one comparison per listed string. Built
// at load for the sets the code tests by equality (OP_EQ: the bytes as they are; OP_EQ_CI: ASCII case folded),
// only those with at least MIN_INDEXED strings. A value is looked up by its plain bytes (escapes decoded by the
// caller), so the answer is the linear scan's.
//
// per set: table pointer u32 (0: none) | mask u32, for each of the two modes;
// table: buckets of (hash u32 | string index + 1 u32), a power of two ≥ 2 × the set's size

import { setPtr, setSize, strPtr, strLen, setCount, code, codeWords } from "./program";
import { hashBytes } from "./hash";
import { bytesEqual } from "./strings";
import { equalsIgnoreCase } from "./wildcard";
import { programAlloc } from "./alloc";

// @ts-ignore: decorator
@inline const MIN_INDEXED: u32 = 6;
// @ts-ignore: decorator
@inline const SEED: u64 = 0x7365742D696E6478;
// @ts-ignore: decorator
@inline const FOLD_CAP: usize = 4096;
// predicate ops (predicates.ts) whose b word is an equality set, and the ops whose children follow their header
// @ts-ignore: decorator
@inline const OP_AND: u32 = 1;
// @ts-ignore: decorator
@inline const OP_OR: u32 = 2;
// @ts-ignore: decorator
@inline const OP_NOT: u32 = 3;
// @ts-ignore: decorator
@inline const OP_EQ: u32 = 4;
// @ts-ignore: decorator
@inline const OP_EQ_CI: u32 = 8;

let tables: usize = 0; // per set: exact ptr, mask, folded ptr, mask (u32 each)
const folded: usize = heap.alloc(FOLD_CAP + 16);

@inline function lower(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

/** Hash of [p, p+n), ASCII case folded when ci (into `folded`; false when too long to fold). */
function hashOf(p: usize, n: usize, ci: bool): u64 {
  if (!ci) return hashBytes(SEED, p, n);
  for (let i: usize = 0; i < n; i++) store<u8>(folded + i, <u8>lower(<u32>load<u8>(p + i)));
  return hashBytes(SEED, folded, n);
}

function build(set: u32, ci: bool): void {
  const count = setSize(set);
  let size: u32 = 1;
  while (size < count * 2) size <<= 1;
  const t = programAlloc(<usize>size * 8);
  const ptr = setPtr(set);
  for (let i: u32 = 0; i < count; i++) {
    const s = load<u32>(ptr + <usize>i * 4);
    if (ci && strLen(s) > FOLD_CAP) return; // never indexed: the scan stays the answer
    const h = <u32>hashOf(strPtr(s), strLen(s), ci);
    let b = h & (size - 1);
    while (load<u32>(t + (<usize>b << 3), 4) != 0) b = (b + 1) & (size - 1);
    store<u32>(t + (<usize>b << 3), h);
    store<u32>(t + (<usize>b << 3), s + 1, 4);
  }
  const row = tables + (<usize>set << 4) + (ci ? 8 : 0);
  store<u32>(row, <u32>t);
  store<u32>(row, size - 1, 4);
}

/** Indexes the equality sets of the program's code (after the tables and the code are loaded). */
export function indexSets(): void {
  tables = programAlloc(<usize>setCount * 16);
  let pc: u32 = 0;
  while (pc + 4 <= codeWords) {
    const op = load<u32>(code + <usize>pc * 4);
    const b = load<u32>(code + <usize>(pc + 2) * 4);
    if ((op == OP_EQ || op == OP_EQ_CI) && b < <u32>setCount && setSize(b) >= MIN_INDEXED) {
      const ci = op == OP_EQ_CI;
      if (load<u32>(tables + (<usize>b << 4) + (ci ? 8 : 0)) == 0) build(b, ci);
    }
    // a node's children follow its four-word header: walking headers visits every node
    const size = load<u32>(code + <usize>(pc + 3) * 4);
    pc += op == OP_AND || op == OP_OR || op == OP_NOT || size < 4 ? 4 : size;
  }
}

/**
 * Whether the plain bytes [p, p+n) are a string of the set: 1 yes, 0 no, −1 the set has no index for this mode
 * (the caller scans it).
 */
export function indexedHas(set: u32, p: usize, n: usize, ci: bool): i32 {
  const row = tables + (<usize>set << 4) + (ci ? 8 : 0);
  const t = <usize>load<u32>(row);
  if (t == 0) return -1;
  if (ci && n > FOLD_CAP) return 0;
  const mask = load<u32>(row, 4);
  const h = <u32>hashOf(p, n, ci);
  let b = h & mask;
  while (true) {
    const e = t + (<usize>b << 3);
    const s1 = load<u32>(e, 4);
    if (s1 == 0) return 0;
    if (load<u32>(e) == h) {
      const s = s1 - 1;
      if (strLen(s) == n && (ci ? equalsIgnoreCase(p, strPtr(s), n) : bytesEqual(p, strPtr(s), n))) return 1;
    }
    b = (b + 1) & mask;
  }
}
