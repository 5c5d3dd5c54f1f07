// SPEC §4 Out of order: a stage 2 that arrives before its stage 1 still matches when the stage 1 arrives.
import { expect, test } from "vitest";
import { run, s1, s2raw, s2ecs } from "./helpers.js";

test("stage 2 first, stage 1 within the window: the stage 1 completes the sequence", () => {
  const r = run([s2raw(400), s1(0)]);
  expect(r.stats.matches).toBe(1);
  expect(r.tagged).toHaveLength(1);
  expect(r.tagged[0].index).toBe(1); // the stage-1 record, second in the stream
  expect(r.tagged[0].tag.alerts[0].sequence.index).toBe(0);
  expect(r.tagged[0].tag.alerts[0].peer["kubernetes.audit.auditID"]).toBe("a-400");
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(400);
});

test("the late stage 1 pairs with the earliest buffered stage 2 in its window", () => {
  const r = run([s2ecs(900, { auditId: "late" }), s2ecs(300, { auditId: "early" }), s1(0)]);
  expect(r.stats.matches).toBe(1);
  expect(r.tagged[0].tag.alerts[0].peer["kubernetes.audit.auditID"]).toBe("early");
  expect(r.alerts[0].podprobe.events[1]["kubernetes.audit.auditID"]).toBe("early");
});

test("a buffered stage 2 outside the window does not pair", () => {
  const r = run([s2raw(1500), s1(0)]);
  expect(r.stats.matches).toBe(0);
});

test("a buffered stage 2 that paired is consumed", () => {
  const r = run([s1(0, { pid: 1 }), s2raw(100), s1(50, { pid: 2 })]);
  expect(r.stats.matches).toBe(1);
});

test("every reported pair is valid: same key, in order, within maxspan", () => {
  const r = run([s2raw(900, { pod: "x" }), s1(100, { pod: "y" }), s1(200, { pod: "x" }), s2raw(1300, { pod: "y" })]);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.key).toBe("x");
});
