// Dispatch: which rule stages a record is evaluated against. The compiler files each stage under values (or
// prefixes) that its predicate requires some field to hold (host/rules/dispatch.ts); per record, each such field
// is read once (as the stages' own tests read it: the record's shape, any array element, numbers and booleans by
// their text, escapes decoded, ASCII case folded where the test folds), each value — and its prefixes of the
// lengths the field's prefixes have — is looked up in a hash table of the filed values, and the stages filed under
// those found — plus those filed under none — are marked in a bitmap. Stages are numbered in evaluation order (rule by rule, each rule's last stage first, as EQL evaluates
// them), so walking the bitmap's bits keeps the order of evaluating every stage.
//
// section: fields n, n × (field, flags, prefix lengths k, k × length) | groups g, g × (count, count × ordinal) |
//          entries e, e × (field index | PREFIX, string, group) | always: count, count × ordinal
// tables: ordinal → rule u32, stage u32; group rows (first u32, count u32) and their ordinals; the hash table of
//         entries (hash u32 | field index u32 | string u32 | group u32), a power of two ≥ 2 × entries; the
//         bitmap of the stages always evaluated, and the record's bitmap

import { rd, readString, checkField, getField, fvType, fvOff, fvLen, fvConst, strPtr, strLen, loadError } from "./program";
import { ruleCount, ruleStages, ruleFirstStage, stageRowCount } from "./rules";
import { T_STRING, T_ARRAY, T_NUMBER, T_TRUE, T_FALSE, T_ESC, T_MASK } from "./scan";
import { elementsBegin, elementsNext, elOff, elLen, elType } from "./elements";
import { decodeString, bytesEqual, scratch, SCRATCH_CAP } from "./strings";
import { hashBytes } from "./hash";
import { programAlloc } from "./alloc";

// @ts-ignore: decorator
@inline export const MAX_DISPATCH_FIELDS: i32 = 16;
// @ts-ignore: decorator
@inline const MAX_ENTRIES: u32 = 1 << 20; // filed values (a value list of every rule, at most)
// @ts-ignore: decorator
@inline const MAX_PREFIX_LENGTHS: i32 = 16;
// @ts-ignore: decorator
@inline const PREFIX: u32 = 0x100; // an entry for a prefix of the field's value
// @ts-ignore: decorator
@inline const F_CI: u32 = 1;
// @ts-ignore: decorator
@inline const SEED: u64 = 0x6469737061746368;
// @ts-ignore: decorator
@inline const FOLD_CAP: usize = 4096;

let fieldCount = 0;
// per field: field u32 | flags u32 | prefix lengths k u32 | k × length u32
// @ts-ignore: decorator
@inline const FIELD_ROW: usize = 12 + <usize>MAX_PREFIX_LENGTHS * 4;
const fields: usize = heap.alloc(<usize>MAX_DISPATCH_FIELDS * FIELD_ROW);
let ordRows: usize = 0; // per ordinal: rule u32 | stage u32
let groupRows: usize = 0; // per group: first u32 | count u32 (into groupOrds)
let groupOrds: usize = 0;
let table: usize = 0;
let tableMask: u32 = 0;
let always: usize = 0;
let all: usize = 0;
let bits: usize = 0;
/** Words (u64) of the stage bitmaps. */
export let dispatchWords: i32 = 0;
let maxValue: usize = 0; // the longest filed value: a longer one is no entry
let enabled = true;
const folded: usize = heap.alloc(FOLD_CAP + 16);

@inline export function ordRule(o: i32): i32 {
  return <i32>load<u32>(ordRows + (<usize>o << 3));
}
@inline export function ordStage(o: i32): i32 {
  return <i32>load<u32>(ordRows + (<usize>o << 3), 4);
}
/** Word w of the current record's stage bitmap. */
@inline export function stageWord(w: i32): u64 {
  return load<u64>(bits + (<usize>w << 3));
}

/** Dispatch on (true) or every stage for every record (false: for tests and A/B measurements). */
export function setDispatch(on: bool): void {
  enabled = on;
}

@inline function setBit(map: usize, o: u32): void {
  const p = map + (<usize>(o >> 6) << 3);
  store<u64>(p, load<u64>(p) | (<u64>1 << <u64>(o & 63)));
}

@inline function keyHash(f: u32, p: usize, n: usize): u32 {
  return <u32>hashBytes(SEED ^ <u64>f, p, n);
}

