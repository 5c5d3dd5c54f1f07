// SPEC §4: stage 2 looks only at the most recent earlier stage 1 of its key; a pair consumes that candidate
// and every older one, so each stage 1 joins at most one sequence.
import { expect, test } from "vitest";
import { run, s1, s2raw } from "./helpers.js";

const peerPid = (r: ReturnType<typeof run>, i: number) => r.tagged[i].tag.alerts[0].peer["process.pid"];

test("the most recent stage 1 wins", () => {
  const r = run([s1(0, { pid: 1 }), s1(200, { pid: 2 }), s1(400, { pid: 3 }), s2raw(600)]);
  expect(r.stats.matches).toBe(1);
  expect(peerPid(r, 0)).toBe(3);
});

test("when the most recent stage 1 is out of span, nothing pairs (older ones are further still)", () => {
  const r = run([s1(0, { pid: 1 }), s1(100, { pid: 2 }), s2raw(1101)]);
  expect(r.stats.matches).toBe(0);
});

test("a stage 1 out of span for one stage 2 is not consumed by it", () => {
  const r = run([s1(0, { pid: 1 }), s2raw(1001, { auditId: "late" }), s1(1500, { pid: 2 }), s2raw(1600)]);
  expect(r.stats.matches).toBe(1);
  expect(peerPid(r, 0)).toBe(2);
});

test("a consumed stage 1 and all older ones never pair again", () => {
  const r = run([s1(0, { pid: 1 }), s1(100, { pid: 2 }), s2raw(200, { auditId: "x" }), s2raw(300, { auditId: "y" })]);
  expect(r.stats.matches).toBe(1);
  expect(peerPid(r, 0)).toBe(2);
});

test("a new stage 1 after a pair starts a new sequence", () => {
  const r = run([s1(0, { pid: 1 }), s2raw(100), s1(200, { pid: 2 }), s2raw(300), s2raw(400)]);
  expect(r.stats.matches).toBe(2);
  expect([peerPid(r, 0), peerPid(r, 1)]).toEqual([1, 2]);
});

test("keys do not mix", () => {
  const r = run([s1(0, { pod: "a", pid: 1 }), s1(10, { pod: "b", pid: 2 }), s2raw(100, { pod: "a" }), s2raw(110, { pod: "b" }), s2raw(120, { pod: "c" })]);
  expect(r.stats.matches).toBe(2);
  expect(r.tagged.map((t) => [t.tag.alerts[0].sequence.key, t.tag.alerts[0].peer["process.pid"]])).toEqual([
    ["a", 1],
    ["b", 2],
  ]);
});

test("a stage 2 before any stage 1 in time order never pairs with a later stage 1", () => {
  const r = run([s2raw(0), s1(100)]);
  expect(r.stats.matches).toBe(0);
});
