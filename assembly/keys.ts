// Join keys of a candidate: a stage's key fields in order (EQL's `by` fields), each a string or a number (its
// text). An array value makes the record a candidate under each distinct element; with several array fields,
// under each combination — at most `max_keys_per_record` of them (the rest counted, keys_overflow). In key mode
// namespace-pod the stage's namespace comes first. Values of any length join: they are decoded into a growable
// buffer, a key's identity is a streaming hash over its parts, and its text ("ns/v1/v2…") is built only when a
// sequence is reported.

import { addTo, C_KEYS_OVERFLOW } from "./counters";
import { getField, fvType, fvOff, fvLen, fvConst, NONE } from "./program";
import { elementsBegin, elementsNext, elementOff, elementLen, elementType } from "./elements";
import { stageKeyCount, stageKey, stageNsField, stageNsTransform, NS_SERVICEACCOUNT, MAX_KEY_FIELDS } from "./rules";
import { T_STRING, T_NUMBER, T_ARRAY, T_ESC, T_MASK } from "./scan";
import { decodeString, bytesEqual } from "./strings";
import { hashBytes, hashCombine } from "./hash";
import { Buf } from "./buf";

// @ts-ignore: decorator
@inline const MAX_COMBOS: i32 = 256; // the option's upper bound

export let maxCombos: i32 = 16;
export let keyModeNamespace: bool = false;

export function configureKeys(combos: i32, nsMode: bool): void {
  maxCombos = combos;
  keyModeNamespace = nsMode;
}

const vals = new Buf(1024); // decoded values of the current stage's key fields
const valTable: usize = heap.alloc(<usize>MAX_KEY_FIELDS * MAX_COMBOS * 8); // off u32 | len u32 per value
const fieldCounts: usize = heap.alloc(<usize>MAX_KEY_FIELDS * 4);
let fields = 0;
const ns = new Buf(256); // "<ns>/" in key mode namespace-pod
/** Length of the namespace prefix ("<ns>/"), 0 without one: the pod (or first value) starts there. */
export let podOff: usize = 0;
/** Key combinations of the current stage. */
export let comboCount = 0;

@inline function valPtr(f: i32, i: i32): usize {
  return valTable + (<usize>(f * MAX_COMBOS + i) << 3);
}
@inline function count(f: i32): i32 {
  return <i32>load<u32>(fieldCounts + (<usize>f << 2));
}

/** Appends a string body or a number's text to vals as plain bytes; -1 when it is no usable key value. */
function putValue(t: u32, p: usize, n: usize, isConst: bool): isize {
  const base = t & T_MASK;
  if (base != T_STRING && base != T_NUMBER) return -1;
  vals.reserve(n + 4);
  const dst = vals.base + vals.len;
  if (base == T_STRING && (t & T_ESC) != 0 && !isConst) {
    const d = decodeString(p, p + n, dst, n + 4);
    if (d < 0) return -1;
    return d;
  }
  memory.copy(dst, p, n);
  return <isize>n;
}

/** Adds one value to field f unless it repeats one already there; counts values past the cap as extra. */
function addValue(f: i32, t: u32, p: usize, n: usize, isConst: bool, extra: i32): i32 {
  const off = vals.len;
  const len = putValue(t, p, n, isConst);
  if (len < 0) return extra;
  const c = count(f);
  for (let i = 0; i < c; i++) {
    const v = valPtr(f, i);
    if (<isize>load<u32>(v, 4) == len && bytesEqual(vals.base + <usize>load<u32>(v), vals.base + off, <usize>len)) return extra;
  }
  if (c >= maxCombos) return extra + 1; // not kept: it only adds combinations past the cap
  store<u32>(valPtr(f, c), <u32>off);
  store<u32>(valPtr(f, c), <u32>len, 4);
  store<u32>(fieldCounts + (<usize>f << 2), <u32>(c + 1));
  vals.len = off + <usize>len;
  return extra;
}

