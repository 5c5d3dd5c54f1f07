// SPEC §5: a record that already carries a podprobe member takes part in no new sequence, so running podprobe
// over its own output — a replay, or two podprobe hops in a pipeline — writes no new alert and changes nothing.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { run, s1, s2raw, s2ecs, line, SMALL, T0 } from "./helpers.js";

const stream = [line({ log: "a" }), line(s1(0)), line(s2raw(300)), line(s1(2000, { pod: "b" })), line(s2ecs(2500, { pod: "b" }))].join("\n") + "\n";

function pass(input: string, opts = {}) {
  const c = createCorrelator({ ...SMALL, clock: () => T0 + 10_000, ...opts });
  const out = Buffer.concat([c.write(input), c.end()]).toString();
  return { out, stats: c.stats() };
}

test("a second pass over podprobe's output writes no alert and leaves every line as it was", () => {
  const first = pass(stream);
  expect(first.stats.alerts).toBe(2);
  const second = pass(first.out);
  expect(second.stats.matches).toBe(0);
  expect(second.stats.alerts).toBe(0);
  expect(second.out).toBe(first.out);
  // the two tagged (completing) records were candidates that already carried a tag
  expect(second.stats.tag_conflict).toBe(2);
});

test("two hops with hold_ms: both records of each sequence are tagged, the second hop adds nothing", () => {
  const first = pass(stream, { holdMs: 500 });
  expect(first.out.match(/"podprobe":\{"alerts"/g)).toHaveLength(4);
  const second = pass(first.out, { holdMs: 500 });
  expect(second.stats.alerts).toBe(0);
  expect(second.out).toBe(first.out);
});

test("a replay of the output with --no-alerts upstream: the tagged record still completes nothing", () => {
  const first = pass(stream, { alerts: false });
  const second = pass(first.out);
  expect(second.stats.alerts).toBe(0);
  // the untagged stage-1 records were candidates again; their partners carried tags
  expect(second.stats.candidates_stage1).toBe(2);
});

test("a tagged stage 1 followed by a fresh stage 2 does not pair either", () => {
  const tagged = { ...s1(0), podprobe: { alerts: [] } };
  const r = run([tagged, s2raw(100)]);
  expect(r.stats.matches).toBe(0);
  expect(r.stats.tag_conflict).toBe(1);
  expect(r.records[0]).toBe(line(tagged));
});
