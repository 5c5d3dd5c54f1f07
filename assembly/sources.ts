// Per-source watermarks (Flink's model): each source keeps the newest event time of its candidates; the
// watermark that decides lateness is the minimum over active sources of (newest − lateness). A source that sent
// no candidate for `source_idle_ms` of host clock stops holding it back, and counts again when it sends.
// Only candidates reach this file: the source of any other record is never looked at.
//
// A source is identified by a 64-bit hash of its name bytes (the Fluent Bit tag, the serve connection, the
// library's write(chunk, {source}), or the record's `source_field` value), hashed only when a candidate needs it.
//
// source row (ROW bytes):  +0 hash u64 | +8 newest i64 (MIN: none yet) | +16 last seen f64 (host ms) |
//                          +24 prev u32 | +28 next u32 (in the active or idle list) | +32 heap pos u32 (NIL: not
//                          in the heap) | +36 state u32 (0 free, 1 active, 2 idle)
// Active sources form a list in order of last candidate (head = most recent): idle expiry looks at the tail
// only. Idle sources form a second list (head = most recently idled): at the cap the idle tail is dropped, else
// the active tail. Active sources with a time sit in a min-heap by newest: the watermark is the heap's top.
// Per candidate: one hash lookup and one heap sift (O(log sources)); idle expiry O(1) per source that idles.

import { bump, setCounter, C_SOURCES_ACTIVE, C_SOURCES_DROPPED } from "./counters";
import { hashBytes } from "./hash";

// @ts-ignore: decorator
@inline const ROW: usize = 40;
// @ts-ignore: decorator
@inline const NIL: u32 = 0xFFFFFFFF;
// @ts-ignore: decorator
@inline const SEED_SOURCE: u64 = 0x736F757263652121;
// @ts-ignore: decorator
@inline const FREE: u32 = 0;
// @ts-ignore: decorator
@inline const ACTIVE: u32 = 1;
// @ts-ignore: decorator
@inline const IDLE: u32 = 2;

export let latenessNs: i64 = 5_000_000_000;
export let maxFutureNs: i64 = 60_000_000_000;
let idleMs: f64 = 30_000;
let cap: u32 = 0;
let rows: usize = 0;
let index: usize = 0; // u32 per bucket: row + 1, 0 = empty
let mask: u32 = 0;
let minHeap: usize = 0; // u32 row ids
let heapLen: u32 = 0;
let used: u32 = 0; // rows handed out so far
let freeTop: u32 = NIL;
let activeHead: u32 = NIL;
let activeTail: u32 = NIL;
let idleHead: u32 = NIL;
let idleTail: u32 = NIL;
export let sourcesActive: u32 = 0;
let sourcesKnown: u32 = 0;

/** Bytes of the source table for this many sources (counted in max_state_bytes). */
export function sourceTableBytes(n: u32): f64 {
  let buckets: f64 = 1;
  while (buckets < <f64>n * 2) buckets *= 2;
  return <f64>n * (<f64>ROW + 4) + buckets * 4;
}

/** Bytes of the source table as configured. */
export let sourceBytes: f64 = 0;

export function initSources(n: u32, idle: f64, lateness: i64, maxFuture: i64): void {
  cap = n;
  sourceBytes = sourceTableBytes(n);
  idleMs = idle;
  latenessNs = lateness;
  maxFutureNs = maxFuture;
  let buckets: u32 = 1;
  while (buckets < n * 2) buckets <<= 1;
  mask = buckets - 1;
  index = heap.alloc(<usize>buckets * 4);
  memory.fill(index, 0, <usize>buckets * 4);
  rows = heap.alloc(<usize>n * ROW);
  minHeap = heap.alloc(<usize>n * 4);
}

@inline function row(s: u32): usize {
  return rows + <usize>s * ROW;
}
@inline function newestOf(s: u32): i64 {
  return load<i64>(row(s), 8);
}

