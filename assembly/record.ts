// The path of one record: size check, scan, shape, each rule's stage predicates (later stage first, as EQL
// does), event time, keys, lateness, matching, then the record leaves — byte-identical, or with the tag
// member spliced in — followed by any alert records. Both entries (batch, Fluent Bit) call processRecord.

import { bump, C_RECORDS_IN, C_RECORDS_OUT, C_INVALID, C_OVERSIZE, C_NO_KEY, C_NO_TIME, C_LATE, C_TAG_CONFLICT, C_CANDIDATES_STAGE1, C_CANDIDATES_STAGE2, C_KEYS_OVERFLOW, C_PREFILTER_SKIPPED } from "./counters";
import { mayBeCandidate } from "./prefilter";
import { scanRecord, recDuplicate, recClose, recEmpty, slotType, T_NONE, T_STRING, T_NUMBER, T_ARRAY, T_ESC, T_MASK } from "./scan";
import { selectShape, evalNode, getField, fvType, fvOff, fvLen, fvConst, tagPath, NONE } from "./program";
import { elementsBegin, elementsNext, elementOff, elementLen, elementType } from "./elements";
import { ruleCount, ruleStages, stageCode, stageTime, stageKey, stageNsField, stageNsTransform, NS_SERVICEACCOUNT } from "./rules";
import { parseTime, timeOk } from "./time";
import { decodeString, bytesEqual } from "./strings";
import { renderSummary } from "./summary";
import { out, tagBuf, alertBuf, beginRecord, candidateKey, candidateChain, applyPending, storePendingSummary, pendingMark, watermark, observeTime, matchSingle } from "./sequence";
import { splice } from "./alert";
import { holdEnabled, HF_NEWLINE, HF_EMPTY } from "./hold";
import { Buf } from "./buf";

// @ts-ignore: decorator
@inline export const MAX_KEYS_PER_RECORD: i32 = 4;
// @ts-ignore: decorator
@inline export const KEY_MAX: usize = 512; // namespace (63) + "/" + pod name (253) fit with room to spare

export let maxRecordBytes: usize = 1 << 20;
export let keyModeNamespace: bool = false;
/** The literal prefilter runs before a record is validated (validate = "candidates", and the program has one). */
export let prefilterOn: bool = false;

export function configurePrefilter(on: bool): void {
  prefilterOn = on;
}

export function configureRecords(maxRecord: usize, nsMode: bool): void {
  maxRecordBytes = maxRecord;
  keyModeNamespace = nsMode;
}

let arrival: u64 = 0;
const keyBuf: usize = heap.alloc(<usize>MAX_KEYS_PER_RECORD * KEY_MAX);
const keyLens: usize = heap.alloc(<usize>MAX_KEYS_PER_RECORD * 4);
let keyCount = 0;
let podOff: usize = 0;
const nsBuf: usize = heap.alloc(KEY_MAX);

/** Copies a string body or a number (its text) into dst as plain bytes; -1 when it is not a usable key. */
function keyValue(t: u32, p: usize, n: usize, dst: usize, cap: usize, isConst: bool): isize {
  const base = t & T_MASK;
  if (base == T_STRING) {
    if ((t & T_ESC) != 0 && !isConst) return decodeString(p, p + n, dst, cap);
    if (n > cap) return -1;
    memory.copy(dst, p, n);
    return <isize>n;
  }
  if (base == T_NUMBER && n <= cap) {
    memory.copy(dst, p, n);
    return <isize>n;
  }
  return -1;
}

function addKey(t: u32, p: usize, n: usize, isConst: bool): void {
  if (keyCount >= MAX_KEYS_PER_RECORD) {
    bump(C_KEYS_OVERFLOW);
    return;
  }
  const dst = keyBuf + <usize>keyCount * KEY_MAX + podOff;
  const len = keyValue(t, p, n, dst, KEY_MAX - podOff, isConst);
  if (len < 0) return;
  // the same key twice in one array is one key
  for (let i = 0; i < keyCount; i++) {
    const li = <usize>load<u32>(keyLens + <usize>i * 4);
    if (li == podOff + <usize>len && bytesEqual(keyBuf + <usize>i * KEY_MAX + podOff, dst, <usize>len)) return;
  }
  if (podOff > 0) memory.copy(keyBuf + <usize>keyCount * KEY_MAX, nsBuf, podOff);
  store<u32>(keyLens + <usize>keyCount * 4, <u32>(podOff + <usize>len));
  keyCount++;
}

/** The namespace part for namespace-pod keys into nsBuf; false when the record has none. */
function namespaceOf(r: i32, stage: i32): bool {
  const f = stageNsField(r, stage);
  if (f == NONE || !getField(f)) return false;
  const n = keyValue(fvType, fvOff, fvLen, nsBuf, KEY_MAX - 1, fvConst);
  if (n <= 0) return false;
  let start: usize = 0;
  let len = <usize>n;
  if (stageNsTransform(r, stage) == NS_SERVICEACCOUNT) {
    // system:serviceaccount:<ns>:<sa>
    const prefix = "system:serviceaccount:";
    const pl = <usize>prefix.length;
    if (len <= pl) return false;
    for (let i: usize = 0; i < pl; i++) if (<u32>load<u8>(nsBuf + i) != <u32>prefix.charCodeAt(<i32>i)) return false;
    let end = pl;
    while (end < len && load<u8>(nsBuf + end) != 0x3A) end++;
    if (end == len || end == pl) return false;
    start = pl;
    len = end - pl;
    memory.copy(nsBuf, nsBuf + start, len);
  }
  store<u8>(nsBuf + len, 0x2F); // "<ns>/"
  podOff = len + 1;
  return true;
}

