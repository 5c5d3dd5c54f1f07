// SPEC §1: the engine is generic — no rule literal in assembly/; the rule is host data compiled to a program,
// and another rule gives other detections with the same engine.
import { readdirSync, readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { compileRules, SEED_RULE, type SequenceRule } from "../host/index.js";
import { run, s1, s2raw } from "./helpers.js";

// (the alert record's own ECS fields — event.kind, orchestrator.resource.name, threat — are SPEC §5 output format)
test("no rule literal appears in assembly/", () => {
  const dir = new URL("../assembly/", import.meta.url);
  const literals = ["curl", "kubectl", "wget", "forbid", "ResponseComplete", "kubernetes", "audit", "5d1c962d", "process.name", "authorization"];
  for (const f of readdirSync(dir)) {
    const text = readFileSync(new URL(f, dir), "utf8").replace(/\/\/.*$/gm, "");
    for (const l of literals) expect(text.includes(l), `${f} contains ${l}`).toBe(false);
  }
});

test("the seed rule compiles to the same bytes every time", () => {
  expect(Buffer.from(compileRules([SEED_RULE])).equals(Buffer.from(compileRules([SEED_RULE])))).toBe(true);
});

test("a different rule (python3 then a forbidden get, 5 s) runs on the same engine", () => {
  const rule: SequenceRule = structuredClone(SEED_RULE);
  rule.id = "custom-1";
  rule.name = "Python then forbidden";
  rule.maxspanMs = 5000;
  rule.stages[0].when = { all: [{ eq: "process.name", values: ["python3"] }, { isTrue: "process.interactive" }] };
  const r = run([s1(0, { name: "python3" }), s2raw(4000), s1(10_000), s2raw(10_100)], { rules: [rule] });
  expect(r.stats.matches).toBe(1);
  expect(r.tagged[0].tag.alerts[0].rule).toEqual({ id: "custom-1", name: "Python then forbidden" });
  expect(r.alerts[0].message).toContain("in pod pod-a: python3 → list");
});

test("two rules run in one pass; one record can carry alerts of both", () => {
  const other: SequenceRule = structuredClone(SEED_RULE);
  other.id = "second";
  other.name = "Second";
  const r = run([s1(0), s2raw(100)], { rules: [SEED_RULE, other] });
  expect(r.stats.matches).toBe(2);
  expect(r.tagged[0].tag.alerts.map((a: any) => a.rule.id)).toEqual([SEED_RULE.id, "second"]);
  expect(r.alerts).toHaveLength(2);
});

test("a message that names an unknown field is refused at compile time", () => {
  const bad: SequenceRule = { ...SEED_RULE, message: "{0:nope}" };
  expect(() => compileRules([bad])).toThrow(/unknown field \{0:nope\}/);
});
