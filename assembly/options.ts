// Engine options: the host validates them (host/options.ts) and writes them as f64 slots before init().
// The engine never reads a clock: "now" arrives with each call.

export const O_MAX_KEYS: i32 = 0;
export const O_RING_CAPACITY: i32 = 1;
export const O_MAX_STATE_BYTES: i32 = 2;
export const O_LATENESS_MS: i32 = 3;
export const O_MAX_FUTURE_MS: i32 = 4;
export const O_SKEW_MS: i32 = 5;
export const O_HOLD_MS: i32 = 6;
export const O_KEY_MODE: i32 = 7; // 0 = pod, 1 = namespace-pod
export const O_ALERTS: i32 = 8; // 1 = write alert records after the completing record
export const O_MAX_RECORD_BYTES: i32 = 9;
export const O_MAX_SUMMARY_BYTES: i32 = 10;
export const O_SOURCE_IDLE_MS: i32 = 11;
export const O_MAX_SOURCES: i32 = 12;
export const O_MAX_KEYS_PER_RECORD: i32 = 13;
export const O_VALIDATE: i32 = 14; // 0 = candidates (the prefilter passes other records unvalidated), 1 = all
// the last slot, so that slots added beside it do not collide: 0 (the default, also when a host writes nothing)
// masks credentials in every value podprobe copies into a tag or an alert; 1 = `redact: false`
export const O_REDACT_OFF: i32 = 15;
export const OPTION_COUNT: i32 = 16;

export const optionSlots: usize = heap.alloc(<usize>OPTION_COUNT << 3);
memory.fill(optionSlots, 0, <usize>OPTION_COUNT << 3);

@inline export function opt(i: i32): f64 {
  return load<f64>(optionSlots + (<usize>i << 3));
}
