// The compiled rule program (built on the host by host/rules/compile.ts): its common tables and how a logical
// field is read from the current record. The engine knows no rule: paths, shapes, field aliases, value sets,
// predicates (predicates.ts), rules (rules.ts) and the dispatch index (dispatch.ts) all come from these bytes.
// Layout (u32 little-endian words, strings padded to 4 bytes):
//
//   magic 'PPRB' | version
//   strings: n, n × (len, bytes…)
//   sets:    n, n × (count, count × string)
//   paths:   n, n × (string, underscoreFrom)
//   shapes:  n, n × guard (code offset of a predicate, or NONE for shape 0, the default)
//   derived: the values shapes derive (assembly/derive.ts)
//   fields:  n, n × shapes × (alts, alts × (kind << 24 | index))      kind 0 = path, 1 = constant string,
//                                                                      2 = derived value (of the same shape)
//   code:    n words of predicate nodes (predicates.ts)
//   tag:     string (top-level member name), path (to detect a member already there)
//   rules:   read by rules.ts;  dispatch: read by dispatch.ts
//
// Every table is sized from its count in the program, within the caps below (the compiler checks the same
// caps: host/rules/compile.ts LIMITS), and allocated once at load (alloc.ts counts the bytes).

import { addPath, initPaths, MAX_PATHS } from "./paths";
import { slotOff, slotLen, slotType, T_NONE, T_STRING } from "./scan";
import { loadDerived, checkDerived, deriveShape, derivedCount, derivedShape, derivedType, derivedOff, derivedLen, derivedConst } from "./derive";
import { checkCode, evalNode, markerOf } from "./predicates";
import { programAlloc } from "./alloc";
import { nextToEscape } from "./strings";

export const NONE: u32 = 0xFFFFFFFF;
export const MAGIC: u32 = 0x42525050;
export const VERSION: u32 = 2;

// @ts-ignore: decorator
@inline export const MAX_STRINGS: i32 = 65536;
// @ts-ignore: decorator
@inline export const MAX_SETS: i32 = 16384;
// @ts-ignore: decorator
@inline export const MAX_SHAPES: i32 = 8;
// @ts-ignore: decorator
@inline export const MAX_FIELDS: i32 = 1024;
// @ts-ignore: decorator
@inline const MAX_ALTS: i32 = 4;
// @ts-ignore: decorator
@inline const FIELD_ROW: usize = (1 + <usize>MAX_ALTS) * 4;

// ── reader ────────────────────────────────────────────────────────────────────────────────────────────
let cur: usize = 0;
let lim: usize = 0;
export let loadError: i32 = 0; // 0 ok; 1 the program ended early or named something it does not hold

export function rd(): u32 {
  if (cur + 4 > lim) {
    loadError = 1;
    return 0;
  }
  const v = load<u32>(cur);
  cur += 4;
  return v;
}

export function fail(): void {
  if (loadError == 0) loadError = 1;
}

// ── tables ────────────────────────────────────────────────────────────────────────────────────────────
export let stringCount: i32 = 0;
let strTable: usize = 0; // ptr u32 | len u32
let strPlain: usize = 0; // one byte per string: 1 when JSON needs no escape in it (written as is)
export let setCount: i32 = 0;
let setTable: usize = 0; // ptr to string indices u32 | count u32
export let shapeCount: i32 = 1;
let shapeGuards: usize = 0;
// per shape, a path its guard needs present (else NONE): most records are rejected on that slot alone
let shapeMarkers: usize = 0;
export let fieldCount: i32 = 0;
let fieldTable: usize = 0; // fields × shapes × (alts, MAX_ALTS words)
/** The predicate code (predicates.ts reads it). */
export let code: usize = 0;
export let codeWords: u32 = 0;
export let tagName: u32 = 0;
export let tagPath: u32 = NONE;

