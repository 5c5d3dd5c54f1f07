// Counter names in the engine's order (assembly/counters.ts is the ABI; a test checks both agree).
export const COUNTER_NAMES = [
  "records_in",
  "records_out",
  "invalid",
  "oversize",
  "candidates_stage1",
  "candidates_stage2",
  "no_key",
  "no_time",
  "late",
  "matches",
  "alerts",
  "tag_conflict",
  "held",
  "keys_active",
  "keys_evicted",
  "ring_overwrites",
  "state_bytes",
  "keys_overflow",
  "summaries_lost",
  "held_early",
  "sources_active",
  "sources_dropped",
  "embedded_invalid",
  "args_truncated",
  "prefilter_skipped",
  "prefilter_escaped",
  "program_bytes",
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];
export type Stats = Record<CounterName, number> & { max_state_bytes: number };
