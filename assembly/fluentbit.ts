// Exports of the Fluent Bit build (filter_wasm, Event_Format json). Fluent Bit copies the tag and the record
// into memory from our `malloc`, NUL-terminated, calls `podprobe_filter` once per record, copies the
// NUL-terminated result and only then frees both copies with our `free`. So a record that leaves unchanged is
// answered with its own pointer (no copy); a tagged one lives in the engine's output buffer until the next
// call. No imports; no SIMD (this build is compiled without it).
// The generated entry (build/fluent-bit/entry.ts) embeds the rule program and options and calls setup().

import { optionSlots } from "./options";
import { init, processOne, foldSkipped, E_OK } from "./engine";
import { counters } from "./counters";

let ready = false;

/** Writes the options (f64 slots, assembly/options.ts order) and loads the embedded program. */
export function setup(program: usize, programLen: usize, options: usize, optionCount: i32): void {
  memory.copy(optionSlots, options, <usize>optionCount << 3);
  ready = init(program, programLen) == E_OK;
}

// Fluent Bit allocates the tag and the record, calls the filter, copies its answer and frees both, every record,
// and nothing else in between: a bump arena serves that in a few instructions (the general allocator costs
// hundreds). The filter starts the arena over as it returns: the blocks handed out since are the call's tag and
// record, which Fluent Bit only reads (the answer may be the record itself) and frees before it allocates again,
// so freeing an arena block is nothing. A block that does not fit comes from the heap (and goes back to it).
// Every block has 32 bytes of slack after it: the scanner loads whole words.
// @ts-ignore: decorator
@inline const ARENA_BYTES: usize = 1 << 16;
// @ts-ignore: decorator
@inline const SLACK: usize = 32; // needle-tables.ts SLACK
const arena: usize = heap.alloc(ARENA_BYTES);
const arenaEnd: usize = arena + ARENA_BYTES;
let arenaTop: usize = arena;

export function malloc(size: usize): usize {
  const p = arenaTop;
  const next = (p + size + SLACK + 7) & ~7;
  if (next <= arenaEnd && size < ARENA_BYTES) {
    arenaTop = next;
    return p;
  }
  return heap.alloc(size + SLACK);
}

export function free(ptr: usize): void {
  if (ptr - arena < ARENA_BYTES) return;
  heap.free(ptr); // (a null pointer is below the heap: nothing)
}

/** (tag, tag_len, time_sec, time_nsec, record, record_len) -> NUL-terminated JSON record. */
export function podprobe_filter(tag: usize, tagLen: u32, timeSec: u32, timeNsec: u32, record: usize, recordLen: u32): usize {
  // the record's time from Fluent Bit is the shipper's clock: it bounds the watermark (max_future_ms); the tag
  // names the record's source (per-source watermarks)
  const answer = processOne(record, <usize>recordLen, timeSec, timeNsec, tag, <usize>tagLen);
  arenaTop = arena;
  return answer;
}

/** For tests and diagnostics: the counter block (assembly/counters.ts order), up to date. */
export function podprobe_counters(): usize {
  foldSkipped();
  return counters;
}

export function podprobe_ready(): bool {
  return ready;
}
