// Engine set-up and the batch loop shared by both builds: init reads the options and the rule program and
// sizes every table from them; processBatch frames NDJSON in linear memory and runs each record through.

import { opt, O_MAX_KEYS, O_RING_CAPACITY, O_MAX_STATE_BYTES, O_LATENESS_MS, O_MAX_FUTURE_MS, O_SKEW_MS, O_HOLD_MS, O_KEY_MODE, O_ALERTS, O_MAX_RECORD_BYTES, O_MAX_SUMMARY_BYTES, O_SOURCE_IDLE_MS, O_MAX_SOURCES, O_MAX_KEYS_PER_RECORD, O_VALIDATE } from "./options";
import { loadTables } from "./program";
import { loadRules, maxPositions } from "./rules";
import { loadDispatch } from "./dispatch";
import { initState, fixedStateBytes, sweepKeys, keyStateBytes, keysActive } from "./state";
import { layoutBuffers, anyRuns } from "./buffers";
import { initChain } from "./report";
import { initAlertChain } from "./alert";
import { programBytes } from "./alloc";
import { initSources, sourceTableBytes, sourceBytes, setTransport } from "./sources";
import { configureKeys } from "./keys";
import { initEmbedded } from "./embedded";
import { initArena, arenaUsed } from "./summary";
import { initHold, releaseDue, holdBytesUsed } from "./hold";
import { configureRecords, configurePrefilter, processRecord, recordKey, maxRecordBytes, prefilterOn } from "./record";
import { loadPrefilter, prefilterLoaded, firstEvent, mayBeCandidate } from "./prefilter";
import { out } from "./sequence";
import * as seq from "./sequence";
import { nextNewline, countNewlines, lineStart } from "./strings";
import { setCounter, addTo, C_STATE_BYTES, C_KEYS_ACTIVE, C_RECORDS_IN, C_RECORDS_OUT, C_PREFILTER_SKIPPED, C_PROGRAM_BYTES } from "./counters";

export const E_OK = 0;
export const E_PROGRAM = 1; // the rule program is malformed
export const E_RULES = 2; // the rules section is malformed
export const E_STATE_BYTES = 3; // max_state_bytes cannot hold the tables these options need
export const E_TWICE = 4;

// @ts-ignore: decorator
@inline const MIN_ARENA: f64 = 65536;
// @ts-ignore: decorator
@inline const HOLD_SHARE: f64 = 8; // hold_ms > 0: an eighth of max_state_bytes holds records
// @ts-ignore: decorator
@inline const SWEEP_KEYS: i32 = 64; // keys examined for reclaiming per batch
// @ts-ignore: decorator
@inline const SWEEP_CALLS: u32 = 1023; // the Fluent Bit entry sweeps once per 1024 records

let ready = false;

/** Key slots, stage buffers and the source table for these options (the summary arena gets the rest). */
function tableBytes(keys: f64, ring: f64, maxBlocks: f64, runs: bool, sources: f64): f64 {
  return fixedStateBytes(<u32>keys, <u32>ring, <u32>maxBlocks, runs) + sourceTableBytes(<u32>sources);
}

/**
 * Bytes needed beyond the summary arena for these options (host validation uses this); maxBlocks: the most blocks
 * of ring_capacity entries a key of a loaded rule holds (at least 2); runs: a loaded rule has a stage with runs.
 */
export function requiredStateBytes(keys: f64, ring: f64, maxSummary: f64, holdMs: f64, maxBlocks: f64, sources: f64, runs: bool): f64 {
  const fixed = tableBytes(keys, ring, maxBlocks, runs, sources);
  const arena = Math.max(MIN_ARENA, maxSummary * 16);
  return holdMs > 0 ? (fixed + arena) * HOLD_SHARE / (HOLD_SHARE - 1) : fixed + arena;
}

