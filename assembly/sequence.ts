// Sequence matching, per rule and key, for sequences of 2 to 256 positions (stages, a stage with runs=N counting
// N). Two mechanisms share the buffered candidates of a key (state.ts):
//
// - In time order, EQL's own state machine (partials.ts): for time-ordered input this is EQL exactly.
// - Out of order (a candidate older than its key's newest), or when a key saw such a candidate within the span of
//   this one, or with skew_ms: the search (search.ts), which reports every key EQL reports.
//
// Time order is (event time, arrival); `skew_ms` lets a later position precede the one before it by that much.
// A candidate that joins a reported sequence is USED and joins no other at that position.
// Candidates are inserted once every rule has seen the record (the pending queue): a record never pairs with
// itself, and hold_ms knows whether it was tagged.

import { Buf } from "./buf";
import { bump, C_MATCHES, C_ALERTS } from "./counters";
import { hashBytes, hashCombine } from "./hash";
import { ruleIdHash, ruleMaxspan, rulePositions, ruleIsSample, stageRuns, stageFirst } from "./rules";
import { findKey, getOrCreateKey, touch, keyNewest, keyDisorder, keySeen, skewNs, NIL } from "./state";
import { addEntry, eSeq, F_LIVE, F_USED, F_INORDER, F_PREFIX, F_RUNPREV } from "./buffers";
import { storeSummary, rendered, NO_SUMMARY } from "./summary";
import { tagMatch, alertRecordSingle } from "./alert";
import { hold } from "./hold";
import { comboHash, comboText, podOff } from "./keys";
import { takePartial, partialStart, latestInOrder, windowFirst, runUnused, fillChain, linkIdx, NO_START } from "./partials";
import { search } from "./search";
import { report, setAt, chainTime } from "./report";

// @ts-ignore: decorator
@inline export const SEED_K1: u64 = 0x6B65792D6F6E6531;
// @ts-ignore: decorator
@inline export const SEED_K2: u64 = 0x6B65792D74776F32;
// @ts-ignore: decorator
@inline const SEED_ID: u64 = 0x73657175656E6365;
// @ts-ignore: decorator
@inline const MAX_PENDING: i32 = 1024;
// @ts-ignore: decorator
@inline const PENDING: usize = 72;

export const out = new Buf(1 << 20);
export const tagBuf = new Buf(4096);
export const alertBuf = new Buf(4096);
const keyText = new Buf(512);

// configuration (set by init)
export let alertsOn: bool = true;
export let holdMs: f64 = 0;

/** The host clock (ms) of the current call. */
export let nowMs: f64 = 0;

@inline function satAdd(a: i64, b: i64): i64 {
  return a > i64.MAX_VALUE - b ? i64.MAX_VALUE : a + b;
}

// the record being processed
export let recPtr: usize = 0;
export let recLen: usize = 0;
export let recSeq: u32 = 0;
let recHash: u64 = 0;
let recHashDone = false;

export function beginRecord(p: usize, n: usize, seq: u32): void {
  recPtr = p;
  recLen = n;
  recSeq = seq;
  recHashDone = false;
  pendingCount = 0;
  tagBuf.reset();
  alertBuf.reset();
}

export function recordHash(): u64 {
  if (!recHashDone) {
    recHash = hashBytes(SEED_ID, recPtr, recLen);
    recHashDone = true;
  }
  return recHash;
}

// pending row: h1, h2, t, summary pos, start (u64 each) | rule, stage, flags, prev index, prev seq, run-prev index,
// run-prev seq (u32 each), pad
const pending: usize = heap.alloc(<usize>MAX_PENDING * PENDING);
let pendingCount = 0;

/** Queues the insert of the current record as a candidate of stage s of rule r under key (h1, h2). */
export function queueInsert(h1: u64, h2: u64, r: i32, s: i32, t: i64, start: i64, flags: u32, prevIdx: u32, prevSeq: u32, runIdx: u32, runSeq: u32): void {
  if (pendingCount >= MAX_PENDING) return;
  const q = pending + <usize>pendingCount * PENDING;
  store<u64>(q, h1);
  store<u64>(q, h2, 8);
  store<i64>(q, t, 16);
  store<u64>(q, NO_SUMMARY, 24);
  store<i64>(q, start, 32);
  store<u32>(q, <u32>r, 40);
  store<u32>(q, <u32>s, 44);
  store<u32>(q, flags, 48);
  store<u32>(q, prevIdx, 52);
  store<u32>(q, prevSeq, 56);
  store<u32>(q, runIdx, 60);
  store<u32>(q, runSeq, 64);
  pendingCount++;
}

/**
 * Handles key combination `combo` of a candidate of rule r at stage s (time t). `rendered` holds the record's
 * summary. Reports a completed sequence, or queues the candidate's insert into the key's buffers.
 */
