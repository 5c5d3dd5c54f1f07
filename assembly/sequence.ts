// Sequence matching, per SPEC §4: a candidate pairs with the best partner buffered under the same key —
// for stage 2 the most recent earlier stage 1 within maxspan (EQL), for a late-arriving stage 1 the earliest
// later stage 2 within its window — and consumes it with every older stage 1. Unpaired candidates are
// buffered. Time order is (event time, arrival); `skew_ms` lets stage 2 precede stage 1 by that much.

import { Buf } from "./buf";
import { bump, C_MATCHES, C_ALERTS, C_SUMMARIES_LOST } from "./counters";
import { hashBytes, hashCombine } from "./hash";
import { ruleIdHash, ruleMaxspan } from "./rules";
import { findKey, getOrCreateKey, addEntry, expireKey, entryPtr, ringCap, touch, earlier, NIL } from "./state";
import { summaryPrevAt } from "./summary";
import { rendered, summaryAt, summaryLenAt, storeSummary, NO_SUMMARY } from "./summary";
import { tagAlert, splice, alertRecord, tagMatch, alertRecordSingle, setChain } from "./alert";
import { takeHeld, hold, heldPtr, heldLen, heldClose, heldFlags, HF_NEWLINE, HF_EMPTY } from "./hold";

// @ts-ignore: decorator
@inline const SEED_K1: u64 = 0x6B65792D6F6E6531;
// @ts-ignore: decorator
@inline const SEED_K2: u64 = 0x6B65792D74776F32;
// @ts-ignore: decorator
@inline const SEED_ID: u64 = 0x73657175656E6365;
// @ts-ignore: decorator
@inline const MAX_PENDING: i32 = 128;

export const out = new Buf(1 << 20);
export const tagBuf = new Buf(4096);
export const alertBuf = new Buf(4096);
const partnerTag = new Buf(4096);

// configuration (set by init)
export let latenessNs: i64 = 5_000_000_000;
export let maxFutureNs: i64 = 60_000_000_000;
export let skewNs: i64 = 0;
export let alertsOn: bool = true;
export let holdMs: f64 = 0;

// clock and watermark
export let nowMs: f64 = 0;
export let maxEventTime: i64 = i64.MIN_VALUE;

/** Newest event time seen minus lateness (i64.MIN_VALUE before any). */
export function watermark(): i64 {
  return maxEventTime == i64.MIN_VALUE ? i64.MIN_VALUE : maxEventTime - latenessNs;
}

/** Records an on-time candidate's time; times beyond now + max_future never move the watermark. */
export function observeTime(t: i64): void {
  const limit = <i64>(nowMs * 1e6) + maxFutureNs;
  if (t <= limit && t > maxEventTime) maxEventTime = t;
}

@inline function satSub(a: i64, b: i64): i64 {
  return a < i64.MIN_VALUE + b ? i64.MIN_VALUE : a - b;
}

// the record being processed
export let recPtr: usize = 0;
export let recLen: usize = 0;
export let recSeq: u64 = 0;
let recHash: u64 = 0;
let recHashDone = false;

export function beginRecord(p: usize, n: usize, seq: u64): void {
  recPtr = p;
  recLen = n;
  recSeq = seq;
  recHashDone = false;
  pendingCount = 0;
  tagBuf.reset();
  alertBuf.reset();
}

function recordHash(): u64 {
  if (!recHashDone) {
    recHash = hashBytes(SEED_ID, recPtr, recLen);
    recHashDone = true;
  }
  return recHash;
}

// inserts wait until every rule has seen the record, so that hold_ms knows whether it was tagged
const pending: usize = heap.alloc(<usize>MAX_PENDING * 48); // h1, h2, t, sumPos u64 | rule, stage u32
let pendingCount = 0;

/** The best partner entry for a candidate of `stage` at t under key slot k, or 0. */
function bestPartner(k: u32, stage: i32, t: i64, maxspan: i64): usize {
  let best: usize = 0;
  const other = 1 - stage;
  for (let i: u32 = 0; i < ringCap; i++) {
    const e = entryPtr(k, other, i);
    if (load<u64>(e, 8) == 0) continue;
    const te = load<i64>(e);
    if (stage == 1) {
      // partner is an earlier stage 1 (arrived first, so equal adjusted times count as earlier)
      if (te - skewNs > t || t - te > maxspan) continue;
      if (best == 0 || earlier(best, e)) best = e;
    } else {
      // partner is a stage 2 that arrived first: with skew 0 it must be strictly later (at equal times the
      // first arrival is the earlier event); with skew it may precede t by up to skew, inclusive
      const lowest = skewNs > 0 ? t - skewNs : t + 1;
      if (te < lowest || te - t > maxspan) continue;
      if (best == 0 || earlier(e, best)) best = e;
    }
  }
  return best;
}