export function init(program: usize, programLen: usize): i32 {
  if (ready) return E_TWICE;
  if (!loadTables(program, programLen)) return E_PROGRAM;
  if (!loadRules() || !loadDispatch()) return E_RULES;
  if (!loadPrefilter()) return E_PROGRAM;
  const keys = <u32>opt(O_MAX_KEYS);
  const ring = <u32>opt(O_RING_CAPACITY);
  const budget = opt(O_MAX_STATE_BYTES);
  const maxSummary = opt(O_MAX_SUMMARY_BYTES);
  const hold = opt(O_HOLD_MS);
  const sources = <u32>opt(O_MAX_SOURCES);
  const maxBlocks = layoutBuffers(ring);
  const runs = anyRuns();
  if (requiredStateBytes(<f64>keys, <f64>ring, maxSummary, hold, <f64>maxBlocks, <f64>sources, runs) > budget) return E_STATE_BYTES;
  const skewNs = <i64>(opt(O_SKEW_MS) * 1e6);
  initState(keys, ring, maxBlocks, runs, skewNs);
  initChain(maxPositions);
  initAlertChain(maxPositions);
  initSources(sources, opt(O_SOURCE_IDLE_MS), <i64>(opt(O_LATENESS_MS) * 1e6), <i64>(opt(O_MAX_FUTURE_MS) * 1e6));
  const holdBytes = hold > 0 ? Math.floor(budget / HOLD_SHARE) : 0;
  initHold(<usize>holdBytes);
  initArena(<usize>(budget - holdBytes - tableBytes(<f64>keys, <f64>ring, <f64>maxBlocks, runs, <f64>sources)), <usize>maxSummary);
  initEmbedded(<usize>opt(O_MAX_RECORD_BYTES));
  seq.holdMs = hold;
  seq.alertsOn = opt(O_ALERTS) != 0;
  configureRecords(<usize>opt(O_MAX_RECORD_BYTES));
  configureKeys(<i32>opt(O_MAX_KEYS_PER_RECORD), opt(O_KEY_MODE) == 1);
  configurePrefilter(prefilterLoaded && opt(O_VALIDATE) == 0);
  ready = true;
  return E_OK;
}

/** Reclaims keys the watermark has passed, from the least recently used end, once the pool fills up. */
export function sweep(): void {
  sweepKeys(SWEEP_KEYS);
}

export function refreshCounters(): void {
  const used = keyStateBytes() + <u64>sourceBytes + arenaUsed() + holdBytesUsed;
  setCounter(C_STATE_BYTES, used);
  setCounter(C_KEYS_ACTIVE, <u64>keysActive);
  setCounter(C_PROGRAM_BYTES, <u64>programBytes);
}

/**
 * Runs the NDJSON bytes [p, p+n) through the engine into `out`. Complete lines are records; trailing
 * bytes without a newline are a final record without one. Held records whose deadline passed go first.
 */
export function processBatch(p: usize, n: usize, now: f64, keyMode: bool): usize {
  out.reset();
  seq.nowMs = now;
  releaseDue(out, now, false);
  const end = p + n;
  if (prefilterOn && !keyMode) prefiltered(p, end);
  else {
    while (p < end) {
      const nl = nextNewline(p, end);
      if (keyMode) recordKey(p, nl - p, out);
      else processRecord(p, nl - p, nl < end);
      p = nl + 1;
    }
  }
  // a batch that leaves as it came (most of them: nothing tagged, nothing held) is one run of the input: the host
  // copies it out from there, not copied into the output buffer first
  let len: usize;
  if (out.len == 0 && out.runLen != 0) {
    outputAt = out.runPtr;
    len = out.runLen;
    out.runLen = 0;
  } else {
    out.flush();
    outputAt = out.base;
    len = out.len;
  }
  sweep();
  refreshCounters();
  return len;
}

/** Where the last batch's output is (processBatch, flushHeld): the output buffer, or the input it equals. */
export let outputAt: usize = 0;

/**
 * The batch with the prefilter on: one search over the whole batch for the required literals and escapes;
 * only the records holding one take the per-record path, the lines between them pass in bulk.
 */
