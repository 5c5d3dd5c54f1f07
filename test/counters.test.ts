// SPEC §7: the counters, with the same names in the library, the CLI and (later) Prometheus text; the engine's
// counter block and the host's list agree.
import { expect, test } from "vitest";
import { COUNTER_NAMES } from "../host/index.js";
import { run, s1, s2raw } from "./helpers.js";

test("every SPEC counter is reported", () => {
  const spec = ["records_in", "records_out", "invalid", "oversize", "candidates_stage1", "candidates_stage2", "no_key", "no_time", "late", "matches", "alerts", "tag_conflict", "held", "keys_active", "keys_evicted", "ring_overwrites", "state_bytes"];
  const s = run([]).stats;
  for (const n of spec) {
    expect(COUNTER_NAMES).toContain(n);
    expect(typeof s[n as keyof typeof s]).toBe("number");
  }
});

test.each(["all", "candidates"] as const)("counters account for every record (validate %s)", (validate) => {
  const r = run([{ a: 1 }, "nope", s1(0), s2raw(100), s2raw(200, { pod: null }), s1(300, { pod: "waiting" }), { b: 2 }], { validate });
  expect(r.stats).toMatchObject({ records_in: 7, records_out: 7, candidates_stage1: 2, candidates_stage2: 1, no_key: 1, matches: 1, alerts: 1 });
  // "nope" is invalid; with validate "candidates" it holds no rule literal, so it passes uninspected, uncounted
  if (validate === "all") expect(r.stats).toMatchObject({ invalid: 1, prefilter_skipped: 0 });
  else expect(r.stats).toMatchObject({ invalid: 0, prefilter_skipped: 3 });
  // pod-a's state was consumed by its pair and freed; "waiting" still holds a candidate
  expect(r.stats.keys_active).toBe(1);
  expect(r.stats.state_bytes).toBeGreaterThan(0);
  expect(r.stats.state_bytes).toBeLessThanOrEqual(r.stats.max_state_bytes);
});
