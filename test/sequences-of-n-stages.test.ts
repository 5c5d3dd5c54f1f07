// SPEC §4 for sequences of any length (2 to 8 stages): EQL's answer in time order, found in any arrival order
// within lateness; several join fields per stage; sequences without maxspan; stage buffers sized per rule.
import { expect, test } from "vitest";
import { run, s1, type RunResult } from "./helpers.js";
import { PROFILES } from "../host/rules/profiles.js";
import type { SequenceRule } from "../host/index.js";

/** A sequence of process events by name, joined on the pod (or the given fields); maxspan null: none. */
function chain(names: string[], maxspan: number | null = 5000, keys = ["orchestrator.resource.name"]): SequenceRule {
  const maxspanMs = maxspan ?? undefined;
  return {
    id: `chain-${names.join("-")}`,
    name: `chain ${names.join(" → ")}`,
    severity: 47,
    riskScore: 47,
    threat: [],
    maxspanMs,
    stages: names.map((n) => ({ when: { eq: "process.name", values: [n] }, keys, namespace: PROFILES.process.namespace, time: "@timestamp", summary: PROFILES.process.summary })),
    message: "{key}: {span_ms} ms",
  };
}

const ev = (ms: number, name: string, pid = ms, extra: Record<string, unknown> = {}, pod = "pod-a") => s1(ms, { name, pid, pod, args: [name], extra });
const pids = (r: RunResult, i = 0) => r.alerts[i].podprobe.events.map((e: Record<string, unknown>) => e["process.pid"]);

test("three stages arriving A(1 s) C(3 s) B(2 s): found, B completes it, the alert lists A, B, C", () => {
  const r = run([ev(1000, "a"), ev(3000, "c"), ev(2000, "b")], { rules: [chain(["a", "b", "c"])] });
  expect(r.stats.matches).toBe(1);
  expect(r.tagged.map((t) => t.index)).toEqual([2]);
  const tag = r.tagged[0].tag.alerts[0];
  expect(tag.sequence.index).toBe(1);
  expect(tag.peer["process.name"]).toBe("a"); // the stage before
  expect(pids(r)).toEqual([1000, 2000, 3000]);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(2000);
});

test("four stages in every arrival order within lateness: always found, always A → B → C → D", () => {
  const recs = [ev(1000, "a"), ev(2000, "b"), ev(3000, "c"), ev(4000, "d")];
  const orders = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((o) => [x, ...o])));
  for (const order of orders([0, 1, 2, 3])) {
    const r = run(order.map((i) => recs[i]), { rules: [chain(["a", "b", "c", "d"])] });
    expect(r.stats.matches).toBe(1);
    expect(pids(r)).toEqual([1000, 2000, 3000, 4000]);
  }
});

test("in time order it is EQL's sequence, not any valid one: A1 A2 B1 B2 C1 gives [A2, B1, C1]", () => {
  const r = run([ev(0, "a", 1), ev(100, "a", 2), ev(200, "b", 3), ev(300, "b", 4), ev(400, "c", 5)], { rules: [chain(["a", "b", "c"])] });
  expect(r.stats.matches).toBe(1);
  expect(pids(r)).toEqual([2, 3, 5]);
});

test("EQL's span is from the first event, and each stage takes the latest partial before it", () => {
  // A@0 B@3s make a partial from 0 s; A@3.5s B@4s another from 3.5 s; C@5.5s takes the latest, [A@3.5, B@4]
  const r = run([ev(0, "a", 1), ev(3000, "b", 2), ev(3500, "a", 3), ev(4000, "b", 4), ev(5500, "c", 5)], { rules: [chain(["a", "b", "c"])] });
  expect(pids(r)).toEqual([3, 4, 5]);
  // past maxspan from the first event: nothing
  expect(run([ev(0, "a"), ev(3000, "b"), ev(5001, "c")], { rules: [chain(["a", "b", "c"])] }).stats.matches).toBe(0);
});