/** The namespace part for namespace-pod keys into ns; false when the record has none. */
function namespaceOf(r: i32, stage: i32): bool {
  const f = stageNsField(r, stage);
  if (f == NONE || !getField(f)) return false;
  const t = fvType & T_MASK;
  if (t != T_STRING && t != T_NUMBER) return false;
  ns.reserve(fvLen + 5);
  let len: usize = fvLen;
  if (t == T_STRING && (fvType & T_ESC) != 0 && !fvConst) {
    const d = decodeString(fvOff, fvOff + fvLen, ns.base, fvLen + 4);
    if (d < 0) return false;
    len = <usize>d;
  } else memory.copy(ns.base, fvOff, fvLen);
  if (len == 0) return false;
  let start: usize = 0;
  if (stageNsTransform(r, stage) == NS_SERVICEACCOUNT) {
    // system:serviceaccount:<ns>:<sa>
    const prefix = "system:serviceaccount:";
    const pl = <usize>prefix.length;
    if (len <= pl) return false;
    for (let i: usize = 0; i < pl; i++) if (<u32>load<u8>(ns.base + i) != <u32>prefix.charCodeAt(<i32>i)) return false;
    let end = pl;
    while (end < len && load<u8>(ns.base + end) != 0x3A) end++;
    if (end == len || end == pl) return false;
    start = pl;
    len = end - pl;
    memory.copy(ns.base, ns.base + start, len);
  }
  store<u8>(ns.base + len, 0x2F); // "<ns>/"
  ns.len = len + 1;
  podOff = ns.len;
  return true;
}

/** Collects the key values of rule r's stage; returns how many key combinations the record has (0: no key). */
export function extractKeys(r: i32, stage: i32): i32 {
  comboCount = 0;
  podOff = 0;
  vals.reset();
  ns.reset();
  if (keyModeNamespace && !namespaceOf(r, stage)) return 0;
  fields = stageKeyCount(r, stage);
  let total: f64 = 1;
  let kept: f64 = 1;
  for (let f = 0; f < fields; f++) {
    store<u32>(fieldCounts + (<usize>f << 2), 0);
    if (!getField(stageKey(r, stage, f))) return 0;
    let extra = 0;
    if ((fvType & T_MASK) == T_ARRAY) {
      elementsBegin(fvOff, fvLen);
      while (elementsNext()) extra = addValue(f, elementType(), elementOff(), elementLen(), false, extra);
    } else extra = addValue(f, fvType, fvOff, fvLen, fvConst, extra);
    const c = count(f);
    if (c == 0) return 0;
    kept *= <f64>c;
    total *= <f64>(c + extra);
  }
  const n = kept < <f64>maxCombos ? <i32>kept : maxCombos;
  if (total > <f64>n) addTo(C_KEYS_OVERFLOW, <u64>Math.min(total - <f64>n, 4294967295));
  comboCount = n;
  return n;
}

/** The value index of field f in combination i (the first field varies slowest). */
function digit(i: i32, f: i32): i32 {
  let q = i;
  for (let g = fields - 1; g > f; g--) q /= count(g);
  return q % count(f);
}

/** Identity of key combination i under a seed: a hash over the namespace and each value. */
export function comboHash(i: i32, seed: u64): u64 {
  let h = ns.len > 0 ? hashBytes(seed, ns.base, ns.len) : seed;
  for (let f = 0; f < fields; f++) {
    const v = valPtr(f, digit(i, f));
    const part = hashBytes(seed, vals.base + <usize>load<u32>(v), <usize>load<u32>(v, 4));
    h = f == 0 && ns.len == 0 ? part : hashCombine(h, part);
  }
  return h;
}

/** The text of key combination i into b: "<ns>/" (key mode namespace-pod), then the values joined by "/". */
export function comboText(i: i32, b: Buf): void {
  b.reset();
  b.bytes(ns.base, ns.len);
  for (let f = 0; f < fields; f++) {
    if (f > 0) b.byte(0x2F);
    const v = valPtr(f, digit(i, f));
    b.bytes(vals.base + <usize>load<u32>(v), <usize>load<u32>(v, 4));
  }
}
