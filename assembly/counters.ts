// Counters (SPEC §7): one u64 each, in a fixed block of linear memory that the host reads by index.
// The order here is the ABI: host/counters.ts lists the same names in the same order (a test checks it).

export const C_RECORDS_IN: i32 = 0;
export const C_RECORDS_OUT: i32 = 1;
export const C_INVALID: i32 = 2;
export const C_OVERSIZE: i32 = 3;
export const C_CANDIDATES_STAGE1: i32 = 4;
export const C_CANDIDATES_STAGE2: i32 = 5;
export const C_NO_KEY: i32 = 6;
export const C_NO_TIME: i32 = 7;
export const C_LATE: i32 = 8;
export const C_MATCHES: i32 = 9;
export const C_ALERTS: i32 = 10;
export const C_TAG_CONFLICT: i32 = 11;
export const C_HELD: i32 = 12;
export const C_KEYS_ACTIVE: i32 = 13;
export const C_KEYS_EVICTED: i32 = 14;
export const C_RING_OVERWRITES: i32 = 15;
export const C_STATE_BYTES: i32 = 16;
export const C_KEYS_OVERFLOW: i32 = 17; // key combinations of a record past max_keys_per_record
export const C_SUMMARIES_LOST: i32 = 18; // partner summary overwritten in the arena before it was needed
export const C_HELD_EARLY: i32 = 19; // held records released before hold_ms because the hold arena was full
export const C_SOURCES_ACTIVE: i32 = 20; // sources holding the watermark (sent a candidate within source_idle_ms)
export const C_SOURCES_DROPPED: i32 = 21; // sources forgotten at max_sources
export const C_EMBEDDED_INVALID: i32 = 22; // a log line's embedded record that is no valid JSON object (e.g. truncated)
export const C_ARGS_TRUNCATED: i32 = 23; // sensor records whose arguments the sensor marked as truncated
export const C_PREFILTER_SKIPPED: i32 = 24; // records the literal prefilter proved no candidate (passed unvalidated)
export const C_PREFILTER_ESCAPED: i32 = 25; // records whose escapes (\u…) could spell a required literal
export const C_PROGRAM_BYTES: i32 = 26; // bytes of the tables the loaded rule program needs (rules, strings, dispatch…)
export const COUNTER_COUNT: i32 = 27;

export const counters: usize = heap.alloc(<usize>COUNTER_COUNT << 3);
memory.fill(counters, 0, <usize>COUNTER_COUNT << 3);

@inline export function bump(c: i32): void {
  const p = counters + (<usize>c << 3);
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function addTo(c: i32, n: u64): void {
  const p = counters + (<usize>c << 3);
  store<u64>(p, load<u64>(p) + n);
}

@inline export function setCounter(c: i32, v: u64): void {
  store<u64>(counters + (<usize>c << 3), v);
}