export function candidateKey(r: i32, s: i32, t: i64, combo: i32): void {
  const n = rulePositions(r);
  const runs = stageRuns(r, s);
  const last = stageFirst(r, s) + runs - 1 == n - 1; // the stage ends the sequence
  const h1 = comboHash(combo, SEED_K1 ^ <u64>r);
  const h2 = comboHash(combo, SEED_K2 ^ <u64>r);
  const maxspan = ruleMaxspan(r);
  let flags: u32 = 0;
  let start = t;
  let prevIdx: u32 = 0;
  let prevSeq: u32 = 0;
  let runIdx: u32 = 0;
  let runSeq: u32 = 0;
  const k = findKey(h1, h2);
  let inOrder = true;
  if (k != NIL) {
    touch(k);
    inOrder = t >= keyNewest(k);
    keySeen(k, t, inOrder ? i64.MIN_VALUE : satAdd(t, satAdd(maxspan, skewNs)));
    if (inOrder && runs == 1 && s > 0) {
      const p = takePartial(k, r, s - 1);
      const ps = p != 0 ? partialStart(k, r, s - 1, p) : NO_START;
      if (ps != NO_START && t - ps <= maxspan) {
        if (last) {
          setAt(n - 1, 0);
          fillChain(k, r, s - 1, p, n - 2, stageRuns(r, s - 1));
          report(r, k, n - 1, n, ps, t, combo, false);
          return;
        }
        flags = F_LIVE;
        start = ps;
        prevIdx = linkIdx(k, s - 1, p);
        prevSeq = eSeq(p);
      }
    } else if (inOrder && runs > 1) {
      // the run's last position first (EQL goes from the last position to the first): the window of `runs`
      // events ending here is the partial of the previous `runs − 1` in-order events, extended
      const x = latestInOrder(k, r, s);
      let windowStart = NO_START;
      if (x != 0) {
        runIdx = linkIdx(k, s, x);
        runSeq = eSeq(x);
        flags |= F_RUNPREV;
        const f = windowFirst(k, s, x, runs - 1);
        if (f != 0 && (load<u8>(f, 36) & <u8>F_PREFIX) != 0 && t - load<i64>(f, 16) <= maxspan && runUnused(k, r, s, x, runs - 1)) windowStart = load<i64>(f, 16);
      }
      // then its first position: the partial of the stage before that this event extends
      if (s > 0) {
        const p = takePartial(k, r, s - 1);
        const ps = p != 0 ? partialStart(k, r, s - 1, p) : NO_START;
        if (ps != NO_START && t - ps <= maxspan) {
          flags |= F_PREFIX;
          start = ps;
          prevIdx = linkIdx(k, s - 1, p);
          prevSeq = eSeq(p);
        }
      }
      if (windowStart != NO_START) {
        if (last) {
          setAt(n - 1, 0);
          fillChain(k, r, s, x, n - 2, runs - 1);
          report(r, k, n - 1, n, windowStart, t, combo, false);
          flags |= F_USED; // it still stands at the run's earlier positions of later sequences
        } else flags |= F_LIVE;
      }
    }
    if (!inOrder || skewNs > 0 || (last && t <= keyDisorder(k))) {
      const p = (flags & F_USED) != 0 ? -1 : search(k, r, s, t, maxspan);
      if (p >= 0) {
        report(r, k, p, n, chainTime(0, t), chainTime(n - 1, t), combo, true);
        return;
      }
    }
  }
  if (inOrder) {
    if (runs > 1) flags |= s == 0 ? F_INORDER | F_PREFIX : F_INORDER; // a run's first stage starts a partial
    else if (s == 0) flags = F_LIVE; // a first event in time order starts a partial sequence
  }
  queueInsert(h1, h2, r, s, t, start, flags, prevIdx, prevSeq, runIdx, runSeq);
}

/** Stores the summary in `rendered` for the pending inserts queued since `from`. */
export function storePendingSummary(from: i32): void {
  if (from >= pendingCount) return;
  const pos = storeSummary(recordHash());
  for (let i = from; i < pendingCount; i++) store<u64>(pending + <usize>i * PENDING, pos, 24);
}

export function pendingMark(): i32 {
  return pendingCount;
}

/**
 * A single-event rule matched the current record (time t, `rendered` holding its summary, `combos` key
 * combinations, the first one naming it): tag it and queue its alert. No state is kept.
 */
export function matchSingle(r: i32, t: i64, combos: i32): void {
  if (combos > 0) comboText(0, keyText);
  else keyText.reset();
  const id = hashCombine(ruleIdHash(r), recordHash());
  tagMatch(tagBuf, r, id, keyText.base, keyText.len);
  if (alertsOn) {
    alertRecordSingle(alertBuf, r, id, keyText.base, keyText.len, combos > 0 ? podOff : 0, t, rendered.base, rendered.len);
    bump(C_ALERTS);
  }
  bump(C_MATCHES);
}

/** The record may still be a partner: a candidate of a position that is not its rule's last, or of a sample. */
@inline function waits(r: i32, s: i32): bool {
  return stageFirst(r, s) < rulePositions(r) - 1 || ruleIsSample(r);
}

/**
 * Applies the queued inserts. When hold is on and the record waits, untagged, as a candidate that is not any
 * rule's last position, it is held first (returns true: the caller must not write it).
 */
export function applyPending(canHold: bool, close: usize, flags: u32): bool {
  let ref: u32 = 0;
  if (canHold && tagBuf.len == 0) {
    for (let i = 0; i < pendingCount; i++) {
      const q = pending + <usize>i * PENDING;
      if (waits(<i32>load<u32>(q, 40), <i32>load<u32>(q, 44))) {
        ref = hold(out, recPtr, recLen, close, flags, nowMs + holdMs);
        break;
      }
    }
  }
  for (let i = 0; i < pendingCount; i++) {
    const q = pending + <usize>i * PENDING;
    const r = <i32>load<u32>(q, 40);
    const s = <i32>load<u32>(q, 44);
    const t = load<i64>(q, 16);
    const k = getOrCreateKey(load<u64>(q), load<u64>(q, 8), r);
    keySeen(k, t, i64.MIN_VALUE);
    addEntry(k, s, t, recSeq, load<u64>(q, 24), load<i64>(q, 32), waits(r, s) ? ref : 0, load<u32>(q, 48), load<u32>(q, 52), load<u32>(q, 56), load<u32>(q, 60), load<u32>(q, 64));
  }
  return ref != 0;
}
