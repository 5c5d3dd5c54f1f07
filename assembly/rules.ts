// Sequence rules of the program: per rule its metadata, maxspan, and per stage the predicate, the time,
// join key fields and namespace field, the summary fields, plus the alert message template; then the program's
// record-level settings (source field, embedded-record carriers). Read after the tables.
//
//   rules: n, n × ( id, name, maxspan ns lo, hi (both 0xFFFFFFFF: none), severity, risk_score, threat (JSON text),
//                   stages (1: single event, 2-8: sequence), stages × ( code, time field, key count,
//                   key count × key field, namespace field | NONE, namespace transform, summaries,
//                   summaries × (name, field, flags) ), parts, parts × (kind, a, b) )
//   then: source field | NONE, carriers n, n × field, embedded shape | NONE, marker string | NONE
//   namespace transform: 0 = the value itself, 1 = <ns> of "system:serviceaccount:<ns>:<sa>"
//   summary flags: 1 = redact credentials in the alert record
//   message parts: 0 = literal string a, 1 = key, 2 = span in ms, 3 = summary field b of stage a, 4 = pod
//   carriers: string fields whose text may hold a whole record of the embedded shape (an audit Event written
//   to a container log); the marker must occur in such a string's raw bytes before it is decoded and read.

import { rd, readString, checkCode, checkField, NONE, loadError, strPtr, strLen, stringCount } from "./program";
import { hashBytes } from "./hash";

// @ts-ignore: decorator
@inline export const MAX_RULES: i32 = 16;
// @ts-ignore: decorator
@inline export const STAGES: i32 = 8; // most stages a rule may have (1: single event, 2-8: sequence)
// @ts-ignore: decorator
@inline export const MAX_KEY_FIELDS: i32 = 8; // join fields per stage (EQL's `by` fields, sequence-level first)
// @ts-ignore: decorator
@inline const MAX_CARRIERS: i32 = 4;
/** A rule without maxspan: every span fits. */
export const NO_MAXSPAN: i64 = i64.MAX_VALUE;
// @ts-ignore: decorator
@inline export const MAX_SUMMARY_FIELDS: i32 = 16;
// @ts-ignore: decorator
@inline const MAX_PARTS: i32 = 64; // an 8-stage rule names a few fields per stage in its message

export const NS_VALUE: u32 = 0;
export const NS_SERVICEACCOUNT: u32 = 1;
export const PART_LITERAL: u32 = 0;
export const PART_KEY: u32 = 1;
export const PART_SPAN_MS: u32 = 2;
export const PART_FIELD: u32 = 3;
export const PART_POD: u32 = 4;
export const SUMMARY_REDACT: u32 = 1;

export let ruleCount: i32 = 0;

// rule row: id, name, maxspan (i64), severity, risk, threat, idHash (u64), parts count, stage count
// @ts-ignore: decorator
@inline const RULE_ROW: usize = 48;
// (the stage count sits in the row's last word: +44)
const ruleTable: usize = heap.alloc(<usize>MAX_RULES * RULE_ROW);
// stage row: code, time, ns field, ns transform, summary count, key count, keys × 8, then summary
// (name, field, flags) × 16
// @ts-ignore: decorator
@inline const STAGE_KEYS: usize = 24;
// @ts-ignore: decorator
@inline const STAGE_SUMMARY: usize = STAGE_KEYS + <usize>MAX_KEY_FIELDS * 4;
// @ts-ignore: decorator
@inline const STAGE_ROW: usize = STAGE_SUMMARY + <usize>MAX_SUMMARY_FIELDS * 12;
const stageTable: usize = heap.alloc(<usize>MAX_RULES * STAGES * STAGE_ROW);
const partTable: usize = heap.alloc(<usize>MAX_RULES * MAX_PARTS * 12);

@inline function ruleRow(r: i32): usize {
  return ruleTable + <usize>r * RULE_ROW;
}
@inline function stageRow(r: i32, s: i32): usize {
  return stageTable + (<usize>r * STAGES + <usize>s) * STAGE_ROW;
}

@inline export function ruleId(r: i32): u32 {
  return load<u32>(ruleRow(r));
}
@inline export function ruleName(r: i32): u32 {
  return load<u32>(ruleRow(r), 4);
}
@inline export function ruleMaxspan(r: i32): i64 {
  return load<i64>(ruleRow(r), 8);
}
@inline export function ruleSeverity(r: i32): u32 {
  return load<u32>(ruleRow(r), 16);
}
@inline export function ruleRisk(r: i32): u32 {
  return load<u32>(ruleRow(r), 20);
}
@inline export function ruleThreat(r: i32): u32 {
  return load<u32>(ruleRow(r), 24);
}
@inline export function ruleIdHash(r: i32): u64 {
  return load<u64>(ruleRow(r), 32);
}
@inline export function rulePartCount(r: i32): u32 {
  return load<u32>(ruleRow(r), 40);
}
/** 1 for a single-event rule, 2-8 for a sequence. */
@inline export function ruleStages(r: i32): i32 {
  return <i32>load<u32>(ruleRow(r), 44);
}
@inline export function stageCode(r: i32, s: i32): u32 {
  return load<u32>(stageRow(r, s));
}
@inline export function stageTime(r: i32, s: i32): u32 {
  return load<u32>(stageRow(r, s), 4);
}
@inline export function stageNsField(r: i32, s: i32): u32 {
  return load<u32>(stageRow(r, s), 8);
}
@inline export function stageNsTransform(r: i32, s: i32): u32 {
  return load<u32>(stageRow(r, s), 12);
}
@inline export function summaryCount(r: i32, s: i32): i32 {
  return <i32>load<u32>(stageRow(r, s), 16);
}
@inline export function stageKeyCount(r: i32, s: i32): i32 {
  return <i32>load<u32>(stageRow(r, s), 20);
}
@inline export function stageKey(r: i32, s: i32, i: i32): u32 {
  return load<u32>(stageRow(r, s) + STAGE_KEYS + (<usize>i << 2));
}
@inline export function summaryName(r: i32, s: i32, i: i32): u32 {
  return load<u32>(stageRow(r, s) + STAGE_SUMMARY + <usize>i * 12);
}
@inline export function summaryField(r: i32, s: i32, i: i32): u32 {
  return load<u32>(stageRow(r, s) + STAGE_SUMMARY + <usize>i * 12, 4);
}
@inline export function summaryFlags(r: i32, s: i32, i: i32): u32 {
  return load<u32>(stageRow(r, s) + STAGE_SUMMARY + <usize>i * 12, 8);
}
@inline export function partKind(r: i32, i: u32): u32 {
  return load<u32>(partTable + (<usize>r * MAX_PARTS + <usize>i) * 12);
}
@inline export function partA(r: i32, i: u32): u32 {
  return load<u32>(partTable + (<usize>r * MAX_PARTS + <usize>i) * 12, 4);
}
@inline export function partB(r: i32, i: u32): u32 {
  return load<u32>(partTable + (<usize>r * MAX_PARTS + <usize>i) * 12, 8);
}