/** Extracts the keys of rule r's stage into keyBuf; returns how many. */
export function extractKeys(r: i32, stage: i32): i32 {
  keyCount = 0;
  podOff = 0;
  if (keyModeNamespace && !namespaceOf(r, stage)) return 0;
  if (!getField(stageKey(r, stage))) return 0;
  const t = fvType & T_MASK;
  if (t == T_ARRAY) {
    elementsBegin(fvOff, fvLen);
    while (elementsNext()) addKey(elementType(), elementOff(), elementLen(), false);
  } else addKey(fvType, fvOff, fvLen, fvConst);
  return keyCount;
}

@inline export function keyPtr(i: i32): usize {
  return keyBuf + <usize>i * KEY_MAX;
}
@inline export function keyLen(i: i32): usize {
  return <usize>load<u32>(keyLens + <usize>i * 4);
}

let hasTime = false;

/** The event time of rule r's stage for the current record; hasTime false (and no_time counted) without one. */
function stageTimeOf(r: i32, stage: i32): i64 {
  const present = getField(stageTime(r, stage));
  const t = present ? parseTime(fvType, fvOff, fvLen) : 0;
  hasTime = present && timeOk;
  if (!hasTime) bump(C_NO_TIME);
  return t;
}

/** A single-event rule: the record matches on its own (the key, when present, names the pod). */
function single(r: i32): void {
  const t = stageTimeOf(r, 0);
  if (!hasTime) return;
  const n = extractKeys(r, 0);
  bump(C_CANDIDATES_STAGE1);
  renderSummary(r, 0);
  if (n > 0) matchSingle(r, t, keyPtr(0), keyLen(0), podOff);
  else matchSingle(r, t, keyBuf, 0, 0);
}

function candidate(r: i32, stage: i32): void {
  const t = stageTimeOf(r, stage);
  if (!hasTime) return;
  if (extractKeys(r, stage) == 0) {
    bump(C_NO_KEY);
    return;
  }
  if (t < watermark()) {
    bump(C_LATE);
    return;
  }
  observeTime(t);
  bump(stage == 0 ? C_CANDIDATES_STAGE1 : C_CANDIDATES_STAGE2);
  renderSummary(r, stage);
  const n = ruleStages(r);
  if (n > 2) {
    for (let i = 0; i < keyCount; i++) candidateChain(r, stage, n, t, keyPtr(i), keyLen(i), podOff);
    return;
  }
  const mark = pendingMark();
  for (let i = 0; i < keyCount; i++) candidateKey(r, stage, t, keyPtr(i), keyLen(i), podOff);
  storePendingSummary(mark);
}

/** The record leaves unchanged: by reference, copied only when something is written after it (Buf.defer). */
function passThrough(p: usize, n: usize, nl: bool): void {
  out.defer(p, nl ? n + 1 : n);
  bump(C_RECORDS_OUT);
}

/**
 * Processes one record [p, p+n) (SLACK bytes of room after it); nl: it was followed by a newline; prefiltered:
 * the caller already found that it may be a candidate.
 */
export function processRecord(p: usize, n: usize, nl: bool, prefiltered: bool = false): void {
  bump(C_RECORDS_IN);
  arrival++;
  if (n > maxRecordBytes) {
    bump(C_OVERSIZE);
    passThrough(p, n, nl);
    return;
  }
  if (prefilterOn && !prefiltered && !mayBeCandidate(p, p + n)) {
    bump(C_PREFILTER_SKIPPED);
    passThrough(p, n, nl);
    return;
  }
  if (!scanRecord(p, p + n) || recDuplicate) {
    bump(C_INVALID);
    passThrough(p, n, nl);
    return;
  }
  selectShape();
  beginRecord(p, n, arrival);
  const conflict = tagPath != NONE && slotType(<i32>tagPath) != T_NONE;
  for (let r = 0; r < ruleCount; r++) {
    if (ruleStages(r) == 1) {
      if (evalNode(stageCode(r, 0))) single(r);
      continue;
    }
    // later stages first, as EQL does: an event never completes a sequence it starts
    for (let stage = ruleStages(r) - 1; stage >= 0; stage--) {
      if (evalNode(stageCode(r, stage))) candidate(r, stage);
    }
  }
  const close = recClose - p;
  const empty = recEmpty;
  const flags = (nl ? HF_NEWLINE : 0) | (empty ? HF_EMPTY : 0);
  const held = applyPending(holdEnabled && !conflict, close, flags);
  if (!held) {
    if (tagBuf.len > 0 && !conflict) {
      splice(out, p, n, close, empty, tagBuf);
      if (nl) out.byte(0x0A);
      bump(C_RECORDS_OUT);
    } else passThrough(p, n, nl);
  }
  if (tagBuf.len > 0 && conflict) bump(C_TAG_CONFLICT);
  if (alertBuf.len > 0) {
    if (!nl && !held) out.byte(0x0A);
    out.bytes(alertBuf.base, alertBuf.len);
  }
}

/** `podprobe key`: one line per record with its first correlation key (JSON-escaped), or an empty line. */
export function recordKey(p: usize, n: usize, dst: Buf): void {
  bump(C_RECORDS_IN);
  if (n <= maxRecordBytes && (!prefilterOn || mayBeCandidate(p, p + n)) && scanRecord(p, p + n) && !recDuplicate) {
    selectShape();
    let done = false;
    for (let r = 0; r < ruleCount && !done; r++) {
      for (let stage = ruleStages(r) - 1; stage >= 0 && !done; stage--) {
        if (evalNode(stageCode(r, stage)) && extractKeys(r, stage) > 0) {
          dst.escaped(keyPtr(0), keyLen(0));
          done = true;
        }
      }
    }
  }
  dst.byte(0x0A);
  bump(C_RECORDS_OUT);
}