/** Removes stage-1 entries of k that order at or before (t, seq). */
function consumeStage1(k: u32, t: i64, seq: u64): void {
  for (let i: u32 = 0; i < ringCap; i++) {
    const e = entryPtr(k, 0, i);
    const s = load<u64>(e, 8);
    if (s == 0) continue;
    const te = load<i64>(e);
    if (te < t || (te == t && s <= seq)) store<u64>(e, 0, 8);
  }
}

/**
 * Handles one candidate key of rule r at stage (0 or 1). `rendered` holds the record's summary.
 * Pairs with a buffered partner (tagging, releasing a held partner, queueing the alert) or queues an insert.
 */
export function candidateKey(r: i32, stage: i32, t: i64, key: usize, keyLen: usize, podOff: usize): void {
  const h1 = hashBytes(SEED_K1 ^ <u64>r, key, keyLen);
  const h2 = hashBytes(SEED_K2 ^ <u64>r, key, keyLen);
  const maxspan = ruleMaxspan(r);
  const k = findKey(h1, h2);
  if (k != NIL) {
    const wm = watermark();
    expireKey(k, satSub(wm, maxspan), satSub(wm, skewNs));
    const e = bestPartner(k, stage, t, maxspan);
    if (e != 0) {
      touch(k);
      pair(r, stage, k, e, t, key, keyLen, podOff);
      return;
    }
  }
  if (pendingCount >= MAX_PENDING) return;
  const q = pending + <usize>pendingCount * 48;
  store<u64>(q, h1);
  store<u64>(q, h2, 8);
  store<i64>(q, t, 16);
  store<u64>(q, NO_SUMMARY, 24);
  store<u32>(q, <u32>r, 32);
  store<u32>(q, <u32>stage, 36);
  pendingCount++;
}

/** Stores the summary in `rendered` for the pending inserts queued since `from`. */
export function storePendingSummary(from: i32): void {
  if (from >= pendingCount) return;
  const pos = storeSummary();
  for (let i = from; i < pendingCount; i++) store<u64>(pending + <usize>i * 48, pos, 24);
}

export function pendingMark(): i32 {
  return pendingCount;
}

function pair(r: i32, stage: i32, k: u32, e: usize, t: i64, key: usize, keyLen: usize, podOff: usize): void {
  const te = load<i64>(e);
  const eSeq = load<u64>(e, 8);
  const eHash = load<u64>(e, 16);
  const holdRef = load<u32>(e, 32);
  const psum = summaryAt(load<u64>(e, 24));
  if (psum == 0) bump(C_SUMMARIES_LOST);
  const psumLen = psum != 0 ? summaryLenAt(psum) : 0;
  const h = recordHash();
  const s1Hash = stage == 0 ? h : eHash;
  const s2Hash = stage == 0 ? eHash : h;
  const id = hashCombine(hashCombine(ruleIdHash(r), hashBytes(SEED_ID, key, keyLen)), hashCombine(s1Hash, s2Hash));

  tagAlert(tagBuf, r, id, stage, key, keyLen, psum, psumLen);
  if (holdRef != 0 && takeHeld(holdRef)) {
    partnerTag.reset();
    tagAlert(partnerTag, r, id, 1 - stage, key, keyLen, rendered.base, rendered.len);
    splice(out, heldPtr, heldLen, heldClose, (heldFlags & HF_EMPTY) != 0, partnerTag);
    if ((heldFlags & HF_NEWLINE) != 0) out.byte(0x0A);
  }
  if (alertsOn) {
    setChain(stage, rendered.base, rendered.len);
    setChain(1 - stage, psum, psumLen);
    if (stage == 1) alertRecord(alertBuf, r, 2, id, key, keyLen, podOff, te, t);
    else alertRecord(alertBuf, r, 2, id, key, keyLen, podOff, t, te);
    bump(C_ALERTS);
  }
  bump(C_MATCHES);
  // consume: the partner, and every stage 1 at or before the stage 1 of this sequence
  store<u64>(e, 0, 8);
  if (stage == 1) consumeStage1(k, te, eSeq);
  else consumeStage1(k, t, recSeq);
}