// ── the current record's source ──────────────────────────────────────────────────────────────────────
// The transport source (tag, connection, write option) is set per call; a record's `source_field` value, when
// the program names one and the record has it, overrides it. resolve() runs once per candidate record.
let transportPtr: usize = 0;
let transportLen: usize = 0;
let transportHash: u64 = 0;
let transportHashed = false;
let recordSource: u32 = NIL; // the row of the current record's source, once resolved

/** The transport source of the following records (bytes stay valid until the next call). */
export function setTransport(p: usize, n: usize): void {
  transportPtr = p;
  transportLen = n;
  transportHashed = false;
}

/** A new record: its source is not resolved yet. */
@inline export function sourceBeginRecord(): void {
  recordSource = NIL;
}

// ── lists ────────────────────────────────────────────────────────────────────────────────────────────
function unlink(s: u32): void {
  const r = row(s);
  const prev = load<u32>(r, 24);
  const next = load<u32>(r, 28);
  const active = load<u32>(r, 36) == ACTIVE;
  if (prev != NIL) store<u32>(row(prev), next, 28);
  else if (active) activeHead = next;
  else idleHead = next;
  if (next != NIL) store<u32>(row(next), prev, 24);
  else if (active) activeTail = prev;
  else idleTail = prev;
}

function pushFront(s: u32, state: u32): void {
  const r = row(s);
  store<u32>(r, state, 36);
  store<u32>(r, NIL, 24);
  const head = state == ACTIVE ? activeHead : idleHead;
  store<u32>(r, head, 28);
  if (head != NIL) store<u32>(row(head), s, 24);
  if (state == ACTIVE) {
    activeHead = s;
    if (activeTail == NIL) activeTail = s;
  } else {
    idleHead = s;
    if (idleTail == NIL) idleTail = s;
  }
}

// ── min-heap of active sources by newest ─────────────────────────────────────────────────────────────
@inline function heapAt(i: u32): u32 {
  return load<u32>(minHeap + <usize>i * 4);
}
@inline function heapPut(i: u32, s: u32): void {
  store<u32>(minHeap + <usize>i * 4, s);
  store<u32>(row(s), i, 32);
}

function siftUp(i: u32): void {
  const s = heapAt(i);
  const t = newestOf(s);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const ps = heapAt(parent);
    if (newestOf(ps) <= t) break;
    heapPut(i, ps);
    i = parent;
  }
  heapPut(i, s);
}

function siftDown(i: u32): void {
  const s = heapAt(i);
  const t = newestOf(s);
  while (true) {
    const l: u32 = 2 * i + 1;
    if (l >= heapLen) break;
    let c = l;
    if (l + 1 < heapLen && newestOf(heapAt(l + 1)) < newestOf(heapAt(l))) c = l + 1;
    const cs = heapAt(c);
    if (newestOf(cs) >= t) break;
    heapPut(i, cs);
    i = c;
  }
  heapPut(i, s);
}

function heapInsert(s: u32): void {
  heapPut(heapLen, s);
  heapLen++;
  siftUp(heapLen - 1);
}

function heapRemove(s: u32): void {
  const i = load<u32>(row(s), 32);
  if (i == NIL) return;
  store<u32>(row(s), NIL, 32);
  heapLen--;
  if (i == heapLen) return;
  heapPut(i, heapAt(heapLen));
  siftUp(i);
  siftDown(load<u32>(row(heapAt(i)), 32));
}

// ── table ────────────────────────────────────────────────────────────────────────────────────────────
function find(h: u64): u32 {
  let b = <u32>h & mask;
  while (true) {
    const v = load<u32>(index + <usize>b * 4);
    if (v == 0) return NIL;
    if (load<u64>(row(v - 1)) == h) return v - 1;
    b = (b + 1) & mask;
  }
}

