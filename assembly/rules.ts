// The rules of the program: per rule its metadata, maxspan and kind (sequence, single event or sample), per stage
// the predicate, the time, the join key fields and namespace field, `runs` (how many consecutive positions of the
// sequence the stage stands for: EQL's `[…] with runs=N`), the summary fields, plus the alert message template;
// then the program's record-level settings (source field, embedded-record carriers). Read after the tables.
//
//   rules: n, stage rows, key fields, summary rows, part rows (totals: the tables are allocated from them), then
//          n × ( id, name, maxspan ns lo, hi (both 0xFFFFFFFF: none), severity, risk_score, threat (JSON text),
//                kind (0 sequence or single event, 1 sample), stages (1: single event, 2-8: sequence or sample),
//                stages × ( code, time field, runs, key count, key count × key field, namespace field | NONE,
//                namespace transform, summaries, summaries × (name, field, flags) ),
//                parts, parts × (kind, a, b) )
//   then: source field | NONE, carriers n, n × field, embedded shape | NONE, marker string | NONE
//   namespace transform: 0 = the value itself, 1 = <ns> of "system:serviceaccount:<ns>:<sa>"
//   summary flags: 1 = redact credentials in the alert record
//   message parts: 0 = literal string a, 1 = key, 2 = span in ms, 3 = summary field b of position a, 4 = pod
//   carriers: string fields whose text may hold a whole record of the embedded shape (an audit Event written
//   to a container log); the marker must occur in such a string's raw bytes before it is decoded and read.
//
// Tables (allocated once from the totals, alloc.ts counts them):
//   rule row (RULE_ROW):   id | name | maxspan i64 | severity | risk | threat | kind | idHash u64 | parts |
//                          stages | first stage row | first part row | positions (Σ runs) | pad
//   stage row (STAGE_ROW): code | time | ns field | ns transform | summaries | keys | first key | first summary |
//                          runs | first position
//   key rows: field u32;   summary rows: name, field, flags (u32 each);   part rows: kind, a, b (u32 each)

import { rd, readString, checkField, NONE, loadError, strPtr, strLen, stringCount } from "./program";
import { checkCode } from "./predicates";
import { hashBytes } from "./hash";
import { programAlloc } from "./alloc";

// caps shared with the compiler (host/rules/compile.ts LIMITS)
// @ts-ignore: decorator
@inline export const MAX_RULES: i32 = 1024;
// @ts-ignore: decorator
@inline export const MAX_STAGE_ROWS: i32 = 8192; // stages of all rules
// @ts-ignore: decorator
@inline export const STAGES: i32 = 8; // most stages a rule may have (1: single event, 2-8: sequence or sample)
// @ts-ignore: decorator
@inline export const MAX_POSITIONS: i32 = 256; // most positions of a sequence (its stages' runs added up)
// @ts-ignore: decorator
@inline export const MAX_RUNS: u32 = 100; // EQL's own cap on `with runs=N`
// @ts-ignore: decorator
@inline export const MAX_KEY_FIELDS: i32 = 8; // join fields per stage (EQL's `by` fields, sequence-level first)
// @ts-ignore: decorator
@inline export const MAX_SUMMARY_FIELDS: i32 = 16;
// @ts-ignore: decorator
@inline const MAX_SUMMARY_ROWS: i32 = 131072;
// @ts-ignore: decorator
@inline const MAX_PARTS: i32 = 64; // per rule: an 8-stage rule names a few fields per stage in its message
// @ts-ignore: decorator
@inline const MAX_PART_ROWS: i32 = 65536;
// @ts-ignore: decorator
@inline const MAX_CARRIERS: i32 = 4;
/** A rule without maxspan: every span fits. */
export const NO_MAXSPAN: i64 = i64.MAX_VALUE;

export const KIND_SEQUENCE: u32 = 0;
export const KIND_SAMPLE: u32 = 1;
export const NS_VALUE: u32 = 0;
export const NS_SERVICEACCOUNT: u32 = 1;
export const PART_LITERAL: u32 = 0;
export const PART_KEY: u32 = 1;
export const PART_SPAN_MS: u32 = 2;
export const PART_FIELD: u32 = 3;
export const PART_POD: u32 = 4;
export const SUMMARY_REDACT: u32 = 1;

