// SPEC §4: candidates older than the watermark (newest event time − lateness_ms) are `late` and pass
// untagged; times beyond the host clock + max_future_ms never move the watermark.
import { expect, test } from "vitest";
import { line, run, s1, s2raw, T0 } from "./helpers.js";

test("a candidate more than lateness_ms behind the newest time is late and untagged", () => {
  const r = run([s1(10_000, { pod: "other" }), s1(4_000), s2raw(4_500)], { latenessMs: 5000 });
  expect(r.stats.late).toBe(2);
  expect(r.stats.matches).toBe(0);
  expect(r.records.map(line)).toHaveLength(3);
});

test("within lateness it still counts", () => {
  const r = run([s1(10_000, { pod: "other" }), s1(5_000), s2raw(5_500)], { latenessMs: 5000 });
  expect(r.stats.late).toBe(0);
  expect(r.stats.matches).toBe(1);
});

test("lateness_ms 0: anything behind the newest time is late", () => {
  const r = run([s2raw(500, { pod: "other" }), s1(0), s2raw(500)], { latenessMs: 0 });
  expect(r.stats.late).toBe(1);
});

test("a far-future time does not move the watermark", () => {
  // host clock T0 + 10 s; a record stamped a year ahead must not make everything else late
  const future = s1(365 * 24 * 3600 * 1000, { pod: "clock-skewed" });
  const r = run([future, s1(1000), s2raw(1500)], {}, T0 + 10_000);
  expect(r.stats.late).toBe(0);
  expect(r.stats.matches).toBe(1);
});

test("a time within max_future_ms of the host clock does move it", () => {
  const ahead = s1(50_000, { pod: "ahead" }); // 40 s ahead of the clock, within 60 s
  const r = run([ahead, s1(1000), s2raw(1500)], {}, T0 + 10_000);
  expect(r.stats.late).toBe(2);
  const tight = run([ahead, s1(1000), s2raw(1500)], { maxFutureMs: 1000 }, T0 + 10_000);
  expect(tight.stats.late).toBe(0);
});

test("state the watermark passed is reclaimed when room is needed, without counting an eviction", () => {
  const recs = [];
  for (let i = 0; i < 40; i++) recs.push(s1(i * 1000, { pod: `p${i}` }));
  const r = run(recs, { latenessMs: 1000, maxKeys: 8 });
  // each key's only entry fell behind the watermark (newest − lateness − maxspan) long before its slot was needed
  expect(r.stats.keys_active).toBeLessThanOrEqual(8);
  expect(r.stats.keys_evicted).toBe(0);
  // keys still within reach of an on-time candidate are evicted, and counted
  const tight = run(recs.map((x, i) => s1(i, { pod: `p${i}` })), { latenessMs: 1000, maxKeys: 8 });
  expect(tight.stats.keys_evicted).toBe(32);
});
