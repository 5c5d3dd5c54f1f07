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
// The stage buffers in the blocks, and their entries: buffers.ts.

import { bump, setCounter, C_KEYS_EVICTED, C_KEYS_ACTIVE } from "./counters";
import { setEntryBytes, entrySize, entryBytes, ruleBlockCount, keyDead } from "./buffers";

// @ts-ignore: decorator
@inline export const KEY_HDR: usize = 48;
export const NIL: u32 = 0xFFFFFFFF;

export let maxKeys: u32 = 0;
export let ringCap: u32 = 0;
export let keyBytes: usize = 0; // bytes per key slot
export let blockBytes: usize = 0; // bytes per block
export let skewNs: i64 = 0;
let pool: usize = 0;
/** The pool of blocks (buffers.ts finds entries in it). */
export let blocks: usize = 0;
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

function bucketsFor(keys: u32): u32 {
  let buckets: u32 = 1;
  while (buckets < keys * 2) buckets <<= 1;
  return buckets;
}

/** Blocks in the pool: two per key slot, and at least one rule's worth. */
function blocksFor(keys: u32, maxBlocks: u32): u32 {
  return max(keys * 2, maxBlocks);
}

/**
 * Bytes the pool, blocks and index need for these options (checked against max_state_bytes). maxBlocks: the most
 * blocks any loaded rule's key needs; runs: whether a loaded rule has a stage with runs (larger entries).
 */
export function fixedStateBytes(keys: u32, ring: u32, maxBlocks: u32, runs: bool): f64 {
  const entry = <f64>entrySize(runs);
  return <f64>bucketsFor(keys) * 4 + <f64>keys * (<f64>KEY_HDR + 4 * <f64>maxBlocks) + <f64>blocksFor(keys, maxBlocks) * <f64>ring * entry;
}

export function initState(keys: u32, ring: u32, maxBlocks: u32, runs: bool, skew: i64): void {
  maxKeys = keys;
  ringCap = ring;
  skewNs = skew;
  setEntryBytes(runs);
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

/** A candidate of key k at time t: the newest time moves; an out-of-order one extends the disorder horizon. */
export function keySeen(k: u32, t: i64, horizon: i64): void {
  const s = slotPtr(k);
  if (t > load<i64>(s, 32)) store<i64>(s, t, 32);
  if (horizon > load<i64>(s, 40)) store<i64>(s, horizon, 40);
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
  const n = ruleBlockCount(r);
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