export let ruleCount: i32 = 0;
export let stageRowCount: i32 = 0;
/** The most positions of any loaded rule (sizes the chain of a reported sequence). */
export let maxPositions: i32 = 1;

// @ts-ignore: decorator
@inline const RULE_ROW: usize = 64;
// @ts-ignore: decorator
@inline const STAGE_ROW: usize = 40;
let ruleTable: usize = 0;
let stageTable: usize = 0;
let keyTable: usize = 0;
let sumTable: usize = 0;
let partTable: usize = 0;

@inline function ruleRow(r: i32): usize {
  return ruleTable + <usize>r * RULE_ROW;
}
@inline function stageRow(r: i32, s: i32): usize {
  return stageTable + (<usize>load<u32>(ruleRow(r), 48) + <usize>s) * STAGE_ROW;
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
@inline export function ruleIsSample(r: i32): bool {
  return load<u32>(ruleRow(r), 28) == KIND_SAMPLE;
}
@inline export function ruleIdHash(r: i32): u64 {
  return load<u64>(ruleRow(r), 32);
}
@inline export function rulePartCount(r: i32): u32 {
  return load<u32>(ruleRow(r), 40);
}
/** Stages of the rule (1-8); a single-event rule has one stage and one position. */
@inline export function ruleStages(r: i32): i32 {
  return <i32>load<u32>(ruleRow(r), 44);
}
/** The rule's first row in the stage table (stage rows of all rules are numbered in rule order). */
@inline export function ruleFirstStage(r: i32): i32 {
  return <i32>load<u32>(ruleRow(r), 48);
}
/** Positions of the sequence: its stages' runs added up (= stages when no stage repeats; 1: a single-event rule). */
@inline export function rulePositions(r: i32): i32 {
  return <i32>load<u32>(ruleRow(r), 56);
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
  return load<u32>(keyTable + ((<usize>load<u32>(stageRow(r, s), 24) + <usize>i) << 2));
}
@inline function sumRow(r: i32, s: i32, i: i32): usize {
  return sumTable + (<usize>load<u32>(stageRow(r, s), 28) + <usize>i) * 12;
}
@inline export function summaryName(r: i32, s: i32, i: i32): u32 {
  return load<u32>(sumRow(r, s, i));
}
@inline export function summaryField(r: i32, s: i32, i: i32): u32 {
  return load<u32>(sumRow(r, s, i), 4);
}
@inline export function summaryFlags(r: i32, s: i32, i: i32): u32 {
  return load<u32>(sumRow(r, s, i), 8);
}
/** How many consecutive positions stage s stands for (EQL `with runs=N`; 1 otherwise). */
@inline export function stageRuns(r: i32, s: i32): i32 {
  return <i32>load<u32>(stageRow(r, s), 32);
}
/** The first position of stage s. */
@inline export function stageFirst(r: i32, s: i32): i32 {
  return <i32>load<u32>(stageRow(r, s), 36);
}
@inline function partRow(r: i32, i: u32): usize {
  return partTable + (<usize>load<u32>(ruleRow(r), 52) + <usize>i) * 12;
}
@inline export function partKind(r: i32, i: u32): u32 {
  return load<u32>(partRow(r, i));
}
@inline export function partA(r: i32, i: u32): u32 {
  return load<u32>(partRow(r, i), 4);
}
@inline export function partB(r: i32, i: u32): u32 {
  return load<u32>(partRow(r, i), 8);
}

/** The stage holding position p of rule r. */
export function stageAt(r: i32, p: i32): i32 {
  const n = ruleStages(r);
  for (let s = 0; s < n - 1; s++) if (p < stageFirst(r, s + 1)) return s;
  return n - 1;
}

/** Reads a total and checks it against its cap. */
function total(cap: i32): i32 {
  const n = rd();
  return n > <u32>cap ? -1 : <i32>n;
}

/** Reads the rules section; false when it is malformed. */
export function loadRules(): bool {
  const n = total(MAX_RULES);
  const stageRows = total(MAX_STAGE_ROWS);
  const keyRows = total(MAX_STAGE_ROWS * MAX_KEY_FIELDS);
  const sumRows = total(MAX_SUMMARY_ROWS);
  const partRows = total(MAX_PART_ROWS);
  if (n < 1 || stageRows < n || keyRows < 0 || sumRows < 0 || partRows < 0 || loadError != 0) return false;
  ruleTable = programAlloc(<usize>n * RULE_ROW);
  stageTable = programAlloc(<usize>stageRows * STAGE_ROW);
  keyTable = programAlloc(<usize>keyRows * 4);
  sumTable = programAlloc(<usize>sumRows * 12);
  partTable = programAlloc(<usize>partRows * 12);
  let stageNext: i32 = 0;
  let keyAt: i32 = 0;
  let sumAt: i32 = 0;
  let partAt: i32 = 0;
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
    const kind = rd();
    if (kind > KIND_SAMPLE) return false;
    store<u32>(row, kind, 28);
    store<u64>(row, hashBytes(0x706F6470726F6265, strPtr(id), strLen(id)), 32);
    const stages = <i32>rd();
    if (stages < 1 || stages > STAGES || stageNext + stages > stageRows) return false;
    if (kind == KIND_SAMPLE && stages < 2) return false;
    store<u32>(row, <u32>stages, 44);
    store<u32>(row, <u32>stageNext, 48);
    let position = 0;
    for (let s = 0; s < stages; s++) {
      const st = stageTable + <usize>(stageNext + s) * STAGE_ROW;
      const code = rd();
      if (!checkCode(code)) return false;
      store<u32>(st, code);
      const time = rd();
      if (!checkField(time)) return false;
      store<u32>(st, time, 4);
      const runs = rd();
      if (runs < 1 || runs > MAX_RUNS || (runs > 1 && kind == KIND_SAMPLE)) return false;
      store<u32>(st, runs, 32);
      store<u32>(st, <u32>position, 36);
      position += <i32>runs;
      const kc = <i32>rd();
      if (kc < 1 || kc > MAX_KEY_FIELDS || keyAt + kc > keyRows) return false;
      store<u32>(st, <u32>kc, 20);
      store<u32>(st, <u32>keyAt, 24);
      for (let i = 0; i < kc; i++) {
        const key = rd();
        if (!checkField(key)) return false;
        store<u32>(keyTable + (<usize>(keyAt + i) << 2), key);
      }
      keyAt += kc;
      const ns = rd();
      const transform = rd();
      if ((ns != NONE && !checkField(ns)) || transform > NS_SERVICEACCOUNT) return false;
      store<u32>(st, ns, 8);
      store<u32>(st, transform, 12);
      const sc = <i32>rd();
      if (sc < 1 || sc > MAX_SUMMARY_FIELDS || sumAt + sc > sumRows) return false;
      store<u32>(st, <u32>sc, 16);
      store<u32>(st, <u32>sumAt, 28);
      for (let i = 0; i < sc; i++) {
        const e = sumTable + <usize>(sumAt + i) * 12;
        store<u32>(e, readString());
        const f = rd();
        if (!checkField(f)) return false;
        store<u32>(e, f, 4);
        store<u32>(e, rd(), 8);
      }
      sumAt += sc;
      if (loadError != 0) return false;
    }
    if (position > MAX_POSITIONS) return false;
    store<u32>(row, <u32>position, 56);
    if (position > maxPositions) maxPositions = position;
    stageNext += stages;
    const parts = rd();
    if (parts > <u32>MAX_PARTS || partAt + <i32>parts > partRows) return false;
    store<u32>(row, parts, 40);
    store<u32>(row, <u32>partAt, 52);
    for (let i: u32 = 0; i < parts; i++) {
      const pe = partTable + <usize>(partAt + <i32>i) * 12;
      const kind = rd();
      const a = rd();
      const b = rd();
      if (kind > PART_POD) return false;
      if (kind == PART_LITERAL && a >= <u32>stringCount) return false;
      if (kind == PART_FIELD && (a >= <u32>position || <i32>b >= summaryCount(r, stageAt(r, <i32>a)))) return false;
      store<u32>(pe, kind);
      store<u32>(pe, a, 4);
      store<u32>(pe, b, 8);
    }
    partAt += <i32>parts;
  }
  ruleCount = n;
  stageRowCount = stageNext;
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
