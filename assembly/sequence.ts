// Sequence matching, for sequences of 2 to 8 stages, per rule and key. Two mechanisms share the buffered
// candidates of a key (state.ts):
//
// - In time order, EQL's own state machine (Elasticsearch's SequenceMatcher): an event of stage s takes the most
//   recent partial sequence through stage s−1 that is before it, removing it and every earlier one from that
//   stage's group; it extends it when the span from the partial's first event is within maxspan. Partials are
//   the LIVE entries of each stage's buffer. For time-ordered input this is EQL exactly.
// - Out of order (a candidate older than its key's newest), or when a key saw such a candidate within the
//   span of this one, or with skew_ms: a search over the buffered candidates for a valid sequence through this
//   one — stage by stage backwards from it taking the latest candidate before (the latest possible start), and
//   forwards taking the earliest after (the earliest possible end); valid when end − start ≤ maxspan. A
//   valid sequence exists exactly when that greedy choice finds one, and EQL reports a key exactly when its
//   candidates hold a valid sequence — so every key EQL reports is reported, whatever the arrival order.
//
// Time order is (event time, arrival); `skew_ms` lets a later stage precede the one before it by that much.
// A candidate that joins a reported sequence is USED and joins no other.

import { Buf } from "./buf";
import { bump, C_MATCHES, C_ALERTS, C_SUMMARIES_LOST } from "./counters";
import { hashBytes, hashCombine } from "./hash";
import { ruleIdHash, ruleMaxspan, ruleStages, STAGES } from "./rules";
import { findKey, getOrCreateKey, freeKey, keySpent, addEntry, entryPtr, ringCap, touch, earlier, seqBefore, keyNewest, keyDisorder, keySeen, eTime, eSeq, eFlags, setFlags, skewNs, NIL, ENTRY, F_FULL, F_LIVE, F_USED } from "./state";
import { rendered, summaryAt, summaryLenAt, summaryHashAt, storeSummary, NO_SUMMARY } from "./summary";
import { tagAlert, splice, alertRecord, tagMatch, alertRecordSingle, setChain } from "./alert";
import { takeHeld, hold, heldPtr, heldLen, heldClose, heldFlags, HF_NEWLINE, HF_EMPTY } from "./hold";
import { comboHash, comboText, podOff } from "./keys";

// @ts-ignore: decorator
@inline const SEED_K1: u64 = 0x6B65792D6F6E6531;
// @ts-ignore: decorator
@inline const SEED_K2: u64 = 0x6B65792D74776F32;
// @ts-ignore: decorator
@inline const SEED_ID: u64 = 0x73657175656E6365;
// @ts-ignore: decorator
@inline const MAX_PENDING: i32 = 1024;
// @ts-ignore: decorator
@inline const PENDING: usize = 64;

export const out = new Buf(1 << 20);
export const tagBuf = new Buf(4096);
export const alertBuf = new Buf(4096);
const partnerTag = new Buf(4096);
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

function recordHash(): u64 {
  if (!recHashDone) {
    recHash = hashBytes(SEED_ID, recPtr, recLen);
    recHashDone = true;
  }
  return recHash;
}

// Inserts wait until every rule has seen the record: a record never pairs with itself, and hold_ms knows
// whether it was tagged. pending row: h1, h2, t, summary pos, start (u64 each) | rule, stage, flags, prev index,
// prev seq (u32 each)
const pending: usize = heap.alloc(<usize>MAX_PENDING * PENDING);
let pendingCount = 0;

// ── the chain of the sequence being reported ─────────────────────────────────────────────────────────
// per stage: the entry (0 = the current record)
const chain: usize = heap.alloc(<usize>STAGES * 4);
const sums: usize = heap.alloc(<usize>STAGES * 8); // summary pointer u32 | length u32
@inline function chainAt(i: i32): usize {
  return <usize>load<u32>(chain + (<usize>i << 2));
}
@inline function setAt(i: i32, e: usize): void {
  store<u32>(chain + (<usize>i << 2), <u32>e);
}

/** The previous event's entry of the partial ending at entry e of stage s (key k), or 0 when it was overwritten. */
function prevOf(k: u32, s: i32, e: usize): usize {
  if (s == 0) return 0;
  const p = entryPtr(k, s - 1, <u32>load<u8>(e, 37));
  return (eFlags(p) & F_FULL) != 0 && eSeq(p) == load<u32>(e, 32) ? p : 0;
}

/**
 * Whether a partial through entry e of stage s is whole and holds only unused candidates. A link whose entry was
 * reused breaks it: that entry joined another sequence, fell behind the watermark (then the partial cannot
 * extend anyway) or was overwritten (counted).
 */
