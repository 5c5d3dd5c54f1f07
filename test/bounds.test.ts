// SPEC §4 Bounds: every table has a cap, every cap a counter, state_bytes ≤ max_state_bytes whatever arrives.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { line, run, s1, s2raw, T0 } from "./helpers.js";

test("the least recently used key is evicted at max_keys (keys_evicted)", () => {
  const recs = Array.from({ length: 10 }, (_, i) => s1(i, { pod: `p${i}` }));
  const r = run([...recs, s2raw(100, { pod: "p0" }), s2raw(100, { pod: "p9" })], { maxKeys: 8 });
  expect(r.stats.keys_evicted).toBeGreaterThanOrEqual(2);
  expect(r.stats.keys_active).toBeLessThanOrEqual(8);
  // p0 was evicted (least recently used); p9 still pairs
  expect(r.alerts.map((a) => a.podprobe.sequence.key)).toEqual(["p9"]);
});

test("a full ring overwrites its oldest entry (ring_overwrites)", () => {
  const recs = Array.from({ length: 5 }, (_, i) => s2raw(500 + i, { pod: "a", auditId: `x${i}` }));
  const r = run([...recs, s1(0, { pod: "a" })], { ringCapacity: 2 });
  expect(r.stats.ring_overwrites).toBe(3);
  // the earliest stage 2 still buffered is x3
  expect(r.alerts[0].podprobe.events[1]["kubernetes.audit.auditID"]).toBe("x3");
});

test("one pod with many candidates stays within its ring", () => {
  const recs = Array.from({ length: 5000 }, (_, i) => s1(i * 0.1, { pod: "hot", pid: i }));
  const r = run([...recs, s2raw(600, { pod: "hot" })], { ringCapacity: 8 });
  expect(r.stats.ring_overwrites).toBe(5000 - 8);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.events[0]["process.pid"]).toBe(4999);
});

test("a flood of distinct pods keeps state_bytes under max_state_bytes and a real sequence is still found", () => {
  const max = 2 * 1024 * 1024;
  const c = createCorrelator({ clock: () => T0 + 10_000, maxKeys: 2048, maxStateBytes: max });
  let chunk: string[] = [];
  for (let i = 0; i < 50_000; i++) {
    chunk.push(line(s1(i * 0.01, { pod: `flood-${i}`, args: ["curl", "x".repeat(i % 300)] })));
    if (chunk.length === 5000) {
      c.write(chunk.join("\n") + "\n");
      chunk = [];
      const s = c.stats();
      expect(s.state_bytes).toBeLessThanOrEqual(max);
      expect(s.keys_active).toBeLessThanOrEqual(2048);
    }
  }
  const out = Buffer.concat([c.write(line(s1(600, { pod: "real" })) + "\n" + line(s2raw(700, { pod: "real" })) + "\n"), c.end()]).toString();
  const s = c.stats();
  expect(s.keys_evicted).toBeGreaterThanOrEqual(50_000 - 2048);
  expect(s.state_bytes).toBeLessThanOrEqual(max);
  expect(s.matches).toBe(1);
  expect(out).toContain('"key":"real"');
});

test("summaries are capped at max_summary_bytes; a too-long array keeps the elements that fit", () => {
  const args = ["curl", ...Array.from({ length: 200 }, (_, i) => `arg-${i}-${"y".repeat(20)}`)];
  const r = run([s1(0, { args }), s2raw(100)], { maxSummaryBytes: 512 });
  const peer = r.tagged[0].tag.alerts[0].peer;
  expect(JSON.stringify(peer).length).toBeLessThanOrEqual(512);
  expect(peer["process.args"].length).toBeGreaterThan(0);
  expect(peer["process.args"]).toEqual(args.slice(0, peer["process.args"].length));
});

test("a lost partner summary is counted and the tag stays valid", () => {
  // a tiny arena: the first candidate's summary is overwritten by later ones before its partner arrives
  const filler = Array.from({ length: 400 }, (_, i) => s1(i, { pod: `f${i}`, args: ["curl", "z".repeat(1500)] }));
  const r = run([s1(0, { pod: "a" }), ...filler, s2raw(900, { pod: "a" })], { maxKeys: 1024, maxStateBytes: 1024 * 1024, maxSummaryBytes: 2048 });
  expect(r.stats.matches).toBe(1);
  expect(r.stats.summaries_lost).toBe(1);
  expect(r.tagged[0].tag.alerts[0].peer).toEqual({});
});

test("max_state_bytes too small for the tables is an option error naming it", () => {
  expect(() => createCorrelator({ maxKeys: 1_000_000, maxStateBytes: 1024 * 1024 })).toThrow(/option maxStateBytes: maxKeys=1000000 with ringCapacity=8 need at least \d+ bytes \(got 1048576\)/);
});