/** Reads the dispatch section (after the rules); false when it is malformed. */
export function loadDispatch(): bool {
  const ords = stageRowCount;
  ordRows = programAlloc(<usize>ords * 8);
  for (let r = 0; r < ruleCount; r++) {
    const n = ruleStages(r);
    for (let s = 0; s < n; s++) {
      const o = ruleFirstStage(r) + (n - 1 - s);
      store<u32>(ordRows + (<usize>o << 3), <u32>r);
      store<u32>(ordRows + (<usize>o << 3), <u32>s, 4);
    }
  }
  dispatchWords = (ords + 63) >> 6;
  always = programAlloc(<usize>dispatchWords * 8);
  all = programAlloc(<usize>dispatchWords * 8);
  bits = programAlloc(<usize>dispatchWords * 8);
  for (let o = 0; o < ords; o++) setBit(all, <u32>o);
  fieldCount = <i32>rd();
  if (fieldCount > MAX_DISPATCH_FIELDS) return false;
  for (let i = 0; i < fieldCount; i++) {
    const row = fields + <usize>i * FIELD_ROW;
    const f = rd();
    if (!checkField(f)) return false;
    store<u32>(row, f);
    store<u32>(row, rd(), 4);
    const k = rd();
    if (k > <u32>MAX_PREFIX_LENGTHS) return false;
    store<u32>(row, k, 8);
    for (let j: u32 = 0; j < k; j++) {
      const l = rd();
      if (l == 0 || l > 4096) return false;
      store<u32>(row + 12 + (<usize>j << 2), l);
    }
  }
  const groups = rd();
  if (groups > MAX_ENTRIES) return false;
  groupRows = programAlloc(<usize>groups * 8);
  // the group ordinals follow in the program: point into it after checking them
  for (let g: u32 = 0; g < groups; g++) {
    const count = rd();
    if (count > <u32>ords) return false;
    const at = programAlloc(<usize>count * 4);
    for (let i: u32 = 0; i < count; i++) {
      const o = rd();
      if (o >= <u32>ords) return false;
      store<u32>(at + (<usize>i << 2), o);
    }
    store<u32>(groupRows + (<usize>g << 3), <u32>at);
    store<u32>(groupRows + (<usize>g << 3), count, 4);
  }
  const entries = rd();
  if (entries > MAX_ENTRIES || groups > entries) return false;
  let size: u32 = 1;
  while (size < entries * 2) size <<= 1;
  tableMask = size - 1;
  table = programAlloc(<usize>size * 16);
  for (let i: u32 = 0; i < entries; i++) {
    const d = rd();
    const s = readString();
    const g = rd();
    if ((d & ~PREFIX) >= <u32>fieldCount || g >= groups || loadError != 0) return false;
    const n = strLen(s);
    if (n > maxValue) maxValue = n;
    const h = keyHash(d, strPtr(s), n);
    let b = h & tableMask;
    while (load<u32>(table + (<usize>b << 4), 12) != 0) b = (b + 1) & tableMask;
    const row = table + (<usize>b << 4);
    store<u32>(row, h);
    store<u32>(row, d, 4);
    store<u32>(row, s, 8);
    store<u32>(row, g + 1, 12); // 0: an empty bucket
  }
  const n = rd();
  if (n > <u32>ords) return false;
  for (let i: u32 = 0; i < n; i++) {
    const o = rd();
    if (o >= <u32>ords) return false;
    setBit(always, o);
  }
  return loadError == 0;
}

/** Marks the stages filed under value [p, p+n) of dispatch field d. */
function lookup(d: u32, p: usize, n: usize): void {
  if (n > maxValue) return;
  const h = keyHash(d, p, n);
  let b = h & tableMask;
  while (true) {
    const row = table + (<usize>b << 4);
    const g = load<u32>(row, 12);
    if (g == 0) return;
    if (load<u32>(row) == h && load<u32>(row, 4) == d) {
      const s = load<u32>(row, 8);
      if (strLen(s) == n && bytesEqual(strPtr(s), p, n)) {
        const gr = groupRows + (<usize>(g - 1) << 3);
        const at = <usize>load<u32>(gr);
        const count = load<u32>(gr, 4);
        for (let i: u32 = 0; i < count; i++) setBit(bits, load<u32>(at + (<usize>i << 2)));
        return;
      }
    }
    b = (b + 1) & tableMask;
  }
}

/** One value of a dispatch field: its plain bytes (decoded, folded) looked up, and its prefixes. */
function value(d: u32, t: u32, p: usize, n: usize, esc: bool, ci: bool): void {
  const base = t & T_MASK;
  if (base != T_STRING && base != T_NUMBER && base != T_TRUE && base != T_FALSE) return;
  if (base == T_STRING && esc) {
    const k = decodeString(p, p + n, scratch, SCRATCH_CAP);
    if (k < 0) return;
    p = scratch;
    n = <usize>k;
  }
  if (ci) {
    // fold what any entry can reach (the compiler files no value longer than FOLD_CAP)
    const m = min(n, min(maxValue, FOLD_CAP));
    for (let i: usize = 0; i < m; i++) {
      const c = <u32>load<u8>(p + i);
      store<u8>(folded + i, <u8>(c - 0x41 < 26 ? c | 0x20 : c));
    }
    p = folded;
    if (m < n) n = m + 1; // longer than every entry: no exact hit, prefixes up to m
  }
  lookup(d, p, n); // (a value longer than every entry returns at once)
  const row = fields + <usize>d * FIELD_ROW;
  const k = load<u32>(row, 8);
  for (let j: u32 = 0; j < k; j++) {
    const l = <usize>load<u32>(row + 12 + (<usize>j << 2));
    if (l > n) break; // lengths ascend
    lookup(d | PREFIX, p, l);
  }
}

/** Marks in the record's bitmap every stage it can match (the current record's shape and fields are set). */
export function dispatchRecord(): void {
  if (!enabled) {
    memory.copy(bits, all, <usize>dispatchWords << 3);
    return;
  }
  memory.copy(bits, always, <usize>dispatchWords << 3);
  for (let i = 0; i < fieldCount; i++) {
    const row = fields + <usize>i * FIELD_ROW;
    if (!getField(load<u32>(row))) continue;
    const ci = (load<u32>(row, 4) & F_CI) != 0;
    const t = fvType & T_MASK;
    if (t != T_ARRAY) {
      value(<u32>i, fvType, fvOff, fvLen, (fvType & T_ESC) != 0 && !fvConst, ci);
      continue;
    }
    elementsBegin(fvOff, fvLen);
    while (elementsNext()) value(<u32>i, elType, elOff, elLen, (elType & T_ESC) != 0, ci);
  }
}