function chainUnused(k: u32, s: i32, e: usize): bool {
  while (true) {
    if ((eFlags(e) & F_USED) != 0) return false;
    if (s == 0) return true;
    e = prevOf(k, s, e);
    if (e == 0) return false;
    s--;
  }
}

/**
 * EQL's step for a candidate that arrived in time order: the most recent partial of stage s (all of them are
 * before it) leaves the group, with every other one; returns it, or 0 when the group was empty.
 */
function takePartial(k: u32, s: i32): usize {
  let best: usize = 0;
  for (let i: u32 = 0; i < ringCap; i++) {
    const e = entryPtr(k, s, i);
    const f = eFlags(e);
    if ((f & (F_FULL | F_LIVE)) != (F_FULL | F_LIVE)) continue;
    setFlags(e, f & ~F_LIVE);
    if ((f & F_USED) == 0 && (best == 0 || earlier(best, e)) && chainUnused(k, s, e)) best = e;
  }
  return best;
}

/** a (time ta, arrival sa) may come before b in a sequence. */
@inline function precedes(ta: i64, sa: u32, tb: i64, sb: u32): bool {
  if (skewNs > 0) return sa != sb && ta <= satAdd(tb, skewNs);
  return ta < tb || (ta == tb && seqBefore(sa, sb));
}

/**
 * The search through the current record (stage s of n, time t) among key k's unused candidates. Fills the
 * chain and returns true when it finds a sequence within maxspan.
 */
function search(k: u32, s: i32, n: i32, t: i64, maxspan: i64): bool {
  setAt(s, 0);
  let at = t;
  let as = recSeq;
  for (let st = s - 1; st >= 0; st--) {
    let best: usize = 0;
    for (let i: u32 = 0; i < ringCap; i++) {
      const e = entryPtr(k, st, i);
      if ((eFlags(e) & (F_FULL | F_USED)) != F_FULL || !precedes(eTime(e), eSeq(e), at, as)) continue;
      if (best == 0 || earlier(best, e)) best = e;
    }
    if (best == 0) return false;
    setAt(st, best);
    at = eTime(best);
    as = eSeq(best);
  }
  const first = at;
  at = t;
  as = recSeq;
  for (let st = s + 1; st < n; st++) {
    let best: usize = 0;
    for (let i: u32 = 0; i < ringCap; i++) {
      const e = entryPtr(k, st, i);
      if ((eFlags(e) & (F_FULL | F_USED)) != F_FULL || !precedes(at, as, eTime(e), eSeq(e))) continue;
      if (best == 0 || earlier(e, best)) best = e;
    }
    if (best == 0) return false;
    setAt(st, best);
    at = eTime(best);
    as = eSeq(best);
  }
  if (at - first > maxspan) return false;
  if (skewNs > 0) {
    // with skew, stages are not strictly ordered: one record may not stand for two of them
    for (let i = 0; i < n; i++) {
      const si = i == s ? recSeq : eSeq(chainAt(i));
      for (let j = i + 1; j < n; j++) if (si == (j == s ? recSeq : eSeq(chainAt(j)))) return false;
    }
  }
  return true;
}

/**
 * Handles key combination `combo` of a candidate of rule r at stage s (time t). `rendered` holds the record's
 * summary. Reports a completed sequence, or queues the candidate's insert into the key's buffers.
 */
