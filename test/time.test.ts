// SPEC §4 Time: RFC 3339 with any fraction (to the ns) and any offset, epoch-ms numbers; otherwise no_time.
import { expect, test } from "vitest";
import { run, s1, s2ecs } from "./helpers.js";

const span = (t1: unknown, t2: unknown) => {
  const a = s1(0) as any;
  a["@timestamp"] = t1;
  const r = run([a, s2ecs(0, { time: t2 as string })]);
  return r.alerts[0]?.podprobe.sequence.span_ms;
};

test.each([
  ["2026-01-21T10:00:00Z", "2026-01-21T10:00:00.5Z", 500],
  ["2026-01-21T10:00:00.000000001Z", "2026-01-21T10:00:00.000000002Z", 0.000001],
  ["2026-01-21t10:00:00z", "2026-01-21 10:00:00.25Z", 250],
  ["2026-01-21T10:00:00+02:00", "2026-01-21T08:00:00.1Z", 100],
  ["2026-01-21T10:00:00-0530", "2026-01-21T15:30:00.1Z", 100],
  ["2026-01-21T10:00:00.123456789123Z", "2026-01-21T10:00:00.2Z", 76.543211],
  ["2026-01-21T10:00Z", "2026-01-21T10:00:00.9Z", 900],
  [Date.parse("2026-01-21T10:00:00Z"), "2026-01-21T10:00:00.3Z", 300],
  [Date.parse("2026-01-21T10:00:00Z") + 0.5, "2026-01-21T10:00:00.3Z", 299.5],
  ["2024-02-29T23:59:59.9Z", "2024-03-01T00:00:00.4Z", 500],
])("%j → %j is %d ms", (a, b, ms) => expect(span(a, b)).toBe(ms));

test.each([
  ["not a time"],
  ["2026-13-01T00:00:00Z"],
  ["2026-02-30T00:00:00Z"],
  ["2026-01-21T24:00:00Z"],
  ["2026-01-21T10:00:00"],
  ["2026-01-21T10:00:00.Z"],
  ["1500-01-01T00:00:00Z"],
  [""],
  [null],
  [true],
  [[]],
  ["1.5e12"],
])("%j is no time (no_time)", (t) => {
  const a = s1(0) as any;
  a["@timestamp"] = t;
  const r = run([a]);
  expect(r.stats.no_time).toBe(1);
  expect(r.stats.candidates_stage1).toBe(0);
});

test("a date alone is midnight UTC", () => {
  const a = s1(0) as any;
  a["@timestamp"] = "2026-01-21";
  const r = run([a, s2ecs(0, { time: "2026-01-21T00:00:01Z" })], {}, Date.parse("2026-01-21T00:00:05Z"));
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(1000);
});
