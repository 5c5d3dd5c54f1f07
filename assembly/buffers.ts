// The stage buffers of a key and their candidate entries. A key of a rule holds one buffer of ring_capacity
// entries per stage, and for a stage with runs=N one buffer of N − 1 + ring_capacity entries (rounded up to whole
// blocks of ring_capacity: the key's blocks are listed in its slot, state.ts). A full buffer overwrites a dead
// entry, else its oldest one (ring_overwrites).
//
// entry (entryBytes: 40, or 48 when a loaded rule has a stage with runs), in the stage buffers:
//   +0 time ns i64 | +8 summary pos u64 (the record's hash sits in the summary item) | +16 start i64 (first
//   event time of the partial sequence that ends here, when LIVE; for a run entry: of the partial it extended) |
//   +24 arrival seq u32 | +28 hold ref u32 | +32 arrival seq of the partial's previous event u32 | +36 flags u8 |
//   +37 pad | +38 that event's index u16 | run entries: +40 arrival seq of the run's previous in-order entry u32 |
//   +44 its index u16 | +46 pad
// flags: FULL (the entry holds a candidate), LIVE (it ends a partial sequence waiting in EQL's group for its
// stage's last position), USED (it joined a reported sequence), SEARCHED (it joined a sequence the out-of-order
// search reported), INORDER (a run entry in the in-order chain of its buffer), PREFIX (a run entry that extended a
// partial of the stage before, or starts one at the first stage), RUNPREV (its run link is set).
// "Dead" entries can take part in no future sequence: empty, used (a run entry: searched — EQL lets one event of a
// run stand at successive positions of successive sequences), or older than watermark − maxspan − skew.

import { bump, C_RING_OVERWRITES } from "./counters";
import { ruleMaxspan, NO_MAXSPAN, ruleCount, ruleStages, ruleFirstStage, stageRuns, stageRowCount } from "./rules";
import { watermark } from "./sources";
import { slotPtr, keyRule, blocks, blockBytes, ringCap, skewNs, KEY_HDR, NIL } from "./state";
export { NIL } from "./state";

// @ts-ignore: decorator
@inline export const ENTRY_BASE: usize = 40;
// @ts-ignore: decorator
@inline export const ENTRY_RUN: usize = 48;
export const F_FULL: u32 = 1;
export const F_LIVE: u32 = 2;
export const F_USED: u32 = 4;
export const F_SEARCHED: u32 = 8;
export const F_INORDER: u32 = 16;
export const F_PREFIX: u32 = 32;
export const F_RUNPREV: u32 = 64;

export let entryBytes: usize = ENTRY_BASE;

/** Entries carry the run link when a loaded rule has a stage with runs. */
export function setEntryBytes(runs: bool): void {
  entryBytes = entrySize(runs);
}

export function entrySize(runs: bool): usize {
  return runs ? ENTRY_RUN : ENTRY_BASE;
}

// per stage row: its first block in the key's block list, its capacity in entries (u32 each); per rule: blocks
let stageBuf: usize = 0;
let ruleBlocks: usize = 0;

/** Entries of a stage buffer for a stage of `runs` positions: a run keeps its last N − 1 events besides the ring. */
export function bufferEntries(runs: u32, ring: u32): u32 {
  return runs <= 1 ? ring : ((runs - 1 + ring + ring - 1) / ring) * ring;
}

/** The most blocks a key of a loaded rule needs, for this ring capacity; stage buffer sizes are set from it. */
export function layoutBuffers(ring: u32): u32 {
  stageBuf = heap.alloc(<usize>max(stageRowCount, 1) * 8);
  ruleBlocks = heap.alloc(<usize>max(ruleCount, 1) * 4);
  let most: u32 = 2;
  for (let r = 0; r < ruleCount; r++) {
    let b: u32 = 0;
    for (let s = 0; s < ruleStages(r); s++) {
      const cap = bufferEntries(<u32>stageRuns(r, s), ring);
      const row = stageBuf + <usize>(ruleFirstStage(r) + s) * 8;
      store<u32>(row, b);
      store<u32>(row, cap, 4);
      b += cap / ring;
    }
    store<u32>(ruleBlocks + (<usize>r << 2), b);
    if (b > most) most = b;
  }
  return most;
}

/** Whether a loaded rule has a stage with runs (its entries carry the run link). */
export function anyRuns(): bool {
  for (let r = 0; r < ruleCount; r++) for (let s = 0; s < ruleStages(r); s++) if (stageRuns(r, s) > 1) return true;
  return false;
}

/** Blocks a key of rule r holds. */
@inline export function ruleBlockCount(r: i32): i32 {
  return <i32>load<u32>(ruleBlocks + (<usize>r << 2));
}

/** Entries in stage s's buffer for keys of rule r. */
@inline export function stageCap(r: i32, s: i32): u32 {
  return load<u32>(stageBuf + <usize>(ruleFirstStage(r) + s) * 8, 4);
}

/** Entry i of stage s's buffer of key k. */
@inline export function entryPtr(k: u32, stage: i32, i: u32): usize {
  const slot = slotPtr(k);
  let blk = <usize>load<u32>(stageBuf + <usize>(ruleFirstStage(<i32>load<u32>(slot, 24)) + stage) * 8);
  let j = i;
  if (j >= ringCap) {
    const q = j / ringCap;
    blk += <usize>q;
    j -= q * ringCap;
  }
  const b = load<u32>(slot + KEY_HDR + (blk << 2));
  return blocks + <usize>b * blockBytes + <usize>j * entryBytes;
}