export function candidateKey(r: i32, s: i32, t: i64, combo: i32): void {
  const n = ruleStages(r);
  const h1 = comboHash(combo, SEED_K1 ^ <u64>r);
  const h2 = comboHash(combo, SEED_K2 ^ <u64>r);
  const maxspan = ruleMaxspan(r);
  let flags: u32 = 0;
  let start = t;
  let prevIdx: u32 = 0;
  let prevSeq: u32 = 0;
  const k = findKey(h1, h2);
  let inOrder = true;
  if (k != NIL) {
    touch(k);
    inOrder = t >= keyNewest(k);
    keySeen(k, t, inOrder ? i64.MIN_VALUE : satAdd(t, satAdd(maxspan, skewNs)));
    if (inOrder && s > 0) {
      const p = takePartial(k, s - 1);
      if (p != 0 && t - load<i64>(p, 16) <= maxspan) {
        if (s == n - 1) {
          setAt(s, 0);
          let e = p;
          for (let st = s - 1; st >= 0; st--) {
            setAt(st, e);
            e = e != 0 ? prevOf(k, st, e) : 0;
          }
          report(r, k, s, n, t, load<i64>(p, 16), combo);
          return;
        }
        flags = F_LIVE;
        start = load<i64>(p, 16);
        prevIdx = <u32>((p - entryPtr(k, s - 1, 0)) / ENTRY);
        prevSeq = eSeq(p);
      }
    }
    if (!inOrder || skewNs > 0 || (s == n - 1 && t <= keyDisorder(k))) {
      if (search(k, s, n, t, maxspan)) {
        report(r, k, s, n, t, s == 0 ? t : eTime(chainAt(0)), combo);
        return;
      }
    }
  }
  // a first event in time order starts a partial sequence (out of order, only the search finds it)
  if (s == 0 && inOrder) flags = F_LIVE;
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
  pendingCount++;
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

@inline function sumPtr(i: i32): usize {
  return <usize>load<u32>(sums + (<usize>i << 3));
}
@inline function sumLen(i: i32): usize {
  return <usize>load<u32>(sums + (<usize>i << 3), 4);
}

/**
 * Reports the sequence in the chain (stage s is the current record, at time t; the first event at t0): tags the
 * record, releases held partners tagged, queues the alert, and marks the partners used.
 */
function report(r: i32, k: u32, s: i32, n: i32, t: i64, t0: i64, combo: i32): void {
  comboText(combo, keyText);
  const key = keyText.base;
  const keyLen = keyText.len;
  let h: u64 = 0;
  let lost = false;
  for (let i = 0; i < n; i++) {
    let p: usize = 0;
    let len: usize = 0;
    let rh: u64 = 0;
    if (i == s) {
      p = rendered.base;
      len = rendered.len;
      rh = recordHash();
    } else {
      const e = chainAt(i);
      p = e != 0 ? summaryAt(load<u64>(e, 8)) : 0;
      if (p != 0) {
        len = summaryLenAt(p);
        rh = summaryHashAt(p);
      } else lost = true;
    }
    store<u32>(sums + (<usize>i << 3), <u32>p);
    store<u32>(sums + (<usize>i << 3), <u32>len, 4);
    h = i == 0 ? rh : hashCombine(h, rh);
  }
  if (lost) bump(C_SUMMARIES_LOST);
  const id = hashCombine(hashCombine(ruleIdHash(r), hashBytes(SEED_ID, key, keyLen)), h);
  // the peer of a stage's record is the stage before it (the first stage's: the second)
  const peer = s > 0 ? s - 1 : 1;
  tagAlert(tagBuf, r, id, s, key, keyLen, sumPtr(peer), sumLen(peer));
  for (let i = 0; i < n; i++) {
    if (i == s) continue;
    const e = chainAt(i);
    if (e == 0) continue;
    const ref = load<u32>(e, 28);
    if (ref != 0 && takeHeld(ref)) {
      const pi = i > 0 ? i - 1 : 1;
      partnerTag.reset();
      tagAlert(partnerTag, r, id, i, key, keyLen, sumPtr(pi), sumLen(pi));
      splice(out, heldPtr, heldLen, heldClose, (heldFlags & HF_EMPTY) != 0, partnerTag);
      if ((heldFlags & HF_NEWLINE) != 0) out.byte(0x0A);
    }
    setFlags(e, (eFlags(e) | F_USED) & ~F_LIVE);
  }
  if (alertsOn) {
    for (let i = 0; i < n; i++) setChain(i, sumPtr(i), sumLen(i));
    const last = s == n - 1 ? t : eTime(chainAt(n - 1));
    alertRecord(alertBuf, r, n, id, key, keyLen, podOff, t0, last);
    bump(C_ALERTS);
  }
  bump(C_MATCHES);
  // a key whose candidates all joined sequences holds nothing more (the record's own inserts, if any, recreate it)
  if (keySpent(k)) freeKey(k);
  else touch(k);
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

/**
 * Applies the queued inserts. When hold is on and the record waits, untagged, as a candidate that is not any
 * rule's last stage, it is held first (returns true: the caller must not write it).
 */
export function applyPending(canHold: bool, close: usize, flags: u32): bool {
  let ref: u32 = 0;
  if (canHold && tagBuf.len == 0) {
    for (let i = 0; i < pendingCount; i++) {
      const q = pending + <usize>i * PENDING;
      if (<i32>load<u32>(q, 44) < ruleStages(<i32>load<u32>(q, 40)) - 1) {
        ref = hold(out, recPtr, recLen, close, flags, nowMs + holdMs);
        break;
      }
    }
  }
  for (let i = 0; i < pendingCount; i++) {
    const q = pending + <usize>i * PENDING;
    const r = <i32>load<u32>(q, 40);
    const s = <i32>load<u32>(q, 44);
    const n = ruleStages(r);
    const t = load<i64>(q, 16);
    const k = getOrCreateKey(load<u64>(q), load<u64>(q, 8), r, n);
    keySeen(k, t, i64.MIN_VALUE);
    addEntry(k, s, t, recSeq, load<u64>(q, 24), load<i64>(q, 32), s < n - 1 ? ref : 0, load<u32>(q, 48), load<u32>(q, 52), load<u32>(q, 56));
  }
  return ref != 0;
}
