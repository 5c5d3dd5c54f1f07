// Dispatch never skips a stage the full evaluation would match: random rule packs (equality, `in~`, `like` with
// and without wildcards, `:`, `or` of requirements on the same and on different fields, `not`, numbers) over
// random records (ECS documents with arrays, numbers, booleans, escaped and case-varied strings, and records of
// the shapes that read fields as constants: raw audit Events and the sensors' exec events) give byte-identical
// output and counters with dispatch on and with every stage evaluated for every record.
import { describe, expect, test } from "vitest";
import { Engine } from "../host/engine.js";
import { resolveOptions } from "../host/options.js";
import { compileRules, keyLayout } from "../host/rules/compile.js";
import { planDispatch } from "../host/rules/dispatch.js";
import { expandDerived, SHAPES } from "../host/rules/shapes.js";
import { rng } from "../host/cli/sample.js";
import type { Expr, SequenceRule } from "../host/index.js";
import { tetragonExec, falcoExec } from "./sensors.js";
import { T0, ts, s2raw } from "./helpers.js";

const FIELDS = ["event.category", "event.action", "event.type", "event.dataset", "data_stream.dataset", "process.name", "process.args", "user.id", "file.path", "host.os.type"];
const VALUES = ["process", "exec", "start", "Exec", "EXEC", "curl", "bash", "Bash", "0", "1", "true", "false", "a\"b", "é", "kubernetes.audit_logs", "linux", "/tmp/x", "network", "file", "get"];

function expr(r: () => number, depth: number): Expr {
  const f = () => FIELDS[Math.floor(r() * FIELDS.length)];
  const vs = () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => VALUES[Math.floor(r() * VALUES.length)]);
  const x = r();
  if (depth > 0 && x < 0.25) return { all: Array.from({ length: 1 + Math.floor(r() * 3) }, () => expr(r, depth - 1)) };
  if (depth > 0 && x < 0.4) {
    // an `or` whose branches often require the same field
    const field = f();
    return { any: Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.7 ? { eq: field, values: vs() } : expr(r, depth - 1))) };
  }
  if (depth > 0 && x < 0.47) return { not: expr(r, depth - 1) };
  if (x < 0.72) return { eq: f(), values: vs() };
  if (x < 0.8) return { eqCi: f(), values: vs() };
  if (x < 0.88) return { like: f(), patterns: vs().map((v) => (r() < 0.3 ? v + "*" : v)), insensitive: r() < 0.5 };
  if (x < 0.93) return { exists: f() };
  return { cmp: f(), rel: "==", value: Math.floor(r() * 2) };
}

function rules(r: () => number, n: number): SequenceRule[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = r();
    const stages = kind < 0.75 ? 1 : 2 + Math.floor(r() * 2);
    return {
      id: `rand-${i}`,
      name: `random ${i}`,
      severity: 21,
      riskScore: 21,
      threat: [],
      maxspanMs: 60_000,
      ...(stages > 1 && r() < 0.3 ? { sample: true } : {}),
      stages: Array.from({ length: stages }, () => ({
        when: { all: [expr(r, 3), expr(r, 2)] },
        keys: ["host.id"],
        namespace: { field: "orchestrator.namespace", from: "value" as const },
        time: "@timestamp",
        summary: [{ name: "process.name" }],
      })),
      message: "{key}",
    };
  });
}

/** A JSON string of v, sometimes with a letter written as a \u escape. */
function str(r: () => number, v: string): string {
  const j = JSON.stringify(r() < 0.2 ? v.replace(/[a-z]/, (c) => c.toUpperCase()) : v);
  if (r() < 0.25) return j.replace(/[a-z]/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return j;
}

function value(r: () => number): string {
  const x = r();
  const v = () => VALUES[Math.floor(r() * VALUES.length)];
  if (x < 0.55) return str(r, v());
  if (x < 0.75) return `[${Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.8 ? str(r, v()) : String(Math.floor(r() * 2)))).join(",")}]`;
  if (x < 0.85) return String(Math.floor(r() * 2));
  if (x < 0.93) return r() < 0.5 ? "true" : "false";
  return "null";
}

function record(r: () => number, i: number): string {
  const x = r();
  const time = ts(i * 10);
  if (x < 0.08) return JSON.stringify(s2raw(i * 10, { pod: `p${i % 3}` }));
  if (x < 0.16) return JSON.stringify(tetragonExec({ time, binary: "/usr/bin/curl", argv: ["curl", "-k", "x"], pid: i, pod: `p${i % 3}` }));
  if (x < 0.22) return JSON.stringify(falcoExec({ time, binary: "/bin/bash", argv: ["bash", "-c", "id"], pid: i, pod: `p${i % 3}` }));
  const members = [`"@timestamp":"${time}"`, `"host":{"id":"h${i % 2}"}`];
  for (const f of FIELDS) if (r() < 0.6) members.push(`${JSON.stringify(f)}:${value(r)}`);
  return `{${members.join(",")}}`;
}

function runBoth(ruleSet: SequenceRule[], input: string) {
  const opts = resolveOptions({ maxKeys: 256, maxStateBytes: 8 << 20 });
  const program = compileRules(ruleSet);
  const outs = [true, false].map((on) => {
    const e = new Engine(opts, program, undefined, keyLayout(ruleSet, opts.ringCapacity));
    e.setDispatch(on);
    const out = Buffer.concat([e.process(Buffer.from(input), T0 + 60_000), e.release(T0 + 60_000, true)]).toString("utf8");
    return { out, stats: e.stats(opts.maxStateBytes) };
  });
  return { on: outs[0], off: outs[1] };
}

describe("dispatch on and off: identical output and counters", () => {
  for (let seed = 1; seed <= 60; seed++) {
    test(`seed ${seed}`, () => {
      const r = rng(seed);
      const ruleSet = rules(r, 10 + Math.floor(r() * 60));
      const input = Array.from({ length: 300 }, (_, i) => record(r, i)).join("\n") + "\n";
      const { on, off } = runBoth(ruleSet, input);
      expect(on.out).toBe(off.out);
      expect(on.stats).toEqual(off.stats);
    });
  }
});

test("the random packs are dispatched (most stages filed under a value) and match records (the test can fail)", () => {
  let filed = 0;
  let always = 0;
  let matches = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(seed);
    const ruleSet = rules(r, 10 + Math.floor(r() * 60));
    const plan = planDispatch(ruleSet.map((x) => x.stages.map((s) => expandDerived(s.when, SHAPES))));
    filed += plan.entries.length;
    always += plan.always.length;
    const input = Array.from({ length: 300 }, (_, i) => record(r, i)).join("\n") + "\n";
    matches += runBoth(ruleSet, input).on.stats.matches;
  }
  expect(filed).toBeGreaterThan(always);
  expect(matches).toBeGreaterThan(500);
});
