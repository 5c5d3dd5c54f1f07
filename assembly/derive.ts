// Derived values: how a shape reads an ECS field that its records do not hold as one JSON value — the sensors'
// process events (host/rules/shapes.ts). Right after a record's shape is chosen, each value the program derives
// in that shape is computed once, operands first (the program lists them in that order), into a derived slot
// that getField reads like a scan slot. A value that is a span of the record (a selected array element, a field
// under a condition, an epoch-nanosecond time) points into it; one that is not (a basename, an argument list, a
// boolean) is written as JSON text into a fixed arena, so that every reader — comparisons, keys, times, summaries —
// sees JSON as it does for any field. Nothing is allocated per record.
//
// program section (after the shapes):
//   n, n × (op, shape, argc, argc × word)     grouped by shape, operands before the values that read them
//   shapes × truncated-arguments predicate     (code offset, or NONE): counted as args_truncated when it holds
// ops and their words:
//   BASENAME (field)              the part after the last '/'            AFTER (field, separator string)
//   SPLIT (head field | NONE, string field, quoting)                    LIST (head | NONE, count field, items…)
//   SELECT (array field, key string, value string, member path string)  WHEN (predicate, field)
//   BOOL (presence predicate | NONE, predicate)                          EPOCH_NS (field)
//   MEMBER (object field, member path string)
// derived slot: type u32 | off u32 | len u32 | const u32

import { rd, getField, fvType, fvOff, fvLen, fvConst, strPtr, strLen, stringCount, fieldCount, NONE } from "./program";
import { evalNode, checkCode } from "./predicates";
import { T_NONE, T_STRING, T_NUMBER, T_ARRAY, T_OBJECT, T_TRUE, T_FALSE, T_ESC, T_MASK } from "./scan";
import { decodeString, scratch, SCRATCH_CAP } from "./strings";
import { tokensBegin, tokensNext, tokOff, tokLen, QUOTE_SPACED } from "./argsplit";
import { selectElement, memberAt, mType, mOff, mLen } from "./members";
import { T_EPOCH_NS } from "./time";
import { bump, C_ARGS_TRUNCATED } from "./counters";

// @ts-ignore: decorator
@inline export const MAX_DERIVED: i32 = 64;
// @ts-ignore: decorator
@inline const MAX_ARGS: u32 = 12;
// @ts-ignore: decorator
@inline const ENTRY: usize = 12 + <usize>MAX_ARGS * 4;
// @ts-ignore: decorator
@inline const SLOT: usize = 16;
// @ts-ignore: decorator
@inline const SHAPE_ROWS: i32 = 8; // program.ts's MAX_SHAPES (not imported: program.ts imports this file)
// @ts-ignore: decorator
@inline const ARENA_CAP: usize = 128 << 10; // derived JSON text of one record: longer argument lists are cut

export const D_BASENAME: u32 = 1;
export const D_AFTER: u32 = 2;
export const D_SPLIT: u32 = 3;
export const D_LIST: u32 = 4;
export const D_SELECT: u32 = 5;
export const D_WHEN: u32 = 6;
export const D_BOOL: u32 = 7;
export const D_EPOCH_NS: u32 = 8;
export const D_MEMBER: u32 = 9;

export let derivedCount: i32 = 0;
const entries: usize = heap.alloc(<usize>MAX_DERIVED * ENTRY);
const dslots: usize = heap.alloc(<usize>MAX_DERIVED * SLOT);
const shapeFirst: usize = heap.alloc(<usize>SHAPE_ROWS * 4);
const shapeEnd: usize = heap.alloc(<usize>SHAPE_ROWS * 4);
const truncatedCode: usize = heap.alloc(<usize>SHAPE_ROWS * 4);
let loadedShapes: i32 = 0;
const arena: usize = heap.alloc(ARENA_CAP + 16);
let used: usize = 0;
const literals: usize = heap.alloc(16); // "true" at 0, "false" at 8
store<u32>(literals, 0x65757274);
store<u32>(literals + 8, 0x736C6166);
store<u8>(literals + 12, 0x65);

