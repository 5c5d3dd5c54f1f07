// SPEC §4: with equal event times, the record that arrived first counts as earlier.
import { expect, test } from "vitest";
import { run, s1, s2raw, ts } from "./helpers.js";

test("stage 1 arriving first at the same time pairs", () => {
  const r = run([s1(0, { time: ts(500) }), s2raw(0, { time: ts(500) })]);
  expect(r.stats.matches).toBe(1);
  expect(r.tagged[0].tag.alerts[0].sequence.index).toBe(1);
});

test("stage 2 arriving first at the same time does not", () => {
  const r = run([s2raw(0, { time: ts(500) }), s1(0, { time: ts(500) })]);
  expect(r.stats.matches).toBe(0);
});

test("with skew_ms, stage 2 may precede stage 1", () => {
  const recs = [s2raw(0, { time: ts(500) }), s1(0, { time: ts(700) })];
  expect(run(recs).stats.matches).toBe(0);
  expect(run(recs, { skewMs: 100 }).stats.matches).toBe(0);
  const r = run(recs, { skewMs: 200 });
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(-200);
});

test("skew also lets an in-order stage 2 pair with a stage 1 stamped slightly after it", () => {
  const recs = [s1(0, { time: ts(1050) }), s2raw(0, { time: ts(1000) })];
  expect(run(recs).stats.matches).toBe(0);
  expect(run(recs, { skewMs: 50 }).stats.matches).toBe(1);
});
