// Bounded per-key state. Keys live in a fixed pool of `max_keys` slots found through an open-addressing index;
// a key of a rule holds the rule's stage buffers — one buffer of `ring_capacity` candidate entries per stage, and
// for a stage with runs=N (N consecutive positions of one condition) one buffer of N − 1 + ring_capacity entries,
// made of several blocks — taken from a shared pool of 2 × max_keys blocks, so a long rule costs what its stages
// need, not every key. The least recently used key is evicted when slots or blocks run out (keys_evicted, unless
// the watermark had already passed all of its entries: then it is reclaimed silently); a full buffer overwrites a
// dead entry, else its oldest one (ring_overwrites). A key is identified by two independent 64-bit hashes of
// (rule, key values): the key bytes themselves are not stored — the record that completes a sequence carries them.
//
// key slot (keyBytes = KEY_HDR + 4 × the most blocks of any loaded rule):
//   +0 h1 u64 | +8 h2 u64 | +16 lru prev u32 | +20 lru next u32 | +24 rule u32 | +28 blocks u32 (0: free) |
//   +32 newest candidate time i64 | +40 disorder horizon i64 | +48 block ids u32 × blocks (stage order)
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

import { bump, setCounter, C_KEYS_EVICTED, C_KEYS_ACTIVE, C_RING_OVERWRITES } from "./counters";
import { ruleMaxspan, NO_MAXSPAN, ruleCount, ruleStages, ruleFirstStage, stageRuns, stageRowCount } from "./rules";
import { watermark } from "./sources";

// @ts-ignore: decorator
@inline export const KEY_HDR: usize = 48;
// @ts-ignore: decorator
@inline const ENTRY_BASE: usize = 40;
// @ts-ignore: decorator
@inline const ENTRY_RUN: usize = 48;
export const NIL: u32 = 0xFFFFFFFF;
export const F_FULL: u32 = 1;
export const F_LIVE: u32 = 2;
export const F_USED: u32 = 4;
export const F_SEARCHED: u32 = 8;
export const F_INORDER: u32 = 16;
export const F_PREFIX: u32 = 32;
export const F_RUNPREV: u32 = 64;

export let maxKeys: u32 = 0;
export let ringCap: u32 = 0;
export let entryBytes: usize = ENTRY_BASE;
export let keyBytes: usize = 0; // bytes per key slot
export let blockBytes: usize = 0; // bytes per block
export let skewNs: i64 = 0;
let pool: usize = 0;
let blocks: usize = 0;
let blockCount: u32 = 0;
let blockFree: u32 = NIL; // free blocks chained through their first word
let blockNext: u32 = 0; // blocks never used yet
export let blocksUsed: u32 = 0;
let index: usize = 0; // u32 per bucket: slot + 1, 0 = empty
let indexMask: u32 = 0;
export let indexBytes: usize = 0;
let lruHead: u32 = NIL; // most recently used
let lruTail: u32 = NIL; // least recently used
let freeTop: u32 = NIL; // free slots chained through `next`
let nextUnused: u32 = 0; // slots never used yet
export let keysActive: u32 = 0;
// per stage row: its first block in the key's block list, its capacity in entries (u32 each); per rule: blocks
let stageBuf: usize = 0;
let ruleBlocks: usize = 0;

function bucketsFor(keys: u32): u32 {
  let buckets: u32 = 1;
  while (buckets < keys * 2) buckets <<= 1;
  return buckets;
}

/** Blocks in the pool: two per key slot, and at least one rule's worth. */
function blocksFor(keys: u32, maxBlocks: u32): u32 {
  return max(keys * 2, maxBlocks);
}

/** Entries of a stage buffer for a stage of `runs` positions: a run keeps its last N − 1 events besides the ring. */
export function bufferEntries(runs: u32, ring: u32): u32 {
  return runs <= 1 ? ring : ((runs - 1 + ring + ring - 1) / ring) * ring;
}

/**
 * Bytes the pool, blocks and index need for these options (checked against max_state_bytes). maxBlocks: the most
 * blocks any loaded rule's key needs; runs: whether a loaded rule has a stage with runs (larger entries).
 */