/**
 * Sequences of 3-4 stages, matched in arrival order as EQL does: per key at most one partial sequence per stage
 * (a new start replaces the previous one); an event of stage i extends the partial through stage i-1 when it
 * came after it and within maxspan of its first event. `rendered` holds the event's summary.
 */
export function candidateChain(r: i32, stage: i32, n: i32, t: i64, key: usize, keyLen: usize, podOff: usize): void {
  const h1 = hashBytes(SEED_K1 ^ <u64>r, key, keyLen);
  const h2 = hashBytes(SEED_K2 ^ <u64>r, key, keyLen);
  if (stage == 0) {
    const k = getOrCreateKey(h1, h2, r);
    const e = entryPtr(k, 0, 0);
    store<i64>(e, t);
    store<u64>(e, recSeq, 8);
    store<u64>(e, recordHash(), 16);
    store<u64>(e, storeSummary(), 24);
    store<i64>(e, t, 32);
    return;
  }
  const k = findKey(h1, h2);
  if (k == NIL) return;
  const p = entryPtr(k, 0, <u32>(stage - 1));
  const pSeq = load<u64>(p, 8);
  if (pSeq == 0) return;
  const pT = load<i64>(p);
  const t0 = load<i64>(p, 32);
  if (pT > t || (pT == t && pSeq >= recSeq)) return; // not after it
  store<u64>(p, 0, 8); // it advances, or it is past its span: either way it leaves stage - 1
  if (t - t0 > ruleMaxspan(r)) return;
  touch(k);
  const h = hashCombine(load<u64>(p, 16), recordHash());
  const prev = load<u64>(p, 24);
  if (stage < n - 1) {
    const e = entryPtr(k, 0, <u32>stage);
    store<i64>(e, t);
    store<u64>(e, recSeq, 8);
    store<u64>(e, h, 16);
    store<u64>(e, storeSummary(prev), 24);
    store<i64>(e, t0, 32);
    return;
  }
  // complete: the earlier stages' summaries are linked from the last one
  setChain(n - 1, rendered.base, rendered.len);
  let pos = prev;
  for (let i = n - 2; i >= 0; i--) {
    const sp = summaryAt(pos);
    if (sp == 0) {
      bump(C_SUMMARIES_LOST);
      for (let j = i; j >= 0; j--) setChain(j, 0, 0);
      break;
    }
    setChain(i, sp, summaryLenAt(sp));
    pos = summaryPrevAt(sp);
  }
  const id = hashCombine(hashCombine(ruleIdHash(r), hashBytes(SEED_ID, key, keyLen)), h);
  const peer = summaryAt(prev);
  tagAlert(tagBuf, r, id, n - 1, key, keyLen, peer, peer != 0 ? summaryLenAt(peer) : 0);
  if (alertsOn) {
    alertRecord(alertBuf, r, n, id, key, keyLen, podOff, t0, t);
    bump(C_ALERTS);
  }
  bump(C_MATCHES);
}

/**
 * A single-event rule matched the current record (time t, `rendered` holding its summary): tag it and queue
 * its alert. No state is kept.
 */
export function matchSingle(r: i32, t: i64, key: usize, keyLen: usize, podOff: usize): void {
  const id = hashCombine(ruleIdHash(r), recordHash());
  tagMatch(tagBuf, r, id, key, keyLen);
  if (alertsOn) {
    alertRecordSingle(alertBuf, r, id, key, keyLen, podOff, t, rendered.base, rendered.len);
    bump(C_ALERTS);
  }
  bump(C_MATCHES);
}

/**
 * Applies the queued inserts. When hold is on and the record takes part as an untagged stage 1, it is held
 * first (returns true: the caller must not write it).
 */
export function applyPending(canHold: bool, close: usize, flags: u32): bool {
  let ref: u32 = 0;
  if (canHold && tagBuf.len == 0) {
    for (let i = 0; i < pendingCount; i++) {
      if (load<u32>(pending + <usize>i * 48, 36) == 0) {
        ref = hold(out, recPtr, recLen, close, flags, nowMs + holdMs);
        break;
      }
    }
  }
  const h = pendingCount > 0 ? recordHash() : 0;
  for (let i = 0; i < pendingCount; i++) {
    const q = pending + <usize>i * 48;
    const r = <i32>load<u32>(q, 32);
    const stage = <i32>load<u32>(q, 36);
    const k = getOrCreateKey(load<u64>(q), load<u64>(q, 8), r);
    addEntry(k, stage, load<i64>(q, 16), recSeq, h, load<u64>(q, 24), stage == 0 ? ref : 0);
  }
  return ref != 0;
}
