// EQL `sample by k… [f0] [f1] …`: per key, one event for each filter, all distinct, in any order and at any
// distance in time — what Elasticsearch's sample execution returns for a key (its SampleIterator takes, per key
// and filter, a few matching documents and picks distinct ones, one per filter, by backtracking). Streaming,
// a key reports a sample as soon as its buffered candidates and the current record hold one; those candidates are
// then used and join no other sample, so a key reports again only once new events make a second sample (each
// alert is the sample Elasticsearch would return for the key over the events since the previous one).
//
// A record may match several filters; it fills at most one of them. Whether a sample exists is a bipartite
// matching of filters to distinct records: the current record is put at each filter it matches in turn, and
// the other filters are matched among the key's unused candidates by augmenting paths (Kuhn), at most 8 filters.
// State is the sequences' (state.ts): one buffer of ring_capacity candidates per filter and key, the least
// recently used key evicted at max_keys; there is no maxspan, so nothing expires by time.

import { bump, C_CANDIDATES_STAGE1, C_CANDIDATES_STAGE2, C_NO_KEY } from "./counters";
import { ruleStages, STAGES } from "./rules";
import { findKey, touch, NIL } from "./state";
import { entryPtr, eFlags, setFlags, eSeq, eTime, stageCap, F_FULL, F_USED } from "./buffers";
import { extractKeys, comboHash } from "./keys";
import { renderSummary } from "./summary";
import { report, setAt } from "./report";
import { recSeq, queueInsert, pendingMark, storePendingSummary, SEED_K1, SEED_K2 } from "./sequence";

// @ts-ignore: decorator
@inline const MAX_SAMPLE_KEYS: i32 = 256;
// @ts-ignore: decorator
@inline const CUR: usize = 1; // the current record, as a candidate (entries are never at address 1)

// the record's distinct keys: h1, h2 (u64) | filter mask, first filter, its combination, reported (u32 each)
const keyRows: usize = heap.alloc(<usize>MAX_SAMPLE_KEYS * 32);
let keyCount = 0;
// per filter: the candidate it is matched with (0: none); the records visited by one augmenting search
const matchOf: usize = heap.alloc(<usize>STAGES * 8);
const visited: usize = heap.alloc(4096 * 4);
let visitedCount = 0;
// per filter: the current record's time for it
const times: usize = heap.alloc(<usize>STAGES * 8);

let rule = 0;
let kk: u32 = 0;
let locked = -1; // the filter the current record is put at

@inline function matched(f: i32): usize {
  return <usize>load<u32>(matchOf + (<usize>f << 2));
}
@inline function setMatched(f: i32, c: usize): void {
  store<u32>(matchOf + (<usize>f << 2), <u32>c);
}
@inline function seqOf(c: usize): u32 {
  return c == CUR ? recSeq : eSeq(c);
}

function seen(q: u32): bool {
  for (let i = 0; i < visitedCount; i++) if (load<u32>(visited + (<usize>i << 2)) == q) return true;
  if (visitedCount < 4096) {
    store<u32>(visited + (<usize>visitedCount << 2), q);
    visitedCount++;
  }
  return false;
}

/** The filter holding the record with arrival seq q, or −1. */
function ownerOf(q: u32, n: i32): i32 {
  for (let f = 0; f < n; f++) {
    const c = matched(f);
    if (c != 0 && seqOf(c) == q) return f;
  }
  return -1;
}

/** Kuhn's augmenting path from filter f among the key's unused candidates (the current record is locked). */
function augment(f: i32, n: i32): bool {
  const cap = stageCap(rule, f);
  for (let i: u32 = 0; i < cap; i++) {
    const e = entryPtr(kk, f, i);
    if ((eFlags(e) & (F_FULL | F_USED)) != F_FULL) continue;
    const q = eSeq(e);
    if (q == recSeq || seen(q)) continue;
    const o = ownerOf(q, n);
    if (o < 0 || (o != locked && augment(o, n))) {
      setMatched(f, e);
      return true;
    }
  }
  return false;
}

/** A sample of key k with the current record at filter f: true when every other filter is matched. */
function matchWith(f: i32, n: i32): bool {
  for (let g = 0; g < n; g++) setMatched(g, 0);
  setMatched(f, CUR);
  locked = f;
  for (let g = 0; g < n; g++) {
    if (g == f) continue;
    visitedCount = 0;
    if (!augment(g, n)) return false;
  }
  return true;
}

