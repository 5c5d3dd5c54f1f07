// The literal prefilter stays sound with every record shape podprobe reads: a record it passes uninspected
// (validate "candidates") is one the full engine (validate "all") finds no candidate in, and both write the same
// bytes — for ECS process events and audit documents, raw audit Events and audit Events carried in a log line,
// Tetragon, Falco and both Tracee schemas (whose values are constants, basenames, split arguments or computed
// booleans rather than JSON tokens of their own), each also in adversarial spellings; with the seed rule, the
// example rules and the test rules (EQL's functions, regex, cidrmatch, == false, sequences of up to 8 stages);
// through the library's v128 search and the Fluent Bit module's SWAR search.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { loadRuleFiles, SEED_RULE, type SequenceRule } from "../host/index.js";
import { compareOnShapes } from "./prefilter-compare.js";

const check = (rules: SequenceRule[], seed: number, perShape: number) => compareOnShapes(rules, seed, perShape, 8 << 20);

const dir = (d: string) => fileURLToPath(new URL(`../${d}`, import.meta.url));

describe("prefilter rejects ⇒ no candidate, for records of every shape", () => {
  test("seed rule", async () => {
    const { tally, bad } = await check([SEED_RULE], 11, 2500);
    expect(bad.slice(0, 3)).toEqual([]);
    // not vacuous: every process and audit shape has candidates; records of the ECS and audit shapes are passed
    // over too (a sensor's exec event holds its shape's marker, which the prefilter requires: it is inspected)
    for (const kind of ["ecs-process", "ecs-audit", "raw-audit", "embedded-audit", "tetragon", "falco", "tracee-legacy", "tracee-v1"] as const) {
      expect(tally.get(kind)!.touched, kind).toBeGreaterThan(100);
    }
    for (const kind of ["ecs-process", "ecs-audit", "ecs-any", "raw-audit", "embedded-audit", "container-log"] as const) {
      expect(tally.get(kind)!.skipped, kind).toBeGreaterThan(500);
    }
  }, 120_000);

  test("the example rules", async () => {
    const rules = loadRuleFiles([dir("examples/rules")]).rules;
    const { tally, bad } = await check(rules, 12, 2000);
    expect(bad.slice(0, 3)).toEqual([]);
    for (const kind of ["ecs-process", "ecs-any", "raw-audit", "embedded-audit", "tetragon", "falco", "tracee-legacy", "tracee-v1"] as const) {
      expect(tally.get(kind)!.touched, kind).toBeGreaterThan(50);
    }
    expect(tally.get("container-log")!.skipped).toBeGreaterThan(1000);
  }, 120_000);

  test("the test rules (functions, regex, cidrmatch, == false, optional fields, 8 stages, runs)", async () => {
    const rules = loadRuleFiles([dir("test/rules")], { skipUnsupported: true }).rules;
    expect(rules.length).toBeGreaterThan(8);
    const { tally, bad } = await check(rules, 13, 2000);
    expect(bad.slice(0, 3)).toEqual([]);
    for (const kind of ["ecs-process", "tetragon", "falco", "tracee-legacy", "tracee-v1"] as const) {
      expect(tally.get(kind)!.touched, kind).toBeGreaterThan(50);
    }
    // (the test rules' values now include the samples' and long runs' fields, which an ECS document of no
    // particular kind meets less often)
    expect(tally.get("ecs-any")!.touched).toBeGreaterThan(25);
    expect(tally.get("container-log")!.skipped).toBeGreaterThan(1000);
  }, 120_000);
});
