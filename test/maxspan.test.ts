// SPEC §4: t2 − t1 ≤ maxspan pairs (inclusive), at nanosecond precision.
import { expect, test } from "vitest";
import { run, s1, s2raw, s2ecs, ts } from "./helpers.js";

test("exactly 1 s apart matches", () => {
  const r = run([s1(0, { time: ts(0) }), s2raw(0, { time: ts(1000) })]);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(1000);
});

test("1 s + 1 ns apart does not", () => {
  const r = run([s1(0, { time: ts(0) }), s2raw(0, { time: ts(1000, 1) })]);
  expect(r.stats.matches).toBe(0);
  expect(r.tagged).toHaveLength(0);
});

test("nanosecond fractions on both sides are kept exactly", () => {
  const a = run([s1(0, { time: "2026-01-21T10:00:00.123456789Z" }), s2ecs(0, { time: "2026-01-21T10:00:01.123456789Z" })]);
  expect(a.stats.matches).toBe(1);
  const b = run([s1(0, { time: "2026-01-21T10:00:00.123456789Z" }), s2ecs(0, { time: "2026-01-21T10:00:01.12345679Z" })]);
  expect(b.stats.matches).toBe(0);
});

test("offsets are applied: the same instant in another zone", () => {
  const r = run([s1(0, { time: "2026-01-21T11:00:00.5+01:00" }), s2raw(0, { time: "2026-01-21T04:00:01-06:00" })]);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(500);
});

test("maxspan_ms overrides the rule's span", () => {
  const recs = [s1(0), s2raw(1500)];
  expect(run(recs).stats.matches).toBe(0);
  expect(run(recs, { maxspanMs: 2000 }).stats.matches).toBe(1);
});