/** Removes row s from the index (backward-shift deletion), the heap and its list. */
function drop(s: u32): void {
  let b = <u32>load<u64>(row(s)) & mask;
  while (load<u32>(index + <usize>b * 4) != s + 1) b = (b + 1) & mask;
  let hole = b;
  let j = (b + 1) & mask;
  while (true) {
    const v = load<u32>(index + <usize>j * 4);
    if (v == 0) break;
    const home = <u32>load<u64>(row(v - 1)) & mask;
    const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!inRange) {
      store<u32>(index + <usize>hole * 4, v);
      hole = j;
    }
    j = (j + 1) & mask;
  }
  store<u32>(index + <usize>hole * 4, 0);
  heapRemove(s);
  if (load<u32>(row(s), 36) == ACTIVE) sourcesActive--;
  unlink(s);
  store<u32>(row(s), FREE, 36);
  store<u32>(row(s), freeTop, 28);
  freeTop = s;
  sourcesKnown--;
}

function create(h: u64): u32 {
  if (sourcesKnown >= cap) {
    // the oldest idle source goes first; with none idle, the source that sent least recently
    drop(idleTail != NIL ? idleTail : activeTail);
    bump(C_SOURCES_DROPPED);
  }
  let s: u32;
  if (freeTop != NIL) {
    s = freeTop;
    freeTop = load<u32>(row(s), 28);
  } else s = used++;
  const r = row(s);
  store<u64>(r, h);
  store<i64>(r, i64.MIN_VALUE, 8);
  store<u32>(r, NIL, 32);
  let b = <u32>h & mask;
  while (load<u32>(index + <usize>b * 4) != 0) b = (b + 1) & mask;
  store<u32>(index + <usize>b * 4, s + 1);
  pushFront(s, ACTIVE);
  sourcesActive++;
  sourcesKnown++;
  return s;
}

/**
 * Resolves the current candidate's source: the record's own field value when given (p, n ≥ 0), else the
 * transport source. Called once per candidate record (later calls return the cached row).
 */
export function resolveSource(p: usize, n: isize): u32 {
  if (recordSource != NIL) return recordSource;
  let h: u64;
  if (n >= 0) h = hashBytes(SEED_SOURCE, p, <usize>n);
  else {
    if (!transportHashed) {
      transportHash = hashBytes(SEED_SOURCE, transportPtr, transportLen);
      transportHashed = true;
    }
    h = transportHash;
  }
  let s = find(h);
  if (s == NIL) s = create(h);
  recordSource = s;
  return s;
}

@inline function satSub(a: i64, b: i64): i64 {
  return a < i64.MIN_VALUE + b ? i64.MIN_VALUE : a - b;
}

/**
 * A candidate of the current record's source at event time t, host clock nowMs: the source is active again, and
 * its newest time moves to t unless t lies beyond nowMs + max_future_ms.
 */
export function observe(t: i64, nowMs: f64): void {
  const s = recordSource;
  const r = row(s);
  store<f64>(r, nowMs, 16);
  if (load<u32>(r, 36) == IDLE) {
    unlink(s);
    pushFront(s, ACTIVE);
    sourcesActive++;
    if (newestOf(s) != i64.MIN_VALUE) heapInsert(s);
  } else if (activeHead != s) {
    unlink(s);
    pushFront(s, ACTIVE);
  }
  const limit = <i64>(nowMs * 1e6) + maxFutureNs;
  if (t <= limit && t > newestOf(s)) {
    const had = newestOf(s) != i64.MIN_VALUE;
    store<i64>(r, t, 8);
    if (had) siftDown(load<u32>(r, 32));
    else heapInsert(s);
  }
  setCounter(C_SOURCES_ACTIVE, <u64>sourcesActive);
}

/** Moves sources silent for source_idle_ms of host clock to the idle list; they stop holding the watermark. */
export function expireIdle(nowMs: f64): void {
  while (activeTail != NIL && nowMs - load<f64>(row(activeTail), 16) >= idleMs) {
    const s = activeTail;
    unlink(s);
    heapRemove(s);
    pushFront(s, IDLE);
    sourcesActive--;
  }
  setCounter(C_SOURCES_ACTIVE, <u64>sourcesActive);
}

/** The watermark: the minimum over active sources of (newest − lateness); i64.MIN_VALUE before any time. */
export function watermark(): i64 {
  if (heapLen == 0) return i64.MIN_VALUE;
  return satSub(newestOf(heapAt(0)), latenessNs);
}