@inline function entry(i: i32): usize {
  return entries + <usize>i * ENTRY;
}
@inline function arg(i: i32, k: u32): u32 {
  return load<u32>(entry(i) + 12 + <usize>k * 4);
}
@inline function slot(i: i32): usize {
  return dslots + <usize>i * SLOT;
}
@inline export function derivedShape(i: u32): i32 {
  return <i32>load<u32>(entry(<i32>i), 4);
}
@inline export function derivedType(i: u32): u32 {
  return load<u32>(slot(<i32>i));
}
@inline export function derivedOff(i: u32): usize {
  return <usize>load<u32>(slot(<i32>i), 4);
}
@inline export function derivedLen(i: u32): usize {
  return <usize>load<u32>(slot(<i32>i), 8);
}
@inline export function derivedConst(i: u32): bool {
  return load<u32>(slot(<i32>i), 12) != 0;
}

// ── loading ───────────────────────────────────────────────────────────────────────────────────────────
/** Reads the section (shapes: how many the program has); the words are checked by checkDerived once all is read. */
export function loadDerived(shapes: i32): bool {
  if (shapes > SHAPE_ROWS) return false;
  loadedShapes = shapes;
  derivedCount = <i32>rd();
  if (derivedCount < 0 || derivedCount > MAX_DERIVED) return false;
  for (let s = 0; s < shapes; s++) {
    store<u32>(shapeFirst + <usize>s * 4, 0);
    store<u32>(shapeEnd + <usize>s * 4, 0);
  }
  let last: u32 = 0;
  for (let i = 0; i < derivedCount; i++) {
    const e = entry(i);
    const op = rd();
    const sh = rd();
    const argc = rd();
    if (sh >= <u32>shapes || sh < last || argc > MAX_ARGS) return false;
    if (sh != last || i == 0) store<u32>(shapeFirst + <usize>sh * 4, <u32>i);
    last = sh;
    store<u32>(shapeEnd + <usize>sh * 4, <u32>(i + 1));
    store<u32>(e, op);
    store<u32>(e, sh, 4);
    store<u32>(e, argc, 8);
    for (let k: u32 = 0; k < argc; k++) store<u32>(e + 12 + <usize>k * 4, rd());
    store<u32>(slot(i), T_NONE);
  }
  for (let s = 0; s < shapes; s++) store<u32>(truncatedCode + <usize>s * 4, rd());
  return true;
}

@inline function isField(w: u32, optional: bool): bool {
  return (optional && w == NONE) || w < <u32>fieldCount;
}
@inline function isString(w: u32): bool {
  return w < <u32>stringCount;
}
@inline function isCode(w: u32, optional: bool): bool {
  return (optional && w == NONE) || (w != NONE && checkCode(w));
}

/** Checks every entry's words against the program's fields, strings and code. */
export function checkDerived(): bool {
  for (let i = 0; i < derivedCount; i++) {
    const e = entry(i);
    const op = load<u32>(e);
    const argc = load<u32>(e, 8);
    let ok = false;
    if (op == D_BASENAME || op == D_EPOCH_NS) ok = argc == 1 && isField(arg(i, 0), false);
    else if (op == D_AFTER || op == D_MEMBER) ok = argc == 2 && isField(arg(i, 0), false) && isString(arg(i, 1));
    else if (op == D_SPLIT) ok = argc == 3 && isField(arg(i, 0), true) && isField(arg(i, 1), false) && arg(i, 2) <= QUOTE_SPACED;
    else if (op == D_LIST) {
      ok = argc >= 2 && isField(arg(i, 0), true);
      for (let k: u32 = 1; ok && k < argc; k++) ok = isField(arg(i, k), false);
    } else if (op == D_SELECT) ok = argc == 4 && isField(arg(i, 0), false) && isString(arg(i, 1)) && isString(arg(i, 2)) && isString(arg(i, 3));
    else if (op == D_WHEN) ok = argc == 2 && isCode(arg(i, 0), false) && isField(arg(i, 1), false);
    else if (op == D_BOOL) ok = argc == 2 && isCode(arg(i, 0), true) && isCode(arg(i, 1), false);
    if (!ok) return false;
  }
  for (let s = 0; s < loadedShapes; s++) if (!isCode(load<u32>(truncatedCode + <usize>s * 4), true)) return false;
  return true;
}

