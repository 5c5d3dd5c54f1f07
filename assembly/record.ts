// The path of one record: size check, scan, shape, dispatch (the stages it can match), their predicates (rule by
// rule, later stage first, as EQL does), event time, keys, lateness, matching, then the record leaves —
// byte-identical, or with the tag member spliced in — followed by any alert records. Both entries (batch,
// Fluent Bit) call processRecord.

import { bump, C_RECORDS_IN, C_RECORDS_OUT, C_INVALID, C_OVERSIZE, C_NO_KEY, C_NO_TIME, C_LATE, C_TAG_CONFLICT, C_CANDIDATES_STAGE1, C_CANDIDATES_STAGE2, C_PREFILTER_SKIPPED } from "./counters";
import { mayBeCandidate } from "./prefilter";
import { scanRecord, recDuplicate, recClose, recEmpty, slotType, T_NONE, T_STRING, T_NUMBER, T_MASK } from "./scan";
import { selectShape, getField, fvType, fvOff, fvLen, fvConst, tagPath, NONE } from "./program";
import { evalNode } from "./predicates";
import { rulePositions, ruleIsSample, ruleStages, stageCode, stageTime, sourceField } from "./rules";
import { dispatchRecord, dispatchWords, stageWord, ordRule, ordStage } from "./dispatch";
import { sampleRecord, sampleTime } from "./sample";
import { parseTime, timeOk } from "./time";
import { renderSummary } from "./summary";
import { out, tagBuf, alertBuf, beginRecord, candidateKey, applyPending, storePendingSummary, pendingMark, matchSingle, nowMs } from "./sequence";
import { extractKeys, comboText } from "./keys";
import { resolveSource, observe, expireIdle, watermark, sourceBeginRecord } from "./sources";
import { readEmbedded, outerSourceOff, outerSourceLen } from "./embedded";
import { splice } from "./alert";
import { holdEnabled, HF_NEWLINE, HF_EMPTY } from "./hold";
import { Buf } from "./buf";

export let maxRecordBytes: usize = 1 << 20;
/** The literal prefilter runs before a record is validated (validate = "candidates", and the program has one). */
export let prefilterOn: bool = false;

export function configurePrefilter(on: bool): void {
  prefilterOn = on;
}

export function configureRecords(maxRecord: usize): void {
  maxRecordBytes = maxRecord;
}

let arrival: u32 = 0;
const keyLine = new Buf(256);

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
  matchSingle(r, t, n);
}

/**
 * The candidate's source (once per record): the outer record's source field when the candidate came embedded,
 * else this record's source field when the program names one and the record has it, else the transport's.
 */
function resolveCandidateSource(): void {
  if (outerSourceLen >= 0) {
    resolveSource(outerSourceOff, outerSourceLen);
    return;
  }
  if (sourceField != NONE && getField(sourceField) && !fvConst) {
    const t = fvType & T_MASK;
    if (t == T_STRING || t == T_NUMBER) {
      resolveSource(fvOff, <isize>fvLen);
      return;
    }
  }
  resolveSource(0, -1);
}

function candidate(r: i32, stage: i32): void {
  const t = stageTimeOf(r, stage);
  if (!hasTime) return;
  const combos = extractKeys(r, stage);
  if (combos == 0) {
    bump(C_NO_KEY);
    return;
  }
  // its source's time first: a source seen for the first time holds the watermark from its own first candidate
  resolveCandidateSource();
  observe(t, nowMs);
  expireIdle(nowMs);
  if (t < watermark()) {
    bump(C_LATE);
    return;
  }
  bump(stage == 0 ? C_CANDIDATES_STAGE1 : C_CANDIDATES_STAGE2);
  renderSummary(r, stage);
  const mark = pendingMark();
  for (let i = 0; i < combos; i++) candidateKey(r, stage, t, i);
  storePendingSummary(mark);
}

/**
 * A sample rule's filters that the record matched (mask): with their event times, through sample.ts. A sample has
 * no order, so a candidate is never late; its time still moves its source's.
 */
function sample(r: i32, mask: u32): void {
  let observed = false;
  const n = ruleStages(r);
  for (let f = 0; f < n; f++) {
    if ((mask & (1 << f)) == 0) continue;
    const t = stageTimeOf(r, f);
    if (!hasTime) {
      mask &= ~(1 << f);
      continue;
    }
    sampleTime(f, t);
    if (!observed) {
      resolveCandidateSource();
      observe(t, nowMs);
      observed = true;
    }
  }
  if (mask != 0) sampleRecord(r, mask);
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
  // a record that already carries the tag member (podprobe's own output, replayed or passed through a second
  // podprobe) takes part in no new sequence: counted as tag_conflict when it would have been a candidate
  const conflict = tagPath != NONE && slotType(<i32>tagPath) != T_NONE;
  let blocked = false;
  const close = recClose - p;
  const empty = recEmpty;
  readEmbedded(p, n); // an audit Event inside a log line is read as the record (the tag stays outside)
  sourceBeginRecord();
  beginRecord(p, n, arrival);
  dispatchRecord();
  let sampleRule = -1;
  let sampleMask: u32 = 0;
  for (let w = 0; w < dispatchWords; w++) {
    let x = stageWord(w);
    while (x != 0) {
      const o = (w << 6) + <i32>ctz(x);
      x &= x - 1;
      const r = ordRule(o);
      const stage = ordStage(o);
      if (r != sampleRule && sampleMask != 0) {
        sample(sampleRule, sampleMask);
        sampleMask = 0;
      }
      if (!evalNode(stageCode(r, stage))) continue;
      if (conflict) blocked = true;
      else if (rulePositions(r) == 1) single(r);
      else if (ruleIsSample(r)) {
        sampleRule = r;
        sampleMask |= 1 << stage;
      } else candidate(r, stage); // later stages first, as EQL does: an event never completes a sequence it starts
    }
  }
  if (sampleMask != 0) sample(sampleRule, sampleMask);
  if (blocked) bump(C_TAG_CONFLICT);
  const flags = (nl ? HF_NEWLINE : 0) | (empty ? HF_EMPTY : 0);
  const held = applyPending(holdEnabled && !conflict, close, flags);
  if (!held) {
    if (tagBuf.len > 0 && !conflict) {
      splice(out, p, n, close, empty, tagBuf);
      if (nl) out.byte(0x0A);
      bump(C_RECORDS_OUT);
    } else passThrough(p, n, nl);
  }
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
    readEmbedded(p, n);
    dispatchRecord();
    let done = false;
    for (let w = 0; w < dispatchWords && !done; w++) {
      let x = stageWord(w);
      while (x != 0 && !done) {
        const o = (w << 6) + <i32>ctz(x);
        x &= x - 1;
        const r = ordRule(o);
        const stage = ordStage(o);
        if (evalNode(stageCode(r, stage)) && extractKeys(r, stage) > 0) {
          comboText(0, keyLine);
          dst.escaped(keyLine.base, keyLine.len);
          done = true;
        }
      }
    }
  }
  dst.byte(0x0A);
  bump(C_RECORDS_OUT);
}