/** The index of entry e within stage s's buffer of key k (e came from entryPtr(k, s, …)). */
export function entryIndex(k: u32, stage: i32, e: usize): u32 {
  const n = stageCap(keyRule(k), stage);
  for (let i: u32 = 0; i < n; i += ringCap) {
    const base = entryPtr(k, stage, i);
    if (e >= base && e < base + blockBytes) return i + <u32>((e - base) / entryBytes);
  }
  return 0;
}

/** The flag that makes an entry of stage s unusable for new sequences: USED, or SEARCHED for a run stage. */
@inline export function usedMask(r: i32, s: i32): u32 {
  return stageRuns(r, s) > 1 ? F_SEARCHED : F_USED;
}

// ── entries ──────────────────────────────────────────────────────────────────────────────────────────
@inline export function eTime(e: usize): i64 {
  return load<i64>(e);
}
@inline export function eSeq(e: usize): u32 {
  return load<u32>(e, 24);
}
@inline export function eFlags(e: usize): u32 {
  return <u32>load<u8>(e, 36);
}
@inline export function setFlags(e: usize, f: u32): void {
  store<u8>(e, <u8>f, 36);
}
@inline export function ePrevIdx(e: usize): u32 {
  return <u32>load<u16>(e, 38);
}
@inline export function ePrevSeq(e: usize): u32 {
  return load<u32>(e, 32);
}
@inline export function eRunPrevSeq(e: usize): u32 {
  return load<u32>(e, 40);
}
@inline export function eRunPrevIdx(e: usize): u32 {
  return <u32>load<u16>(e, 44);
}

/** Arrival order that survives wrapping of the 32-bit counter. */
@inline export function seqBefore(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

/** (time, arrival) of entry a orders before that of b. */
@inline export function earlier(a: usize, b: usize): bool {
  const ta = eTime(a);
  const tb = eTime(b);
  return ta < tb || (ta == tb && seqBefore(eSeq(a), eSeq(b)));
}

@inline function satSub(a: i64, b: i64): i64 {
  return a < i64.MIN_VALUE + b ? i64.MIN_VALUE : a - b;
}

/** Entries of rule r older than this can join no sequence with a candidate that is not late. */
export function deadBefore(r: i32): i64 {
  const span = ruleMaxspan(r);
  if (span == NO_MAXSPAN) return i64.MIN_VALUE;
  return satSub(satSub(watermark(), span), skewNs);
}

@inline function isDead(e: usize, limit: i64, used: u32): bool {
  const f = eFlags(e);
  return (f & F_FULL) == 0 || (f & used) != 0 || eTime(e) < limit;
}

/** Every entry of k is dead. */
export function keyDead(k: u32): bool {
  const r = keyRule(k);
  const limit = deadBefore(r);
  const n = ruleStages(r);
  for (let s = 0; s < n; s++) {
    const cap = stageCap(r, s);
    const used = usedMask(r, s);
    for (let i: u32 = 0; i < cap; i++) if (!isDead(entryPtr(k, s, i), limit, used)) return false;
  }
  return true;
}

/** No entry of k can join another sequence, whatever the watermark (each is empty or used): k can go. */
export function keySpent(k: u32): bool {
  const r = keyRule(k);
  const n = ruleStages(r);
  for (let s = 0; s < n; s++) {
    const cap = stageCap(r, s);
    const used = usedMask(r, s);
    for (let i: u32 = 0; i < cap; i++) if ((eFlags(entryPtr(k, s, i)) & (F_FULL | used)) == F_FULL) return false;
  }
  return true;
}

/**
 * Adds a candidate to stage's buffer of k: into an empty slot, else over a dead entry, else over the oldest
 * (counted). Returns its index. runPrev: for a run entry, the index and arrival seq of its in-order predecessor.
 */
export function addEntry(k: u32, stage: i32, t: i64, seq: u32, sumPos: u64, start: i64, hold: u32, flags: u32, prevIdx: u32, prevSeq: u32, runPrevIdx: u32, runPrevSeq: u32): u32 {
  let target: u32 = NIL;
  let oldest: u32 = NIL;
  const r = keyRule(k);
  const limit = deadBefore(r);
  const cap = stageCap(r, stage);
  const used = usedMask(r, stage);
  for (let i: u32 = 0; i < cap; i++) {
    const e = entryPtr(k, stage, i);
    if (isDead(e, limit, used)) {
      target = i;
      break;
    }
    if (oldest == NIL || earlier(e, entryPtr(k, stage, oldest))) oldest = i;
  }
  if (target == NIL) {
    target = oldest;
    bump(C_RING_OVERWRITES);
  }
  const e = entryPtr(k, stage, target);
  store<i64>(e, t);
  store<u64>(e, sumPos, 8);
  store<i64>(e, start, 16);
  store<u32>(e, seq, 24);
  store<u32>(e, hold, 28);
  store<u32>(e, prevSeq, 32);
  store<u8>(e, <u8>(flags | F_FULL), 36);
  store<u16>(e, <u16>prevIdx, 38);
  if (entryBytes > ENTRY_BASE) {
    store<u32>(e, runPrevSeq, 40);
    store<u16>(e, <u16>runPrevIdx, 44);
  }
  return target;
}

