// The out-of-order search: when a candidate arrives older than its key's newest (or a key saw such a candidate
// within the span of this one, or with skew_ms), EQL's in-order state machine cannot be trusted, and the key's
// buffered candidates are searched for a valid sequence through this one — position by position backwards from
// it taking the latest unused candidate before (the latest possible start), and forwards taking the earliest
// after (the earliest possible end); valid when end − start ≤ maxspan. A valid sequence exists exactly when that
// greedy choice finds one, so every key EQL reports is reported, whatever the arrival order. A candidate of a
// stage with runs may stand at any of the run's positions: each is tried. The positions of a run draw distinct
// entries from the run's one buffer.

import { skewNs } from "./state";
import { entryPtr, eFlags, eSeq, eTime, earlier, seqBefore, stageCap, F_FULL, F_USED, F_SEARCHED } from "./buffers";
import { rulePositions, stageRuns, stageFirst, stageAt } from "./rules";
import { setAt, chainAt } from "./report";
import { recSeq } from "./sequence";

@inline function satAdd(a: i64, b: i64): i64 {
  return a > i64.MAX_VALUE - b ? i64.MAX_VALUE : a + b;
}

/** a (time ta, arrival sa) may come before b in a sequence. */
@inline function precedes(ta: i64, sa: u32, tb: i64, sb: u32): bool {
  if (skewNs > 0) return sa != sb && ta <= satAdd(tb, skewNs);
  return ta < tb || (ta == tb && seqBefore(sa, sb));
}

/** Whether entry e's record already stands at another position of stage st in the chain (lo … hi). */
function taken(e: usize, lo: i32, hi: i32, skip: i32): bool {
  const q = eSeq(e);
  for (let i = lo; i <= hi; i++) {
    if (i == skip) continue;
    const c = chainAt(i);
    if (c != 0 && eSeq(c) == q) return true;
  }
  return false;
}

// the current record's position while a search runs, and the range of its chain filled so far
let cur: i32 = 0;
let filledLo: i32 = 0;
let filledHi: i32 = 0;

/**
 * The best unused candidate of position pos (its stage st) next to (at, as): the latest before it (backwards), or
 * the earliest after it. 0 when there is none.
 */
function pick(k: u32, r: i32, pos: i32, at: i64, as: u32, backwards: bool): usize {
  const st = stageAt(r, pos);
  const shared = stageRuns(r, st) > 1;
  const lo = stageFirst(r, st);
  const hi = lo + stageRuns(r, st) - 1;
  const cap = stageCap(r, st);
  let best: usize = 0;
  for (let i: u32 = 0; i < cap; i++) {
    const e = entryPtr(k, st, i);
    if ((eFlags(e) & (F_FULL | F_USED | F_SEARCHED)) != F_FULL) continue;
    if (backwards ? !precedes(eTime(e), eSeq(e), at, as) : !precedes(at, as, eTime(e), eSeq(e))) continue;
    if (backwards ? best != 0 && !earlier(best, e) : best != 0 && !earlier(e, best)) continue;
    if ((shared || skewNs > 0) && (eSeq(e) == recSeq || taken(e, max(lo, filledLo), min(hi, filledHi), cur))) continue;
    best = e;
  }
  return best;
}

/** The search with the current record (time t) at position p; fills the chain. */
function searchAt(k: u32, r: i32, p: i32, t: i64, maxspan: i64): bool {
  const n = rulePositions(r);
  cur = p;
  setAt(p, 0);
  filledLo = filledHi = p;
  let at = t;
  let as = recSeq;
  for (let pos = p - 1; pos >= 0; pos--) {
    const best = pick(k, r, pos, at, as, true);
    if (best == 0) return false;
    setAt(pos, best);
    filledLo = pos;
    at = eTime(best);
    as = eSeq(best);
  }
  const first = at;
  at = t;
  as = recSeq;
  for (let pos = p + 1; pos < n; pos++) {
    const best = pick(k, r, pos, at, as, false);
    if (best == 0) return false;
    setAt(pos, best);
    filledHi = pos;
    at = eTime(best);
    as = eSeq(best);
  }
  if (at - first > maxspan) return false;
  if (skewNs > 0) {
    // with skew, positions are not strictly ordered: one record may not stand for two of them
    for (let i = 0; i < n; i++) {
      const si = i == p ? recSeq : eSeq(chainAt(i));
      for (let j = i + 1; j < n; j++) if (si == (j == p ? recSeq : eSeq(chainAt(j)))) return false;
    }
  }
  return true;
}

/**
 * The search through the current record (a candidate of stage s at time t) among key k's unused candidates. Fills
 * the chain and returns its position (−1: no sequence within maxspan).
 */
export function search(k: u32, r: i32, s: i32, t: i64, maxspan: i64): i32 {
  const first = stageFirst(r, s);
  for (let p = first + stageRuns(r, s) - 1; p >= first; p--) if (searchAt(k, r, p, t, maxspan)) return p;
  return -1;
}