test("eight stages, shuffled within lateness: found; a valid sequence only", () => {
  const names = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"];
  const recs = names.map((n, i) => ev(1000 + i * 400, n));
  const r = run([recs[5], recs[0], recs[7], recs[2], recs[1], recs[6], recs[3], recs[4]], { rules: [chain(names, 3000)] });
  expect(r.stats.matches).toBe(1);
  expect(pids(r)).toEqual(recs.map((_, i) => 1000 + i * 400));
  expect(r.alerts[0].podprobe.events).toHaveLength(8);
  // one stage past the span from the first event: nothing
  const late = names.map((n, i) => ev(1000 + i * 440, n));
  expect(run([late[5], late[0], late[7], late[2], late[1], late[6], late[3], late[4]], { rules: [chain(names, 3000)] }).stats.matches).toBe(0);
});

test("several join fields: the key is every field's value, in order; an array joins under each combination", () => {
  const rule = chain(["a", "b"], 5000, ["host.id", "user.name"]);
  const at = (ms: number, name: string, host: unknown, user: unknown, pid = ms) => ev(ms, name, pid, { host: { id: host, os: { type: "linux" } }, user: { name: user } });
  const r = run([at(0, "a", "h1", "alice"), at(100, "b", "h1", "bob"), at(200, "b", "h2", "alice"), at(300, "b", "h1", "alice")], { rules: [rule] });
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.key).toBe("h1/alice");
  expect(pids(r)).toEqual([0, 300]);
  // arrays: [h1, h2] × [alice, bob] — four keys; both partners that exist pair
  const arr = run([at(0, "a", "h1", "alice"), at(10, "a", "h2", "bob"), at(100, "b", ["h1", "h2"], ["alice", "bob"])], { rules: [rule] });
  expect(arr.alerts.map((a) => a.podprobe.sequence.key).sort()).toEqual(["h1/alice", "h2/bob"]);
  // a record lacking one of the fields is no candidate
  expect(run([at(0, "a", "h1", undefined), at(100, "b", "h1", "alice")], { rules: [rule] }).stats.no_key).toBe(1);
});

test("a sequence without maxspan waits as long as state and lateness keep it", () => {
  const rule = chain(["a", "b", "c"], null);
  const hour = 3600_000;
  const r = run([ev(0, "a"), ev(hour, "b"), ev(5 * hour, "c")], { rules: [rule] }, Date.parse("2026-01-21T16:00:00Z"));
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(5 * hour);
  // out of order within lateness too
  const o = run([ev(5 * hour, "c"), ev(5 * hour - 1000, "a"), ev(5 * hour - 500, "b")], { rules: [rule] }, Date.parse("2026-01-21T16:00:00Z"));
  expect(o.stats.matches).toBe(1);
});

test("hold_ms: every earlier stage's record waits, and all of them leave tagged", () => {
  const r = run([ev(0, "a"), ev(100, "b"), ev(200, "c")], { rules: [chain(["a", "b", "c"])], holdMs: 5000 });
  expect(r.stats.matches).toBe(1);
  expect(r.tagged.map((t) => t.tag.alerts[0].sequence.index)).toEqual([0, 1, 2]);
  expect(r.tagged[0].tag.alerts[0].peer["process.name"]).toBe("b");
  expect(r.tagged[1].tag.alerts[0].peer["process.name"]).toBe("a");
  expect(new Set(r.tagged.map((t) => t.tag.alerts[0].sequence.id)).size).toBe(1);
});

test("stage buffers are shared and sized per rule: max_keys 4 holds four 2-stage keys, or one 8-stage key", () => {
  const two = chain(["a", "b"]);
  const eight = chain(["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"]);
  const pods = (name: string, n: number) => Array.from({ length: n }, (_, i) => ev(i, name, i, {}, `p${i}`));
  const small = { maxKeys: 4 };
  expect(run(pods("a", 4), { rules: [two], ...small }).stats.keys_evicted).toBe(0);
  const r = run(pods("s0", 2), { rules: [eight], ...small });
  expect(r.stats.keys_evicted).toBe(1);
  expect(r.stats.keys_active).toBe(1);
});
