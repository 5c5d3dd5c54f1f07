// Many rules in one pass: 512 generated rules in Elastic's shapes — single-event `process`/`file` rules, sequences
// joined `by` a field, samples — compile into one program and run together; each fires on its own records, once;
// 1024 rules (the limit the compiler and the engine share) load, 1025 are refused by name.
import { expect, test } from "vitest";
import { ruleFromToml, compileRules, createCorrelator } from "../host/index.js";
import { LIMITS } from "../host/rules/compile.js";
import type { SequenceRule } from "../host/index.js";
import { run, ts, T0 } from "./helpers.js";

const eql = (i: number, query: string): SequenceRule =>
  ruleFromToml({ rule: { rule_id: `pack-${i}`, name: `Pack rule ${i}`, type: "eql", language: "eql", severity: "medium", risk_score: 47, query } }, `pack-${i}.toml`);

/** Rule i of a generated pack, and the records that make it fire (and only it). */
function packRule(i: number): { rule: SequenceRule; records: Record<string, unknown>[] } {
  const t = (k: number) => ts(i * 10 + k);
  const proc = (name: string, k: number, args = ["-x"]) => ({ "@timestamp": t(k), event: { category: ["process"], type: ["start"], action: "exec" }, host: { id: `h${i}` }, process: { name, args, pid: i } });
  const file = (path: string, k: number) => ({ "@timestamp": t(k), event: { category: ["file"], type: ["creation"] }, host: { id: `h${i}` }, file: { path } });
  switch (i % 8) {
    case 0:
    case 1:
    case 2:
    case 3:
      return { rule: eql(i, `process where event.type == "start" and event.action in ("exec", "exec_event") and process.name in ("tool-${i}", "alias-${i}") and process.args : "-x*"`), records: [proc(`tool-${i}`, 0)] };
    case 4:
      return { rule: eql(i, `file where event.type in ("creation", "change") and file.path : "/etc/pack/${i}/*"`), records: [file(`/etc/pack/${i}/x`, 0)] };
    case 5:
    case 6:
      return {
        rule: eql(i, `sequence by host.id with maxspan=10s [process where process.name == "first-${i}"] [file where file.path == "/tmp/second-${i}"]`),
        records: [proc(`first-${i}`, 0), file(`/tmp/second-${i}`, 1)],
      };
    default:
      return {
        rule: eql(i, `sample by host.id [file where file.path == "/var/sample-${i}"] [process where process.name == "sample-${i}"]`),
        records: [proc(`sample-${i}`, 0), file(`/var/sample-${i}`, 1)],
      };
  }
}

test("512 rules in one program: every rule fires on its records, once, and on no other", () => {
  const pack = Array.from({ length: 512 }, (_, i) => packRule(i));
  const rules = pack.map((p) => p.rule);
  const records = pack.flatMap((p) => p.records);
  // ordinary records in between match nothing
  const noise = Array.from({ length: 200 }, (_, k) => ({ "@timestamp": ts(k), message: `GET /x ${k}`, kubernetes: { pod_name: "web" } }));
  const r = run([...noise, ...records], { rules, maxKeys: 4096, maxStateBytes: 16 << 20 });
  expect(r.stats.matches).toBe(512);
  const fired = r.alerts.map((a) => a.rule.id).sort();
  expect(fired).toEqual(rules.map((x) => x.id).sort());
  expect(r.records.slice(0, 200)).toEqual(noise.map((n) => JSON.stringify(n)));
  expect(r.stats.program_bytes).toBeGreaterThan(0);
});

test("1024 rules load and run; 1025 are refused, naming the limit", () => {
  const rules = Array.from({ length: LIMITS.rules + 1 }, (_, i) => packRule(i).rule);
  expect(LIMITS.rules).toBe(1024);
  const c = createCorrelator({ rules: rules.slice(0, LIMITS.rules), clock: () => T0 });
  const out = c.write(JSON.stringify(packRule(0).records[0]) + "\n").toString();
  expect(out).toContain('"podprobe":{"alerts":[');
  expect(() => compileRules(rules)).toThrow(/rule program: 1 to 1024 rules/);
});