@inline export function strPtr(i: u32): usize {
  return <usize>load<u32>(strTable + <usize>i * 8);
}
@inline export function strLen(i: u32): usize {
  return <usize>load<u32>(strTable + <usize>i * 8, 4);
}
/** True when string i holds no quote, backslash or control byte (a JSON string body as it is). */
@inline export function strIsPlain(i: u32): bool {
  return load<u8>(strPlain + <usize>i) != 0;
}
/** Set i: where its string indices are, and how many. */
@inline export function setPtr(i: u32): usize {
  return <usize>load<u32>(setTable + <usize>i * 8);
}
@inline export function setSize(i: u32): u32 {
  return load<u32>(setTable + <usize>i * 8, 4);
}

function checkString(i: u32): u32 {
  if (i >= <u32>stringCount) fail();
  return i;
}

export function readString(): u32 {
  return checkString(rd());
}

/** Reads a count and checks it against its cap. */
function count(cap: i32): i32 {
  const n = rd();
  if (n > <u32>cap) fail();
  return loadError == 0 ? <i32>n : 0;
}

/** Reads the program's common sections; rules.ts and dispatch.ts read the rest. */
export function loadTables(p: usize, n: usize): bool {
  cur = p;
  lim = p + n;
  loadError = 0;
  if (rd() != MAGIC || rd() != VERSION) return false;
  stringCount = count(MAX_STRINGS);
  strTable = programAlloc(<usize>stringCount * 8);
  strPlain = programAlloc(<usize>stringCount);
  for (let i = 0; i < stringCount; i++) {
    const len = rd();
    if (cur + <usize>len > lim) return false;
    store<u32>(strTable + <usize>i * 8, <u32>cur);
    store<u32>(strTable + <usize>i * 8, len, 4);
    store<u8>(strPlain + <usize>i, nextToEscape(cur, cur + <usize>len) == cur + <usize>len ? 1 : 0);
    cur += (<usize>len + 3) & ~3;
  }
  setCount = count(MAX_SETS);
  setTable = programAlloc(<usize>setCount * 8);
  for (let i = 0; i < setCount; i++) {
    const c = rd();
    store<u32>(setTable + <usize>i * 8, <u32>cur);
    store<u32>(setTable + <usize>i * 8, c, 4);
    if (cur + <usize>c * 4 > lim) return false;
    for (let j: u32 = 0; j < c; j++) readString();
  }
  const np = count(MAX_PATHS);
  if (loadError != 0 || !loadPaths(np)) return false;
  shapeCount = <i32>rd();
  if (shapeCount < 1 || shapeCount > MAX_SHAPES) return false;
  shapeGuards = programAlloc(<usize>shapeCount * 4);
  shapeMarkers = programAlloc(<usize>shapeCount * 4);
  for (let i = 0; i < shapeCount; i++) store<u32>(shapeGuards + <usize>i * 4, rd());
  if (!loadDerived(shapeCount)) return false;
  fieldCount = count(MAX_FIELDS);
  fieldTable = programAlloc(<usize>fieldCount * <usize>shapeCount * FIELD_ROW);
  for (let f = 0; f < fieldCount; f++) {
    for (let s = 0; s < shapeCount; s++) {
      const row = fieldRow(<u32>f, s);
      const alts = rd();
      if (alts > <u32>MAX_ALTS) return false;
      store<u32>(row, alts);
      for (let a: u32 = 0; a < alts; a++) {
        const w = rd();
        const kind = w >> 24;
        const idx = w & 0xFFFFFF;
        if ((kind == 0 && idx >= <u32>np) || (kind == 1 && idx >= <u32>stringCount) || kind > 2) return false;
        if (kind == 2 && (idx >= <u32>derivedCount || derivedShape(idx) != s)) return false;
        store<u32>(row + 4 + <usize>a * 4, w);
      }
    }
  }
  codeWords = rd();
  code = cur;
  if (cur + <usize>codeWords * 4 > lim) return false;
  cur += <usize>codeWords * 4;
  tagName = readString();
  tagPath = rd();
  if (tagPath != NONE && tagPath >= <u32>np) return false;
  for (let i = 1; i < shapeCount; i++) if (!checkCode(load<u32>(shapeGuards + <usize>i * 4))) return false;
  for (let i = 0; i < shapeCount; i++) store<u32>(shapeMarkers + <usize>i * 4, i == 0 ? NONE : markerOf(load<u32>(shapeGuards + <usize>i * 4)));
  if (!checkDerived()) return false;
  return loadError == 0;
}