// ── the pass ──────────────────────────────────────────────────────────────────────────────────────────
let rType: u32 = T_NONE;
let rOff: usize = 0;
let rLen: usize = 0;
let rConst: bool = false;

/** Computes the values shape s derives for the current record (and counts arguments the sensor truncated). */
export function deriveShape(s: i32): void {
  if (s >= loadedShapes) return;
  const first = <i32>load<u32>(shapeFirst + <usize>s * 4);
  const end = <i32>load<u32>(shapeEnd + <usize>s * 4);
  used = 0;
  for (let i = first; i < end; i++) store<u32>(slot(i), T_NONE);
  for (let i = first; i < end; i++) {
    rConst = false;
    if (!compute(i)) continue;
    const sl = slot(i);
    store<u32>(sl, rType);
    store<u32>(sl, <u32>rOff, 4);
    store<u32>(sl, <u32>rLen, 8);
    store<u32>(sl, rConst ? 1 : 0, 12);
  }
  const t = load<u32>(truncatedCode + <usize>s * 4);
  if (t != NONE && evalNode(t)) bump(C_ARGS_TRUNCATED);
}

function compute(i: i32): bool {
  const op = load<u32>(entry(i));
  if (op == D_SELECT) {
    if (!getField(arg(i, 0)) || fvConst || (fvType & T_MASK) != T_ARRAY) return false;
    const k = arg(i, 1);
    const v = arg(i, 2);
    const m = arg(i, 3);
    if (!selectElement(fvOff, fvLen, strPtr(k), strLen(k), strPtr(v), strLen(v), strPtr(m), strLen(m))) return false;
    rType = mType;
    rOff = mOff;
    rLen = mLen;
    return true;
  }
  if (op == D_MEMBER) {
    if (!getField(arg(i, 0)) || fvConst || (fvType & T_MASK) != T_OBJECT) return false;
    const m = arg(i, 1);
    if (!memberAt(fvOff, fvLen, strPtr(m), strLen(m))) return false;
    rType = mType;
    rOff = mOff;
    rLen = mLen;
    return true;
  }
  if (op == D_WHEN) {
    if (!evalNode(arg(i, 0)) || !getField(arg(i, 1))) return false;
    rType = fvType;
    rOff = fvOff;
    rLen = fvLen;
    rConst = fvConst;
    return true;
  }
  if (op == D_BOOL) {
    const present = arg(i, 0);
    if (present != NONE && !evalNode(present)) return false;
    const holds = evalNode(arg(i, 1));
    rType = holds ? T_TRUE : T_FALSE;
    rOff = holds ? literals : literals + 8;
    rLen = holds ? 4 : 5;
    return true;
  }
  if (op == D_EPOCH_NS) {
    if (!getField(arg(i, 0)) || fvConst || (fvType & T_MASK) != T_NUMBER) return false;
    rType = T_NUMBER | T_EPOCH_NS;
    rOff = fvOff;
    rLen = fvLen;
    return true;
  }
  if (op == D_BASENAME || op == D_AFTER) return piece(i, op);
  if (op == D_SPLIT) return split(i);
  if (op == D_LIST) return list(i);
  return false;
}

// ── JSON text in the arena ────────────────────────────────────────────────────────────────────────────
@inline function room(n: usize): bool {
  return used + n <= ARENA_CAP;
}
@inline function put(c: u32): void {
  store<u8>(arena + used, <u8>c);
  used++;
}

/** A string already in JSON form (a body read from the record), with its quotes. */
function putBody(p: usize, n: usize): void {
  put(0x22);
  memory.copy(arena + used, p, n);
  used += n;
  put(0x22);
}

/** The current field as a record string body; false for anything else (constants included). */
@inline function recordString(): bool {
  return !fvConst && (fvType & T_MASK) == T_STRING;
}