function prefiltered(p: usize, end: usize): void {
  let from = p; // lines before `from` are done
  while (from < end) {
    const e = firstEvent(p, from, end);
    if (e >= end) break;
    const a = lineStart(from, e);
    const b = nextNewline(e, end);
    passLines(from, a);
    processRecord(a, b - a, b < end);
    from = b + 1;
  }
  if (from < end) passLines(from, end);
}

/** Whole lines [a, b) (the last may lack its newline) that hold no required literal: unchanged, unvalidated. */
function passLines(a: usize, b: usize): void {
  if (a >= b) return;
  if (b - a > maxRecordBytes) {
    // one of them may be oversize (the host frames those apart; still, count them right)
    while (a < b) {
      const nl = nextNewline(a, b);
      processRecord(a, nl - a, nl < b);
      a = nl + 1;
    }
    return;
  }
  const lines = <u64>countNewlines(a, b) + (load<u8>(b - 1) != 0x0A ? 1 : 0);
  addTo(C_RECORDS_IN, lines);
  addTo(C_RECORDS_OUT, lines);
  addTo(C_PREFILTER_SKIPPED, lines);
  out.defer(a, b - a);
}

/**
 * One record as Fluent Bit's filter_wasm hands it over (no newline, NUL-terminated): the record pointer itself
 * when the record leaves unchanged (Fluent Bit copies the result before it frees its own copy), else the
 * record with its tag as a NUL-terminated string in `out`, valid until the next call. Never empty.
 * Time: the shipper's (seconds, nanoseconds).
 */
let calls: u32 = 0;
/** Records passed over by the prefilter since the counters were last brought up to date (foldSkipped). */
let skipped: u32 = 0;
// @ts-ignore: decorator
@inline export function processOne(p: usize, n: usize, timeSec: u32, timeNsec: u32, tag: usize, tagLen: usize): usize {
  // most records: no required literal, so no candidate — counted and answered with their own pointer (their
  // tag, the source, and their time are never looked at; this much is inlined into the entry)
  let prefiltered = false;
  if (prefilterOn && n - 1 < maxRecordBytes && load<u8>(p + n) == 0) {
    if (!mayBeCandidate(p, p + n)) {
      skipped++;
      return p;
    }
    prefiltered = true;
  }
  return inspectOne(p, n, timeSec, timeNsec, tag, tagLen, prefiltered);
}

/** processOne for a record the prefilter did not pass over (prefiltered: it searched it). */
function inspectOne(p: usize, n: usize, timeSec: u32, timeNsec: u32, tag: usize, tagLen: usize, prefiltered: bool): usize {
  // the key sweep runs once per 1024 inspected records: only they create keys or move a watermark
  if ((++calls & SWEEP_CALLS) == 0) sweep();
  foldSkipped();
  out.reset();
  seq.nowMs = <f64>timeSec * 1000 + <f64>timeNsec / 1e6;
  setTransport(tag, tagLen); // the record's source is its tag (hashed only if it is a candidate)
  if (n == 0) out.ascii("{}");
  else if (!ready) out.defer(p, n); // never happens with a program the build checked; still: pass it through
  else processRecord(p, n, false, prefiltered);
  if (out.unchangedFrom(p, n) && load<u8>(p + n) == 0) return p;
  out.byte(0);
  return out.base;
}

/** Brings records_in, records_out and prefilter_skipped up to date with the records passed over (one add each). */
export function foldSkipped(): void {
  if (skipped == 0) return;
  addTo(C_RECORDS_IN, <u64>skipped);
  addTo(C_RECORDS_OUT, <u64>skipped);
  addTo(C_PREFILTER_SKIPPED, <u64>skipped);
  skipped = 0;
}

/** Releases every held record (end of input). */
export function flushHeld(now: f64): usize {
  out.reset();
  seq.nowMs = now;
  releaseDue(out, now, true);
  out.flush();
  outputAt = out.base;
  refreshCounters();
  return out.len;
}
