// Bounded per-key state. Keys live in a fixed pool of `max_keys` slots found through an open-addressing
// index; each slot holds, per stage, `ring_capacity` candidate entries. The least recently used key is
// evicted when the pool is full (keys_evicted), the oldest entry of a full buffer is overwritten
// (ring_overwrites). A key is identified by two independent 64-bit hashes of (rule, key bytes): the key
// bytes themselves are not stored — the record that completes a sequence carries them.
//
// key slot (KEY_HDR bytes, then 2 × ring_capacity entries):
//   +0 h1 u64 | +8 h2 u64 | +16 prev u32 | +20 next u32 | +24 rule u32 | +28 used u32 | +32 (unused)
// entry (ENTRY bytes):
//   +0 time ns i64 | +8 arrival seq u64 (0 = empty) | +16 record hash u64 | +24 summary pos u64 | +32 hold ref u32
// A key of a 3-4 stage rule uses entry i (of the 2 × ring_capacity) for its partial sequence through stage i:
//   +0 time of its last event | +8 that event's arrival | +16 hash of its records so far | +24 its last summary |
//   +32 time of its first event i64

import { bump, setCounter, C_KEYS_EVICTED, C_KEYS_ACTIVE, C_RING_OVERWRITES } from "./counters";

// @ts-ignore: decorator
@inline export const KEY_HDR: usize = 40;
// @ts-ignore: decorator
@inline export const ENTRY: usize = 40;
export const NIL: u32 = 0xFFFFFFFF;

export let maxKeys: u32 = 0;
export let ringCap: u32 = 0;
export let keyBytes: usize = 0; // bytes per key slot
let pool: usize = 0;
let index: usize = 0; // u32 per bucket: slot + 1, 0 = empty
let indexMask: u32 = 0;
export let indexBytes: usize = 0;
let lruHead: u32 = NIL; // most recently used
let lruTail: u32 = NIL; // least recently used
let freeTop: u32 = NIL; // free slots chained through `next`
let nextUnused: u32 = 0; // slots never used yet
export let keysActive: u32 = 0;

/** Bytes the pool and index need for these options (the host checks them against max_state_bytes). */
export function fixedStateBytes(keys: u32, ring: u32): f64 {
  let buckets: f64 = 1;
  while (buckets < <f64>keys * 2) buckets *= 2;
  return buckets * 4 + <f64>keys * (<f64>KEY_HDR + 2 * <f64>ring * <f64>ENTRY);
}

export function initState(keys: u32, ring: u32): void {
  maxKeys = keys;
  ringCap = ring;
  keyBytes = KEY_HDR + 2 * <usize>ring * ENTRY;
  let buckets: u32 = 1;
  while (buckets < keys * 2) buckets <<= 1;
  indexMask = buckets - 1;
  indexBytes = <usize>buckets * 4;
  index = heap.alloc(indexBytes);
  memory.fill(index, 0, indexBytes);
  pool = heap.alloc(<usize>keys * keyBytes);
  lruHead = lruTail = freeTop = NIL;
  nextUnused = 0;
  keysActive = 0;
}

@inline export function slotPtr(k: u32): usize {
  return pool + <usize>k * keyBytes;
}

@inline export function entryPtr(k: u32, stage: i32, i: u32): usize {
  return pool + <usize>k * keyBytes + KEY_HDR + (<usize>stage * <usize>ringCap + <usize>i) * ENTRY;
}

@inline export function keyRule(k: u32): i32 {
  return <i32>load<u32>(slotPtr(k), 24);
}

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

/** Removes k from the index (backward-shift deletion keeps probe chains whole) and frees it. */
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
  store<u32>(s, 0, 28);
  store<u32>(s, freeTop, 20);
  freeTop = k;
  keysActive--;
  setCounter(C_KEYS_ACTIVE, keysActive);
}

/** The slot of key (h1, h2) for rule r, created (evicting the least recently used key when full). */
export function getOrCreateKey(h1: u64, h2: u64, r: i32): u32 {
  const found = findKey(h1, h2);
  if (found != NIL) {
    touch(found);
    return found;
  }
  let k: u32;
  if (freeTop != NIL) {
    k = freeTop;
    freeTop = load<u32>(slotPtr(k), 20);
  } else if (nextUnused < maxKeys) {
    k = nextUnused++;
  } else {
    k = lruTail;
    freeKey(k);
    bump(C_KEYS_EVICTED);
    freeTop = load<u32>(slotPtr(k), 20);
  }
  const s = slotPtr(k);
  store<u64>(s, h1);
  store<u64>(s, h2, 8);
  store<u32>(s, <u32>r, 24);
  store<u32>(s, 1, 28);
  for (let i: u32 = 0; i < 2 * ringCap; i++) store<u64>(entryPtr(k, 0, i), 0, 8);
  let b = <u32>h1 & indexMask;
  while (load<u32>(index + <usize>b * 4) != 0) b = (b + 1) & indexMask;
  store<u32>(index + <usize>b * 4, k + 1);
  lruPushFront(k);
  keysActive++;
  setCounter(C_KEYS_ACTIVE, keysActive);
  return k;
}

/** Adds an entry to stage's buffer of k, overwriting the oldest (time, seq) entry when the buffer is full. */
export function addEntry(k: u32, stage: i32, t: i64, seq: u64, recHash: u64, sumPos: u64, hold: u32): void {
  let target: u32 = NIL;
  let oldest: u32 = NIL;
  for (let i: u32 = 0; i < ringCap; i++) {
    const e = entryPtr(k, stage, i);
    if (load<u64>(e, 8) == 0) {
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
  store<u64>(e, seq, 8);
  store<u64>(e, recHash, 16);
  store<u64>(e, sumPos, 24);
  store<u32>(e, hold, 32);
}

/** (time, seq) of entry a orders before that of b. */
@inline export function earlier(a: usize, b: usize): bool {
  const ta = load<i64>(a);
  const tb = load<i64>(b);
  return ta < tb || (ta == tb && load<u64>(a, 8) < load<u64>(b, 8));
}

/** Drops entries that no future on-time candidate can pair with; true when k is left empty. */
export function expireKey(k: u32, limit1: i64, limit2: i64): bool {
  let live = false;
  for (let stage = 0; stage < 2; stage++) {
    const limit = stage == 0 ? limit1 : limit2;
    for (let i: u32 = 0; i < ringCap; i++) {
      const e = entryPtr(k, stage, i);
      if (load<u64>(e, 8) == 0) continue;
      if (load<i64>(e) < limit) store<u64>(e, 0, 8);
      else live = true;
    }
  }
  return !live;
}

/** Drops the partial sequences of a 3-4 stage rule's key that started before limit; true when none is left. */
export function expireChain(k: u32, limit: i64): bool {
  let live = false;
  for (let i: u32 = 0; i < 2 * ringCap; i++) {
    const e = entryPtr(k, 0, i);
    if (load<u64>(e, 8) == 0) continue;
    if (load<i64>(e, 32) < limit) store<u64>(e, 0, 8);
    else live = true;
  }
  return !live;
}

/** The least recently used key, or NIL; and walking toward the most recent. */
export function lruLast(): u32 {
  return lruTail;
}
export function lruPrev(k: u32): u32 {
  return load<u32>(slotPtr(k), 16);
}