export function fixedStateBytes(keys: u32, ring: u32, maxBlocks: u32, runs: bool): f64 {
  const entry = <f64>(runs ? ENTRY_RUN : ENTRY_BASE);
  return <f64>bucketsFor(keys) * 4 + <f64>keys * (<f64>KEY_HDR + 4 * <f64>maxBlocks) + <f64>blocksFor(keys, maxBlocks) * <f64>ring * entry;
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

export function initState(keys: u32, ring: u32, maxBlocks: u32, runs: bool, skew: i64): void {
  maxKeys = keys;
  ringCap = ring;
  skewNs = skew;
  entryBytes = runs ? ENTRY_RUN : ENTRY_BASE;
  keyBytes = KEY_HDR + 4 * <usize>maxBlocks;
  blockBytes = <usize>ring * entryBytes;
  blockCount = blocksFor(keys, maxBlocks);
  const buckets = bucketsFor(keys);
  indexMask = buckets - 1;
  indexBytes = <usize>buckets * 4;
  index = heap.alloc(indexBytes);
  memory.fill(index, 0, indexBytes);
  pool = heap.alloc(<usize>keys * keyBytes);
  blocks = heap.alloc(<usize>blockCount * blockBytes);
  lruHead = lruTail = freeTop = blockFree = NIL;
  nextUnused = blockNext = blocksUsed = keysActive = 0;
}

@inline export function slotPtr(k: u32): usize {
  return pool + <usize>k * keyBytes;
}

@inline export function keyRule(k: u32): i32 {
  return <i32>load<u32>(slotPtr(k), 24);
}
/** Blocks the key holds. */
@inline function keyBlocks(k: u32): i32 {
  return <i32>load<u32>(slotPtr(k), 28);
}
@inline export function keyNewest(k: u32): i64 {
  return load<i64>(slotPtr(k), 32);
}
@inline export function keyDisorder(k: u32): i64 {
  return load<i64>(slotPtr(k), 40);
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

/** A candidate of key k at time t: the newest time moves; an out-of-order one extends the disorder horizon. */
export function keySeen(k: u32, t: i64, horizon: i64): void {
  const s = slotPtr(k);
  if (t > load<i64>(s, 32)) store<i64>(s, t, 32);
  if (horizon > load<i64>(s, 40)) store<i64>(s, horizon, 40);
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

// ── keys ─────────────────────────────────────────────────────────────────────────────────────────────
function lruUnlink(k: u32): void {
  const s = slotPtr(k);
  const prev = load<u32>(s, 16);
  const next = load<u32>(s, 20);
  if (prev != NIL) store<u32>(slotPtr(prev), next, 20);
  else lruHead = next;
  if (next != NIL) store<u32>(slotPtr(next), prev, 16);
  else lruTail = prev;
}

function lruPushFront(k: u32): void {
  const s = slotPtr(k);
  store<u32>(s, NIL, 16);
  store<u32>(s, lruHead, 20);
  if (lruHead != NIL) store<u32>(slotPtr(lruHead), k, 16);
  lruHead = k;
  if (lruTail == NIL) lruTail = k;
}

/** The slot of key (h1, h2), or NIL. */
export function findKey(h1: u64, h2: u64): u32 {
  let b = <u32>h1 & indexMask;
  while (true) {
    const v = load<u32>(index + <usize>b * 4);
    if (v == 0) return NIL;
    const k = v - 1;
    const s = slotPtr(k);
    if (load<u64>(s) == h1 && load<u64>(s, 8) == h2) return k;
    b = (b + 1) & indexMask;
  }
}

/** Marks k most recently used. */
export function touch(k: u32): void {
  if (lruHead == k) return;
  lruUnlink(k);
  lruPushFront(k);
}

/** Removes k from the index (backward-shift deletion keeps probe chains whole) and frees it and its buffers. */
export function freeKey(k: u32): void {
  const s = slotPtr(k);
  let b = <u32>load<u64>(s) & indexMask;
  while (load<u32>(index + <usize>b * 4) != k + 1) b = (b + 1) & indexMask;
  let hole = b;
  let j = (b + 1) & indexMask;
  while (true) {
    const v = load<u32>(index + <usize>j * 4);
    if (v == 0) break;
    const home = <u32>load<u64>(slotPtr(v - 1)) & indexMask;
    // move v into the hole if its home is not in (hole, j]
    const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!inRange) {
      store<u32>(index + <usize>hole * 4, v);
      hole = j;
    }
    j = (j + 1) & indexMask;
  }
  store<u32>(index + <usize>hole * 4, 0);
  lruUnlink(k);
  const n = keyBlocks(k);
  for (let i = 0; i < n; i++) {
    const blk = load<u32>(s + KEY_HDR + (<usize>i << 2));
    store<u32>(blocks + <usize>blk * blockBytes, blockFree);
    blockFree = blk;
  }
  blocksUsed -= <u32>n;
  store<u32>(s, 0, 28);
  store<u32>(s, freeTop, 20);
  freeTop = k;
  keysActive--;
  setCounter(C_KEYS_ACTIVE, keysActive);
}

/** Frees the least recently used key: silently when it is dead, else counted as an eviction. */
function evictOne(): void {
  const k = lruTail;
  if (!keyDead(k)) bump(C_KEYS_EVICTED);
  freeKey(k);
}

function takeBlock(): u32 {
  blocksUsed++;
  if (blockFree != NIL) {
    const b = blockFree;
    blockFree = load<u32>(blocks + <usize>b * blockBytes);
    return b;
  }
  return blockNext++;
}

/** The slot of key (h1, h2) for rule r, created when absent (making room from the LRU end). */
export function getOrCreateKey(h1: u64, h2: u64, r: i32): u32 {
  const found = findKey(h1, h2);
  if (found != NIL) {
    touch(found);
    return found;
  }
  const n = <i32>load<u32>(ruleBlocks + (<usize>r << 2));
  while ((freeTop == NIL && nextUnused >= maxKeys) || blockCount - blocksUsed < <u32>n) evictOne();
  let k: u32;
  if (freeTop != NIL) {
    k = freeTop;
    freeTop = load<u32>(slotPtr(k), 20);
  } else k = nextUnused++;
  const s = slotPtr(k);
  store<u64>(s, h1);
  store<u64>(s, h2, 8);
  store<u32>(s, <u32>r, 24);
  store<u32>(s, <u32>n, 28);
  store<i64>(s, i64.MIN_VALUE, 32);
  store<i64>(s, i64.MIN_VALUE, 40);
  for (let i = 0; i < n; i++) {
    const blk = takeBlock();
    store<u32>(s + KEY_HDR + (<usize>i << 2), blk);
    const base = blocks + <usize>blk * blockBytes;
    for (let j: u32 = 0; j < ringCap; j++) store<u8>(base + <usize>j * entryBytes, 0, 36);
  }
  let b = <u32>h1 & indexMask;
  while (load<u32>(index + <usize>b * 4) != 0) b = (b + 1) & indexMask;
  store<u32>(index + <usize>b * 4, k + 1);
  lruPushFront(k);
  keysActive++;
  setCounter(C_KEYS_ACTIVE, keysActive);
  return k;
}

/**
 * Reclaims dead keys from the least recently used end, a bounded number per call, but only once more than half
 * the pool is in use: state the watermark passed stays until room is needed, so a source that shows up late
 * (a shipper's backlog read one file after another) still finds its partners.
 */
export function sweepKeys(budget: i32): void {
  if (keysActive * 2 <= maxKeys && blocksUsed * 2 <= blockCount) return;
  let k = lruTail;
  for (let i = 0; i < budget && k != NIL; i++) {
    const prev = load<u32>(slotPtr(k), 16);
    if (keyDead(k)) freeKey(k);
    k = prev;
  }
}

/** Bytes of key state in use (slots, their buffers and the index). */
export function keyStateBytes(): u64 {
  return <u64>indexBytes + <u64>keysActive * <u64>keyBytes + <u64>blocksUsed * <u64>blockBytes;
}