/** The path table: the trie is sized from the paths' segments (two passes over their strings). */
function loadPaths(np: i32): bool {
  const at = cur;
  let segments: usize = 1;
  for (let i = 0; i < np; i++) {
    const s = readString();
    rd();
    if (loadError != 0) return false;
    const sp = strPtr(s);
    const sn = strLen(s);
    segments++;
    for (let j: usize = 0; j < sn; j++) if (load<u8>(sp + j) == 0x2E) segments++;
  }
  initPaths(np, segments);
  cur = at;
  for (let i = 0; i < np; i++) {
    const s = readString();
    if (loadError != 0 || !addPath(i, strPtr(s), <u32>strLen(s), rd())) return false;
  }
  return true;
}

/** The path of field f in shape 0 when it reads exactly one path (else NONE): shape markers test its slot. */
export function singlePath(f: u32): u32 {
  const row = fieldRow(f, 0);
  const alias = load<u32>(row, 4);
  return load<u32>(row) == 1 && alias >> 24 == 0 ? alias : NONE;
}

@inline function fieldRow(f: u32, s: i32): usize {
  return fieldTable + (<usize>f * <usize>shapeCount + <usize>s) * FIELD_ROW;
}

export function checkField(f: u32): bool {
  return f < <u32>fieldCount;
}

// ── field values for the current record ───────────────────────────────────────────────────────────────
export let shape: i32 = 0;
export let fvType: u32 = T_NONE; // type bits as in scan.ts (T_ESC for escaped strings)
export let fvOff: usize = 0;
export let fvLen: usize = 0;
export let fvConst: bool = false; // the value is a program string (plain bytes, not JSON)

/** Looks up logical field f in the current shape: the first alias present wins. Returns false if absent. */
export function getField(f: u32): bool {
  const row = fieldRow(f, shape);
  const alts = load<u32>(row);
  for (let a: u32 = 0; a < alts; a++) {
    const wd = load<u32>(row + 4 + <usize>a * 4);
    const idx = wd & 0xFFFFFF;
    if (wd >> 24 == 1) {
      fvType = T_STRING;
      fvOff = strPtr(idx);
      fvLen = strLen(idx);
      fvConst = true;
      return true;
    }
    if (wd >> 24 == 2) {
      const dt = derivedType(idx);
      if (dt == T_NONE) continue;
      fvType = dt;
      fvOff = derivedOff(idx);
      fvLen = derivedLen(idx);
      fvConst = derivedConst(idx);
      return true;
    }
    const t = slotType(<i32>idx);
    if (t != T_NONE) {
      fvType = t;
      fvOff = slotOff(<i32>idx);
      fvLen = slotLen(<i32>idx);
      fvConst = false;
      return true;
    }
  }
  fvType = T_NONE;
  return false;
}

/** Chooses the record's shape: the first shape whose guard holds, else shape 0; then derives its values. */
export function selectShape(): void {
  shape = 0;
  for (let i = 1; i < shapeCount; i++) {
    const marker = load<u32>(shapeMarkers + <usize>i * 4);
    if (marker != NONE && slotType(<i32>marker) == T_NONE) continue;
    if (evalNode(load<u32>(shapeGuards + <usize>i * 4))) {
      shape = i;
      break;
    }
  }
  deriveShape(shape);
}
