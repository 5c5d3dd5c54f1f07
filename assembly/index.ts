// Exports of the Node build (batch ABI). The host writes options and the rule program, then per batch
// copies NDJSON into the input region, calls process(), and reads the output region.

import { optionSlots, OPTION_COUNT } from "./options";
import { counters, COUNTER_COUNT, addTo, C_RECORDS_IN, C_RECORDS_OUT, C_OVERSIZE } from "./counters";
import { init as engineInit, processBatch, flushHeld, requiredStateBytes, refreshCounters, outputAt } from "./engine";
import { out } from "./sequence";
import { Buf } from "./buf";
import { setTransport } from "./sources";
import { setDispatch } from "./dispatch";
import { SLACK } from "./needle-tables";

const input = new Buf(1 << 20);
const source = new Buf(64);

export function alloc(n: usize): usize {
  return heap.alloc(n);
}

export function options_ptr(): usize {
  return optionSlots;
}

export function options_count(): i32 {
  return OPTION_COUNT;
}

export function counters_ptr(): usize {
  return counters;
}

export function counters_count(): i32 {
  return COUNTER_COUNT;
}

export function required_state_bytes(keys: f64, ring: f64, maxSummary: f64, holdMs: f64, maxBlocks: f64, sources: f64, runs: bool): f64 {
  return requiredStateBytes(keys, ring, maxSummary, holdMs, maxBlocks, sources, runs);
}

/** Dispatch on, or every stage evaluated for every record (tests and A/B measurements compare the two). */
export function set_dispatch(on: bool): void {
  setDispatch(on);
}

export function init(program: usize, programLen: usize): i32 {
  return engineInit(program, programLen);
}

/** The input region, grown to hold at least n bytes (and SLACK bytes more for wide loads). */
export function input_ptr(n: usize): usize {
  input.reset();
  input.reserve(n + SLACK);
  return input.base;
}

/** The source of the following batches (the host writes its n name bytes here; 0: the default source). */
export function source_ptr(n: usize): usize {
  source.reset();
  source.reserve(n + 1);
  setTransport(source.base, n);
  return source.base;
}

export function output_ptr(): usize {
  return outputAt;
}

export function process(n: usize, nowMs: f64): usize {
  return processBatch(input.base, n, nowMs, false);
}

export function keys(n: usize, nowMs: f64): usize {
  return processBatch(input.base, n, nowMs, true);
}

export function flush(nowMs: f64): usize {
  return flushHeld(nowMs);
}

/** Counts records the host passed through itself (lines over max_record_bytes, never copied in). */
export function count_oversize(n: u32): void {
  addTo(C_RECORDS_IN, n);
  addTo(C_RECORDS_OUT, n);
  addTo(C_OVERSIZE, n);
  refreshCounters();
}

export function refresh(): void {
  refreshCounters();
}