/** Reads the rules section; false when it is malformed. */
export function loadRules(): bool {
  const n = <i32>rd();
  if (n < 1 || n > MAX_RULES) return false;
  for (let r = 0; r < n; r++) {
    const row = ruleRow(r);
    const id = readString();
    store<u32>(row, id);
    store<u32>(row, readString(), 4);
    const lo = rd();
    const hi = rd();
    let maxspan = (<i64>hi << 32) | <i64>lo;
    if (lo == 0xFFFFFFFF && hi == 0xFFFFFFFF) maxspan = NO_MAXSPAN;
    else if (maxspan <= 0) return false;
    store<i64>(row, maxspan, 8);
    store<u32>(row, rd(), 16);
    store<u32>(row, rd(), 20);
    store<u32>(row, readString(), 24);
    store<u64>(row, hashBytes(0x706F6470726F6265, strPtr(id), strLen(id)), 32);
    const stages = <i32>rd();
    if (stages < 1 || stages > STAGES) return false;
    store<u32>(row, <u32>stages, 44);
    for (let s = 0; s < stages; s++) {
      const st = stageRow(r, s);
      const code = rd();
      if (!checkCode(code)) return false;
      store<u32>(st, code);
      const time = rd();
      if (!checkField(time)) return false;
      store<u32>(st, time, 4);
      const kc = <i32>rd();
      if (kc < 1 || kc > MAX_KEY_FIELDS) return false;
      store<u32>(st, <u32>kc, 20);
      for (let i = 0; i < kc; i++) {
        const key = rd();
        if (!checkField(key)) return false;
        store<u32>(st + STAGE_KEYS + (<usize>i << 2), key);
      }
      const ns = rd();
      const transform = rd();
      if ((ns != NONE && !checkField(ns)) || transform > NS_SERVICEACCOUNT) return false;
      store<u32>(st, ns, 8);
      store<u32>(st, transform, 12);
      const sc = <i32>rd();
      if (sc < 1 || sc > MAX_SUMMARY_FIELDS) return false;
      store<u32>(st, <u32>sc, 16);
      for (let i = 0; i < sc; i++) {
        const e = st + STAGE_SUMMARY + <usize>i * 12;
        store<u32>(e, readString());
        const f = rd();
        if (!checkField(f)) return false;
        store<u32>(e, f, 4);
        store<u32>(e, rd(), 8);
      }
    }
    const parts = rd();
    if (parts > <u32>MAX_PARTS) return false;
    store<u32>(row, parts, 40);
    for (let i: u32 = 0; i < parts; i++) {
      const pe = partTable + (<usize>r * MAX_PARTS + <usize>i) * 12;
      const kind = rd();
      const a = rd();
      const b = rd();
      if (kind > PART_POD) return false;
      if (kind == PART_LITERAL && a >= <u32>stringCount) return false;
      if (kind == PART_FIELD && (a >= <u32>stages || <i32>b >= summaryCount(r, <i32>a))) return false;
      store<u32>(pe, kind);
      store<u32>(pe, a, 4);
      store<u32>(pe, b, 8);
    }
  }
  ruleCount = n;
  sourceField = rd();
  if (sourceField != NONE && !checkField(sourceField)) return false;
  carrierCount = <i32>rd();
  if (carrierCount > MAX_CARRIERS) return false;
  for (let i = 0; i < carrierCount; i++) {
    const f = rd();
    if (!checkField(f)) return false;
    store<u32>(carriers + (<usize>i << 2), f);
  }
  embedShape = rd();
  embedMarker = rd();
  if (embedMarker != NONE && embedMarker >= <u32>stringCount) return false;
  return loadError == 0;
}

/** The record field naming a candidate's source (NONE: the transport's source only). */
export let sourceField: u32 = NONE;
/** Fields that may carry an embedded record, the shape such a record must have, and the marker its raw text holds. */
export let carrierCount: i32 = 0;
const carriers: usize = heap.alloc(<usize>MAX_CARRIERS * 4);
export let embedShape: u32 = NONE;
export let embedMarker: u32 = NONE;
@inline export function carrier(i: i32): u32 {
  return load<u32>(carriers + (<usize>i << 2));
}
