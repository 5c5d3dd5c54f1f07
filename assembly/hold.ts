// hold_ms (host modes): stage-1 candidates are held back so that, when their sequence completes in time, they
// leave tagged too. Held records sit in a byte arena (FIFO); slots form a queue in arrival order. A record
// leaves when it is tagged, when its deadline passes, at flush, or early when the arena or queue is full.
//
// slot (SLOT bytes): id u32 | state u32 (1 held) | pos u64 | len u32 | close u32 | flags u32 | pad | deadline f64

import { Buf } from "./buf";
import { bump, C_HELD, C_HELD_EARLY, C_RECORDS_OUT } from "./counters";

// @ts-ignore: decorator
@inline const SLOT: usize = 40;
// @ts-ignore: decorator
@inline const SLOTS: u32 = 4096;
export const HF_NEWLINE: u32 = 1;
export const HF_EMPTY: u32 = 2;

export let holdEnabled: bool = false;
let arena: usize = 0;
let arenaSize: u64 = 0;
let wc: u64 = 0;
let slots: usize = 0;
let head: u32 = 1; // oldest slot id still in the queue
let tail: u32 = 1; // next id to hand out (ids start at 1: 0 means "not held")
export let holdBytesUsed: u64 = 0;

export function initHold(bytes: usize): void {
  holdEnabled = bytes > 0;
  if (!holdEnabled) return;
  arenaSize = <u64>bytes;
  arena = heap.alloc(bytes);
  slots = heap.alloc(<usize>SLOTS * SLOT);
  memory.fill(slots, 0, <usize>SLOTS * SLOT);
}

@inline function slotOf(id: u32): usize {
  return slots + <usize>(id % SLOTS) * SLOT;
}

function emit(out: Buf, s: usize): void {
  const p = arena + <usize>(load<u64>(s, 8) % arenaSize);
  const len = <usize>load<u32>(s, 16);
  out.bytes(p, len);
  if ((load<u32>(s, 24) & HF_NEWLINE) != 0) out.byte(0x0A);
  store<u32>(s, 0, 4);
  holdBytesUsed -= <u64>len;
  bump(C_RECORDS_OUT);
}

function popReleased(): void {
  while (head != tail && load<u32>(slotOf(head), 4) == 0) head++;
}

/** Holds the record [p, p+len); returns its ref, or 0 when it cannot be held (then the caller writes it). */
export function hold(out: Buf, p: usize, len: usize, close: usize, flags: u32, deadline: f64): u32 {
  const total = (<u64>len + 3) & ~3;
  if (total > arenaSize) return 0;
  // make room: release the oldest held records early
  while (true) {
    popReleased();
    let start = wc;
    if ((start % arenaSize) + total > arenaSize) start += arenaSize - (start % arenaSize);
    const oldest = head != tail ? load<u64>(slotOf(head), 8) : start;
    if (tail - head < SLOTS && start + total - oldest <= arenaSize) {
      wc = start;
      break;
    }
    emit(out, slotOf(head));
    bump(C_HELD_EARLY);
  }
  const id = tail++;
  const s = slotOf(id);
  store<u32>(s, id);
  store<u32>(s, 1, 4);
  store<u64>(s, wc, 8);
  store<u32>(s, <u32>len, 16);
  store<u32>(s, <u32>close, 20);
  store<u32>(s, flags, 24);
  store<f64>(s, deadline, 32);
  memory.copy(arena + <usize>(wc % arenaSize), p, len);
  wc += total;
  holdBytesUsed += <u64>len;
  bump(C_HELD);
  return id;
}

/** Releases every held record whose deadline is ≤ now (all of them when flushAll), in arrival order. */
export function releaseDue(out: Buf, now: f64, flushAll: bool): void {
  if (!holdEnabled) return;
  while (head != tail) {
    const s = slotOf(head);
    if (load<u32>(s, 4) != 0) {
      if (!flushAll && load<f64>(s, 32) > now) return;
      emit(out, s);
    }
    head++;
  }
}

/** True when ref still names a held record; then heldPtr/heldLen/heldClose/heldFlags describe it. */
export let heldPtr: usize = 0;
export let heldLen: usize = 0;
export let heldClose: usize = 0;
export let heldFlags: u32 = 0;

export function takeHeld(ref: u32): bool {
  if (!holdEnabled || ref == 0 || ref < head || ref >= tail) return false;
  const s = slotOf(ref);
  if (load<u32>(s) != ref || load<u32>(s, 4) == 0) return false;
  heldPtr = arena + <usize>(load<u64>(s, 8) % arenaSize);
  heldLen = <usize>load<u32>(s, 16);
  heldClose = <usize>load<u32>(s, 20);
  heldFlags = load<u32>(s, 24);
  store<u32>(s, 0, 4);
  holdBytesUsed -= <u64>heldLen;
  bump(C_RECORDS_OUT);
  return true;
}
