// Partial sequences in a key's stage buffers, as EQL's state machine (Elasticsearch's SequenceMatcher) keeps them
// for records in time order: per position of the sequence a group of partials; an event of position p takes the
// most recent partial of position p − 1 before it — removing it and every earlier one from that group — and
// extends it when the span from the partial's first event is within maxspan.
//
// A stage of one position keeps its group as the LIVE entries of its buffer, each linked to the entry it
// extended (prev link). A stage with runs=N (N consecutive positions of one condition) keeps one buffer: every
// event of the run enters every one of its positions, so after an event the groups of the run's first N − 1
// positions each hold at most the partial that ends at that event — the one whose run part is the last j events
// of the run (j = 1 … N − 1), found by following the run links (each in-order entry links the one before it) —
// and the group of the last position holds the completed windows of N events, marked LIVE on their last entry.
// A run entry also records the partial of the stage before that it extended (PREFIX, prev link, start).

import { entryPtr, entryIndex, eFlags, eSeq, ePrevIdx, ePrevSeq, eRunPrevIdx, eRunPrevSeq, earlier, setFlags, stageCap, usedMask, F_FULL, F_LIVE, F_USED, F_SEARCHED, F_INORDER, F_PREFIX, F_RUNPREV } from "./buffers";
import { stageRuns } from "./rules";
import { setAt } from "./report";

/** No partial: its start is past every span. */
export const NO_START: i64 = i64.MAX_VALUE;

/** The entry of stage s − 1 that entry e (stage s) extended, or 0 when it was overwritten. */
export function prevOf(k: u32, s: i32, e: usize): usize {
  if (s == 0) return 0;
  const p = entryPtr(k, s - 1, ePrevIdx(e));
  return (eFlags(p) & F_FULL) != 0 && eSeq(p) == ePrevSeq(e) ? p : 0;
}

/** The in-order entry before run entry e in its buffer, or 0 (none, or overwritten since). */
export function runPrevOf(k: u32, s: i32, e: usize): usize {
  if ((eFlags(e) & F_RUNPREV) == 0) return 0;
  const p = entryPtr(k, s, eRunPrevIdx(e));
  return (eFlags(p) & (F_FULL | F_INORDER)) == (F_FULL | F_INORDER) && eSeq(p) == eRunPrevSeq(e) ? p : 0;
}

/** The first of the n run entries ending at e, or 0 when the chain is broken. */
export function windowFirst(k: u32, s: i32, e: usize, n: i32): usize {
  for (let j = 1; j < n && e != 0; j++) e = runPrevOf(k, s, e);
  return e;
}

/** The first event time of the partial ending at e at stage s's last position (NO_START: none). */
export function partialStart(k: u32, r: i32, s: i32, e: usize): i64 {
  const n = stageRuns(r, s);
  if (n == 1) return load<i64>(e, 16);
  const f = windowFirst(k, s, e, n);
  return f != 0 && (eFlags(f) & F_PREFIX) != 0 ? load<i64>(f, 16) : NO_START;
}

/**
 * Whether the partial ending at entry e of stage s — its last `take` entries of that stage, then the partial they
 * extended — is whole and free: no entry joined a reported sequence (for a run entry: one the out-of-order search
 * reported; an in-order sequence may share events of a run, as EQL's do), no link broke. A link whose entry was
 * reused breaks it: that entry joined another sequence, fell behind the watermark (then the partial cannot extend
 * anyway) or was overwritten (counted). Iterative: nothing recursive follows the record.
 */
export function runUnused(k: u32, r: i32, s: i32, e: usize, take: i32): bool {
  while (true) {
    if (stageRuns(r, s) > 1) {
      for (let j = 0; j < take; j++) {
        if ((eFlags(e) & F_SEARCHED) != 0) return false;
        if (j < take - 1) {
          e = runPrevOf(k, s, e);
          if (e == 0) return false;
        }
      }
      if ((eFlags(e) & F_PREFIX) == 0) return false;
    } else if ((eFlags(e) & F_USED) != 0) return false;
    if (s == 0) return true;
    e = prevOf(k, s, e);
    if (e == 0) return false;
    s--;
    take = stageRuns(r, s);
  }
}

/** Whether the partial ending at entry e at stage s's last position is whole and free (runUnused). */
export function chainUnused(k: u32, r: i32, s: i32, e: usize): bool {
  return runUnused(k, r, s, e, stageRuns(r, s));
}

/**
 * EQL's step for a candidate that arrived in time order: the most recent partial of stage s's last position (all
 * of them are before it) leaves the group, with every other one; returns it, or 0 when the group was empty.
 */
export function takePartial(k: u32, r: i32, s: i32): usize {
  let best: usize = 0;
  const cap = stageCap(r, s);
  const used = usedMask(r, s);
  for (let i: u32 = 0; i < cap; i++) {
    const e = entryPtr(k, s, i);
    const f = eFlags(e);
    if ((f & (F_FULL | F_LIVE)) != (F_FULL | F_LIVE)) continue;
    setFlags(e, f & ~F_LIVE);
    if ((f & used) == 0 && (best == 0 || earlier(best, e)) && chainUnused(k, r, s, e)) best = e;
  }
  return best;
}

/** The newest entry of run stage s's in-order chain, or 0. */
export function latestInOrder(k: u32, r: i32, s: i32): usize {
  let best: usize = 0;
  const cap = stageCap(r, s);
  for (let i: u32 = 0; i < cap; i++) {
    const e = entryPtr(k, s, i);
    if ((eFlags(e) & (F_FULL | F_INORDER)) != (F_FULL | F_INORDER)) continue;
    if (best == 0 || earlier(best, e)) best = e;
  }
  return best;
}

/**
 * Fills the chain of the sequence being reported from position pos down to 0: `take` entries of stage s ending
 * at e (the run's links; 1 for a stage of one position), then the partial they extended, stage by stage.
 */
export function fillChain(k: u32, r: i32, s: i32, e: usize, pos: i32, take: i32): void {
  while (true) {
    for (let j = 0; j < take; j++) {
      setAt(pos--, e);
      if (j < take - 1) e = e != 0 ? runPrevOf(k, s, e) : 0;
    }
    if (s == 0 || pos < 0) return;
    e = e != 0 ? prevOf(k, s, e) : 0;
    s--;
    take = stageRuns(r, s);
  }
}

/** Index and arrival seq of entry e of stage s (for a link to it). */
export function linkIdx(k: u32, s: i32, e: usize): u32 {
  return entryIndex(k, s, e);
}

/** Flags a reported sequence's entry: used (searched too, when the out-of-order search found it). */
export function markUsed(e: usize, searched: bool): void {
  setFlags(e, (eFlags(e) | F_USED | (searched ? F_SEARCHED : 0)) & ~F_LIVE);
}
