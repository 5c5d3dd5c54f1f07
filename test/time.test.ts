// SPEC §2/§4 Time, as Elasticsearch's default date parser reads it: RFC 3339 with any fraction (to the ns) and any
// offset, a date-time without an offset (UTC), epoch milliseconds as a number or a string; otherwise no_time.
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
  // no offset: UTC (strict_date_optional_time)
  ["2026-01-21T10:00:00", "2026-01-21T10:00:00.5Z", 500],
  ["2026-01-21T10:00:00.123456", "2026-01-21T10:00:00.2Z", 76.544],
  ["2026-01-21T10:00", "2026-01-21T10:00:00.1Z", 100],
  ["2026-01-21T10", "2026-01-21T10:00:00.1Z", 100],
  ["2026-01-21T10:00:00,5", "2026-01-21T10:00:00.75Z", 250],
  // offsets as ±HH and ±HHmm too
  ["2026-01-21T11:00:00+01", "2026-01-21T10:00:00.1Z", 100],
  ["2026-01-21T11:30:00+0130", "2026-01-21T10:00:00.1Z", 100],
  // epoch_millis as a string
  [String(Date.parse("2026-01-21T10:00:00Z")), "2026-01-21T10:00:00.3Z", 300],
  [String(Date.parse("2026-01-21T10:00:00Z")) + ".25", "2026-01-21T10:00:00.3Z", 299.75],
])("%j → %j is %d ms", (a, b, ms) => expect(span(a, b)).toBe(ms));

test.each([
  ["not a time"],
  ["2026-13-01T00:00:00Z"],
  ["2026-02-30T00:00:00Z"],
  ["2026-01-21T24:00:00Z"],
  ["2026-01-21T10:00:00.Z"],
  ["2026-01-21T10:00:00+1"],
  ["2026-01-21T10:00:00 UTC"],
  ["2026-01-21T1"],
  ["1768989600000x"],
  ["-"],
  ["17689.89.6"],
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

test("a year or a month alone is its first instant, UTC (strict_date_optional_time's shortest forms)", () => {
  const at = (v: string, b: string) => {
    const a = s1(0) as any;
    a["@timestamp"] = v;
    return run([a, s2ecs(0, { time: b })], {}, Date.parse(b) + 5000).alerts[0]?.podprobe.sequence.span_ms;
  };
  expect(at("2026", "2026-01-01T00:00:00.4Z")).toBe(400);
  expect(at("2026-02", "2026-02-01T00:00:00.6Z")).toBe(600);
});

test("a string of digits other than four is epoch milliseconds, as Elasticsearch's epoch_millis reads it", () => {
  const a = s1(0) as any;
  a["@timestamp"] = "100000";
  const r = run([a, s2ecs(0, { time: "1970-01-01T00:01:40.5Z" })], {}, 200_000);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(500);
  // four digits are a year: 1000 is before the range a nanosecond clock can hold
  a["@timestamp"] = "1000";
  expect(run([a]).stats.no_time).toBe(1);
});
