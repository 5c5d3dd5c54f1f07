// The literal prefilter stays sound with every record shape podprobe reads: a record it passes uninspected
// (validate "candidates") is one the full engine (validate "all") finds no candidate in, and both write the same
// bytes — for ECS process events and audit documents, raw audit Events and audit Events carried in a log line,
// Tetragon, Falco and both Tracee schemas (whose values are constants, basenames, split arguments or computed
// booleans rather than JSON tokens of their own), each also in adversarial spellings; with the seed rule, the
// example rules and the test rules (EQL's functions, regex, cidrmatch, == false, sequences of up to 8 stages);
// through the library's v128 search and the Fluent Bit module's SWAR search.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { COUNTER_NAMES, createCorrelator, loadRuleFiles, SEED_RULE, type SequenceRule } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { rng } from "../host/cli/sample.js";
import { T0 } from "./helpers.js";
import { mutate, recordOf, ruleValues, SHAPE_KINDS, type ShapeKind } from "./prefilter-records.js";

type Stats = ReturnType<ReturnType<typeof createCorrelator>["stats"]>;
/** The record took part: some stage's predicate held (a candidate, or one dropped for time, key, lateness, tag). */
const touched = (a: Stats, b: Stats) =>
  (["candidates_stage1", "candidates_stage2", "no_key", "no_time", "late", "tag_conflict"] as const).some((k) => b[k] > a[k]);

interface Tally {
  records: number;
  skipped: number;
  touched: number;
}

async function check(rules: SequenceRule[], seed: number, perShape: number) {
  const r = rng(seed);
  const values = ruleValues(rules, r);
  const opts = { clock: () => T0 + 60_000, maxKeys: 4096, maxStateBytes: 8 << 20, latenessMs: 86_400_000, rules };
  const fast = createCorrelator({ ...opts, validate: "candidates" });
  const full = createCorrelator({ ...opts, validate: "all" });
  const fb = new FluentBitFilter(await fluentBitVariant({}, rules));
  expect(fb.x.podprobe_ready()).toBe(1);
  const SKIPPED = COUNTER_NAMES.indexOf("prefilter_skipped");
  const tally = new Map<ShapeKind, Tally>(SHAPE_KINDS.map((k) => [k, { records: 0, skipped: 0, touched: 0 }]));
  const bad: string[] = [];
  for (let i = 0; i < perShape; i++) {
    for (const kind of SHAPE_KINDS) {
      let text = recordOf(kind, values, r);
      for (let k = Math.floor(r() * 3); k > 0; k--) text = mutate(text, r);
      const f0 = fast.stats();
      const a0 = full.stats();
      const outFast = fast.write(text + "\n");
      const outFull = full.write(text + "\n");
      const skipped = fast.stats().prefilter_skipped > f0.prefilter_skipped;
      const took = touched(a0, full.stats());
      const t = tally.get(kind)!;
      t.records++;
      if (skipped) t.skipped++;
      if (took) t.touched++;
      if (skipped && took) bad.push(`${kind}: ${text}`);
      if (!outFast.equals(outFull)) bad.push(`${kind}, output differs: ${text}`);
      const before = fb.counter(SKIPPED);
      fb.call(text, T0 + 60_000);
      if (fb.counter(SKIPPED) > before && took) bad.push(`${kind}, Fluent Bit entry: ${text}`);
    }
  }
  return { tally, bad };
}

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
