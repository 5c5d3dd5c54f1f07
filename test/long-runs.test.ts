// `[…] with runs=N` for the long runs Elastic's packs use (SSH brute force: 60 failures): one stage standing for
// N positions, kept in one buffer of N − 1 + ring_capacity entries per key rather than N stage buffers. Results are
// EQL's: the window of the latest N events slides (EQL lets an event stand at successive positions of successive
// sequences), and a key is reported whatever the arrival order within lateness.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { keyLayout } from "../host/rules/compile.js";
import { rng } from "../host/cli/sample.js";
import { run, ts } from "./helpers.js";

const rule = (name: string) => ruleFromToml(parseToml(readFileSync(fileURLToPath(new URL(`./rules/${name}`, import.meta.url)), "utf8")), name);
const SIXTY = [rule("long-runs.toml")];
const TWENTY = [rule("runs-only.toml")];

const login = (ms: number, outcome: string, id: number, o: { host?: string; ip?: string; user?: string } = {}) => ({
  "@timestamp": ts(ms),
  event: { category: ["authentication"], action: "ssh_login", outcome },
  host: { id: o.host ?? "h1" },
  source: { ip: o.ip ?? "203.0.113.7" },
  user: { name: o.user ?? "root" },
  process: { pid: id },
});
const ids = (a: Record<string, any>) => a.podprobe.events.map((e: Record<string, unknown>) => e["process.pid"]);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test("sixty failures within 30 s, then a success: one sequence of 61 events, the success tagged at position 60", () => {
  const recs = [...range(0, 60).map((i) => login(i * 400, "failure", i)), login(24_000, "success", 60)];
  const r = run(recs, { rules: SIXTY });
  expect(r.stats.matches).toBe(1);
  expect(ids(r.alerts[0])).toEqual(range(0, 61));
  expect(r.tagged.map((t) => [t.index, t.tag.alerts[0].sequence.index])).toEqual([[60, 60]]);
  // fifty-nine are not enough
  expect(run([...recs.slice(1, 60), recs[60]], { rules: SIXTY }).stats.matches).toBe(0);
});

test("the window slides: the latest sixty failures count, and a later success reuses fifty-nine of them", () => {
  // 70 failures every 500 ms (0 … 34.5 s): the last sixty start at 5 s, and a success at 35 s is exactly 30 s later
  const recs = [...range(0, 70).map((i) => login(i * 500, "failure", i)), login(35_000, "success", 100)];
  // a second success right away finds no new window; one more failure makes one
  recs.push(login(35_100, "success", 101), login(35_200, "failure", 70), login(35_300, "success", 102));
  const r = run(recs, { rules: SIXTY });
  expect(r.alerts.map(ids)).toEqual([[...range(10, 70), 100], [...range(11, 71), 102]]);
  // a success 1 ms later than 30 s after the window's first failure: none
  const late = [...range(0, 60).map((i) => login(i * 500, "failure", i)), login(29_500 + 1 + 500, "success", 100)];
  expect(run(late, { rules: SIXTY }).stats.matches).toBe(0);
});

test("a sequence of only a run: each failure from the twentieth on completes a window of the latest twenty", () => {
  const r = run(range(0, 25).map((i) => login(i * 300, "failure", i)), { rules: TWENTY });
  expect(r.alerts.map(ids)).toEqual(range(0, 6).map((k) => range(k, k + 20)));
  // spread over more than 10 s: none
  expect(run(range(0, 20).map((i) => login(i * 600, "failure", i)), { rules: TWENTY }).stats.matches).toBe(0);
});

test("shuffled within lateness: the key is still reported, and every reported sequence is valid", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r0 = rng(seed);
    const recs = [...range(0, 60).map((i) => ({ rec: login(i * 400, "failure", i), at: i * 400 + r0() * 3000 })), { rec: login(24_000, "success", 60), at: 24_000 + r0() * 3000 }];
    const r = run(recs.sort((a, b) => a.at - b.at).map((x) => x.rec), { rules: SIXTY });
    expect(r.stats.late).toBe(0);
    expect(r.stats.matches).toBe(1);
    expect(ids(r.alerts[0])).toEqual(range(0, 61));
  }
});

test("memory per key follows the run's length: a key holds ten blocks of ring_capacity entries, not 61 stage buffers", () => {
  expect(keyLayout(SIXTY, 8)).toEqual({ maxBlocks: 10, runs: true });
  // max_keys 64 gives a pool of 128 blocks: twelve brute-forced hosts at once fit without evicting a key
  const recs: Record<string, unknown>[] = [];
  for (let i = 0; i < 60; i++) for (let h = 0; h < 12; h++) recs.push(login(i * 400 + h, "failure", h * 1000 + i, { host: `h${h}` }));
  for (let h = 0; h < 12; h++) recs.push(login(24_000 + h, "success", h * 1000 + 60, { host: `h${h}` }));
  const r = run(recs, { rules: SIXTY, maxKeys: 64, maxStateBytes: 4 << 20 });
  expect(r.stats.keys_evicted).toBe(0);
  expect(r.stats.ring_overwrites).toBe(0);
  expect(r.stats.matches).toBe(12);
});