/** Plain bytes [p, p+n) as a JSON string (quoted, escaped) in the arena: the result. False when it does not fit. */
function putPlain(p: usize, n: usize): bool {
  let need: usize = 2;
  let esc = false;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x22 || c == 0x5C) need += 2;
    else if (c < 0x20) need += 6;
    else need += 1;
  }
  if (!room(need)) return false;
  const start = used;
  put(0x22);
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x22 || c == 0x5C) {
      put(0x5C);
      put(c);
      esc = true;
    } else if (c < 0x20) {
      put(0x5C);
      put(0x75);
      put(0x30);
      put(0x30);
      put(c < 0x10 ? 0x30 : 0x31);
      const lo = c & 0xF;
      put(lo < 10 ? 0x30 + lo : 0x57 + lo);
      esc = true;
    } else put(c);
  }
  put(0x22);
  rType = T_STRING | (esc ? T_ESC : 0);
  rOff = arena + start + 1;
  rLen = used - start - 2;
  return true;
}

/** BASENAME: after the last '/'; AFTER: after the first separator (all of it without one). Absent when empty. */
function piece(i: i32, op: u32): bool {
  if (!getField(arg(i, 0)) || !recordString()) return false;
  let p = fvOff;
  let n = fvLen;
  if ((fvType & T_ESC) != 0) {
    const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
    if (d < 0) return false;
    p = scratch;
    n = <usize>d;
  }
  let from: usize = 0;
  if (op == D_BASENAME) {
    for (let k: usize = 0; k < n; k++) if (load<u8>(p + k) == 0x2F) from = k + 1;
  } else {
    const sep = arg(i, 1);
    const sp = strPtr(sep);
    const sn = strLen(sep);
    for (let k: usize = 0; sn > 0 && k + sn <= n; k++) {
      if (memory.compare(p + k, sp, sn) == 0) {
        from = k + sn;
        break;
      }
    }
  }
  if (from >= n) return false;
  return putPlain(p + from, n - from);
}

/** SPLIT: [head, the arguments split from a string]. Without the string, [head] alone (no head: absent). */
function split(i: i32): bool {
  const head = arg(i, 0);
  const start = used;
  if (!room(2)) return false;
  put(0x5B);
  let count = 0;
  if (head != NONE) {
    if (!getField(head) || !recordString() || !room(fvLen + 3)) {
      used = start;
      return false;
    }
    putBody(fvOff, fvLen);
    count++;
  }
  if (getField(arg(i, 1)) && recordString()) {
    tokensBegin(fvOff, fvLen, arg(i, 2));
    while (tokensNext()) {
      if (!room(tokLen + 4)) break; // the arena is full: the arguments that fit
      if (count++ > 0) put(0x2C);
      putBody(tokOff, tokLen);
    }
  } else if (head == NONE) {
    used = start;
    return false;
  }
  put(0x5D);
  rType = T_ARRAY;
  rOff = arena + start;
  rLen = used - start;
  return true;
}

/** LIST: [head, items 0 … count-1], each a string of the record; absent unless every one is there. */
function list(i: i32): bool {
  const argc = load<u32>(entry(i), 8);
  if (!getField(arg(i, 1)) || fvConst || (fvType & T_MASK) != T_NUMBER || fvLen > 4) return false;
  let count: u32 = 0;
  for (let k: usize = 0; k < fvLen; k++) {
    const d = <u32>load<u8>(fvOff + k) - 0x30;
    if (d > 9) return false;
    count = count * 10 + d;
  }
  if (count > argc - 2) return false;
  const start = used;
  if (!room(2)) return false;
  put(0x5B);
  const head = arg(i, 0);
  for (let k: u32 = head == NONE ? 1 : 0; k <= count; k++) {
    const f = k == 0 ? head : arg(i, k + 1);
    if (!getField(f) || !recordString() || !room(fvLen + 4)) {
      used = start;
      return false;
    }
    if (used > start + 1) put(0x2C);
    putBody(fvOff, fvLen);
  }
  put(0x5D);
  rType = T_ARRAY;
  rOff = arena + start;
  rLen = used - start;
  return true;
}
