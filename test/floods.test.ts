// Floods (SPEC §4 Bounds): state never passes max_state_bytes, counters account for every eviction, and a real
// sequence afterwards is still found.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { line, s1, s2raw, ts, T0 } from "./helpers.js";

const MAX = 2 * 1024 * 1024;
const fresh = (opts = {}) => createCorrelator({ clock: () => T0 + 3_600_000, maxKeys: 1024, maxStateBytes: MAX, latenessMs: 86_400_000, ...opts });

/** Writes n records made by make(i) in chunks, checking the cap as it goes. */
function flood(c: ReturnType<typeof createCorrelator>, n: number, make: (i: number) => string): void {
  let chunk: string[] = [];
  for (let i = 0; i < n; i++) {
    chunk.push(make(i));
    if (chunk.length === 10_000 || i === n - 1) {
      c.write(chunk.join("\n") + "\n");
      chunk = [];
      expect(c.stats().state_bytes).toBeLessThanOrEqual(MAX);
    }
  }
}

function stillFinds(c: ReturnType<typeof createCorrelator>, atMs: number): void {
  const out = Buffer.concat([c.write(line(s1(atMs, { pod: "after-flood" })) + "\n" + line(s2raw(atMs + 300, { pod: "after-flood" })) + "\n"), c.end()]).toString();
  expect(out).toContain('"key":"after-flood"');
}

test("one pod with 10^6 candidates: its ring overwrites, exactly counted", () => {
  const c = fresh();
  const template = line(s1(0, { pod: "hot" }));
  const at = template.indexOf(ts(0));
  flood(c, 1_000_000, (i) => template.slice(0, at) + ts(i * 0.001) + template.slice(at + ts(0).length));
  const s = c.stats();
  expect(s.candidates_stage1).toBe(1_000_000);
  expect(s.ring_overwrites).toBe(1_000_000 - 8);
  expect(s.keys_active).toBe(1);
  stillFinds(c, 1500);
}, 120_000);

test("a forbid storm with no process events: keys evicted beyond max_keys, exactly counted", () => {
  const c = fresh();
  const template = line(s2raw(0, { pod: "POD" }));
  flood(c, 200_000, (i) => template.replace('"POD"', `"storm-${i}"`));
  const s = c.stats();
  expect(s.candidates_stage2).toBe(200_000);
  expect(s.keys_evicted).toBe(200_000 - 1024);
  expect(s.keys_active).toBe(1024);
  expect(s.matches).toBe(0);
  stillFinds(c, 100);
}, 120_000);

test("far-future and far-past times: the watermark holds, the past is late, a real sequence still matches", () => {
  const c = fresh({ latenessMs: 5000 });
  flood(c, 20_000, (i) =>
    i % 2 === 0
      ? line(s1(0, { pod: `fut-${i}`, time: `${2100 + (i % 100)}-01-01T00:00:00Z` }))
      : line(s2raw(0, { pod: `past-${i}`, time: "1999-01-01T00:00:00Z" })),
  );
  c.write(line(s1(3_590_000, { pod: "anchor" })) + "\n"); // a present time: the watermark moves to it
  c.write(line(s2raw(0, { pod: "old", time: "1999-01-01T00:00:00Z" })) + "\n");
  const s = c.stats();
  expect(s.late).toBe(1); // only after the anchor; the future ones never moved the watermark
  expect(s.state_bytes).toBeLessThanOrEqual(MAX);
  stillFinds(c, 3_590_500);
});

test("1 M-style churn of distinct pods, scaled: eviction counted, state capped, sequence found", () => {
  const c = fresh();
  const template = line(s1(0, { pod: "POD" }));
  flood(c, 200_000, (i) => template.replace('"POD"', `"d-${i}"`));
  const s = c.stats();
  expect(s.keys_evicted).toBe(200_000 - 1024);
  stillFinds(c, 1000);
}, 120_000);