function addKey(h1: u64, h2: u64, f: i32, combo: i32): void {
  for (let i = 0; i < keyCount; i++) {
    const row = keyRows + <usize>i * 32;
    if (load<u64>(row) == h1 && load<u64>(row, 8) == h2) {
      store<u32>(row, load<u32>(row, 16) | (1 << f), 16);
      return;
    }
  }
  if (keyCount >= MAX_SAMPLE_KEYS) return;
  const row = keyRows + <usize>keyCount * 32;
  keyCount++;
  store<u64>(row, h1);
  store<u64>(row, h2, 8);
  store<u32>(row, 1 << f, 16);
  store<u32>(row, <u32>f, 20);
  store<u32>(row, <u32>combo, 24);
  store<u32>(row, 0, 28);
}

/** Marks every entry of key k whose record has arrival seq q used. */
function useRecord(k: u32, n: i32, q: u32): void {
  for (let f = 0; f < n; f++) {
    const cap = stageCap(rule, f);
    for (let i: u32 = 0; i < cap; i++) {
      const e = entryPtr(k, f, i);
      const fl = eFlags(e);
      if ((fl & F_FULL) != 0 && eSeq(e) == q) setFlags(e, fl | F_USED);
    }
  }
}

/** The current record's time at filter f (set by sampleRecord). */
@inline function timeAt(f: i32): i64 {
  return load<i64>(times + (<usize>f << 3));
}

/** Tries the key of row `row`: reports a sample through the current record when there is one. */
function tryKey(r: i32, row: usize): bool {
  const k = findKey(load<u64>(row), load<u64>(row, 8));
  if (k == NIL) return false;
  touch(k);
  rule = r;
  kk = k;
  const n = ruleStages(r);
  const mask = load<u32>(row, 16);
  for (let f = 0; f < n; f++) {
    if ((mask & (1 << f)) == 0 || !matchWith(f, n)) continue;
    let t0 = timeAt(f);
    let t1 = t0;
    for (let g = 0; g < n; g++) {
      const c = matched(g);
      setAt(g, c == CUR ? 0 : c);
      const t = c == CUR ? timeAt(f) : eTime(c);
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
    }
    // a record matching several filters sits in several buffers: all of its entries are used now
    for (let g = 0; g < n; g++) {
      const c = matched(g);
      if (c != CUR) useRecord(k, n, eSeq(c));
    }
    // the key's text and the record's summary as the filter it fills
    extractKeys(r, <i32>load<u32>(row, 20));
    renderSummary(r, f);
    report(r, k, f, n, t0, t1, <i32>load<u32>(row, 24), false);
    return true;
  }
  return false;
}

/**
 * The current record matched the filters in `mask` of sample rule r, at the times set with sampleTime: per key,
 * reports a sample through it, or queues it as a candidate of each filter it matches.
 */
export function sampleRecord(r: i32, mask: u32): void {
  keyCount = 0;
  const n = ruleStages(r);
  for (let f = 0; f < n; f++) {
    if ((mask & (1 << f)) == 0) continue;
    const c = extractKeys(r, f);
    if (c == 0) {
      bump(C_NO_KEY);
      mask &= ~(1 << f);
      continue;
    }
    for (let i = 0; i < c; i++) addKey(comboHash(i, SEED_K1 ^ <u64>r), comboHash(i, SEED_K2 ^ <u64>r), f, i);
  }
  for (let i = 0; i < keyCount; i++) {
    const row = keyRows + <usize>i * 32;
    if (tryKey(r, row)) store<u32>(row, 1, 28);
  }
  for (let f = 0; f < n; f++) {
    if ((mask & (1 << f)) == 0) continue;
    bump(f == 0 ? C_CANDIDATES_STAGE1 : C_CANDIDATES_STAGE2);
    renderSummary(r, f);
    const mark = pendingMark();
    for (let i = 0; i < keyCount; i++) {
      const row = keyRows + <usize>i * 32;
      if (load<u32>(row, 28) != 0 || (load<u32>(row, 16) & (1 << f)) == 0) continue;
      queueInsert(load<u64>(row), load<u64>(row, 8), r, f, timeAt(f), timeAt(f), 0, 0, 0, 0, 0);
    }
    storePendingSummary(mark);
  }
}

/** The current record's event time at filter f of the sample rule being processed. */
export function sampleTime(f: i32, t: i64): void {
  store<i64>(times + (<usize>f << 3), t);
}
