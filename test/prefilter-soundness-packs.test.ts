// The literal prefilter with rule packs of hundreds of rules: more required literals than its table's 64 needles
// and more stages than its 64 rows. It is fitted (one clause per stage chosen to be cheap to search, stages merged
// into shared rows) or turned off, never unsound: with the prefilter on (validate "candidates") and off
// (validate "all") the engine writes the same bytes and counts the same, record by record, for records of every
// shape built from the pack's own literals (and adversarial spellings of them), and over the bench corpus; a
// record the prefilter or the Fluent Bit module's search passes over is one no stage's predicate holds in.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createCorrelator, loadRuleFiles, ruleFromToml, SEED_RULE, type SequenceRule } from "../host/index.js";
import { derivePrefilter, MAX_NEEDLES, MAX_STAGES } from "../host/rules/prefilter.js";
import { fitPrimaries, mergeRows } from "../host/rules/prefilter-fit.js";
import { needleOf, needleKey, type Clause } from "../host/rules/prefilter-requirements.js";
import { SHAPES } from "../host/rules/shapes.js";
import { LIMITS } from "../host/rules/compile.js";
import { rng } from "../host/cli/sample.js";
import { syntheticPack } from "../bench/rule-pack.js";
import { buildCorpus, corpusClock } from "../bench/corpus.js";
import { compareOnShapes, type Stats } from "./prefilter-compare.js";

/** Counters that count among the records the engine inspects (validate "candidates" inspects fewer): all others agree. */
const INSPECTED_ONLY = new Set(["prefilter_skipped", "prefilter_escaped", "invalid", "embedded_invalid", "args_truncated"]);
const agreeing = (s: Stats) => Object.fromEntries(Object.entries(s).filter(([k]) => !INSPECTED_ONLY.has(k)));

const eql = (id: string, query: string): SequenceRule =>
  ruleFromToml({ rule: { rule_id: id, name: `Rule ${id}`, type: "eql", language: "eql", severity: "medium", risk_score: 47, query } }, `${id}.toml`);

/**
 * n rules, each naming literals of its own (process names, arguments, paths, domains, parents), in Elastic's
 * shapes: single-event process, file and network rules and two-stage sequences joined by host.
 */
function literalPack(n: number, seed: number): SequenceRule[] {
  const r = rng(seed);
  const actions = ['"exec"', '"start"', '"exec_event"', '"executed"'];
  return Array.from({ length: n }, (_, i) => {
    const a = actions[Math.floor(r() * actions.length)];
    const id = `lit-${seed}-${i}`;
    switch (i % 6) {
      case 0:
        return eql(id, `process where event.type == "start" and event.action == ${a} and process.name in ("tool${i}", "tool${i}x")`);
      case 1:
        return eql(id, `process where event.action == ${a} and process.args : ("*--opt${i}*", "-k${i}")`);
      case 2:
        return eql(id, `file where event.type == "creation" and file.path like ("/etc/app${i}/*", "/var/lib/app${i}/*")`);
      case 3:
        return eql(id, `network where event.action == "connection_attempted" and destination.domain == "host${i}.example.org"`);
      case 4:
        return eql(id, `sequence by host.id with maxspan=30s [process where event.type == "start" and process.name == "first${i}"] [process where process.parent.name == "first${i}" and process.args : "*payload${i}*"]`);
      default:
        return eql(id, `process where host.os.type == "linux" and process.parent.name in ("parent${i}", "daemon${i}") and process.executable like~ "/opt/app${i}/*"`);
    }
  });
}

const dir = (d: string) => fileURLToPath(new URL(`../${d}`, import.meta.url));
const testRules = () => loadRuleFiles([dir("test/rules")], { skipUnsupported: true }).rules;
const exampleRules = () => loadRuleFiles([dir("examples/rules")]).rules;
/** The seed rule, every example rule (Elastic's TOML) and 320 generated rules shaped like Elastic's. */
const elasticLike = () => [SEED_RULE, ...exampleRules().filter((x) => x.id !== SEED_RULE.id), ...syntheticPack(320)];

async function check(rules: SequenceRule[], seed: number, perShape: number) {
  const { tally, bad, fast, full } = await compareOnShapes(rules, seed, perShape, 16 << 20);
  const endFast = fast.end();
  const endFull = full.end();
  if (!endFast.equals(endFull)) bad.push("the held records released at the end differ");
  expect(agreeing(fast.stats())).toEqual(agreeing(full.stats()));
  return { tally, bad };
}

/** The bench corpus through the pack with the prefilter on and off: the same bytes, the same counts. */
function corpusRun(rules: SequenceRule[]) {
  const corpus = buildCorpus({ bytes: 2e6, seed: 1 });
  const now = corpusClock(corpus);
  const run = (validate: "candidates" | "all") => {
    const c = createCorrelator({ clock: () => now, rules, validate });
    const parts: Buffer[] = [];
    for (let i = 0; i < corpus.length; i += 1 << 16) parts.push(c.write(corpus.subarray(i, i + (1 << 16))));
    parts.push(c.end());
    return { out: Buffer.concat(parts), stats: c.stats() };
  };
  const on = run("candidates");
  const off = run("all");
  expect(on.out.equals(off.out)).toBe(true);
  expect(agreeing(on.stats)).toEqual(agreeing(off.stats));
  return on.stats;
}

const stageCount = (rules: SequenceRule[]) => rules.reduce((a, x) => a + x.stages.length, 0);

describe("prefilter with rule packs: on and off agree, record by record", () => {
  test("the seed rule, every example rule and 320 generated Elastic-shaped rules (stages share the table's rows)", async () => {
    const rules = elasticLike();
    expect(rules.length).toBeGreaterThanOrEqual(326);
    const pf = derivePrefilter(rules, SHAPES);
    // on, with more stages than the table has rows
    expect(pf.stages).toBeDefined();
    expect(stageCount(rules)).toBeGreaterThan(MAX_STAGES);
    expect(pf.stages!.length).toBeLessThanOrEqual(MAX_STAGES);
    expect(pf.needles.length).toBeLessThanOrEqual(MAX_NEEDLES);
    const { tally, bad } = await check(rules, 21, 300);
    expect(bad.slice(0, 3)).toEqual([]);
    // not vacuous: candidates of the process shapes; records of no interest passed over by both searches
    for (const kind of ["ecs-process", "ecs-audit", "raw-audit", "embedded-audit", "tetragon", "falco", "tracee-v1"] as const) expect(tally.get(kind)!.touched, kind).toBeGreaterThan(15);
    for (const kind of ["ecs-audit", "ecs-any", "raw-audit", "container-log"] as const) expect(tally.get(kind)!.skipped, kind).toBeGreaterThan(30);
    expect(tally.get("container-log")!.fluentBitSkipped).toBeGreaterThan(250);
    // the bench corpus: its container logs (95 % of the records) pass uninspected
    const s = corpusRun(rules);
    expect(s.prefilter_skipped / s.records_in).toBeGreaterThan(0.9);
    expect(s.matches).toBeGreaterThan(0);
  }, 240_000);

  test("600 rules naming some 1,200 literals of their own: one shared clause per stage", async () => {
    const rules = literalPack(600, 1);
    const pf = derivePrefilter(rules, SHAPES);
    expect(pf.stages).toBeDefined();
    expect(pf.needles.length).toBeLessThanOrEqual(MAX_NEEDLES);
    expect(pf.stages!.length).toBeLessThanOrEqual(MAX_STAGES);
    // the most selective clause of each stage would need far more needles than the table holds
    const own = new Set(rules.flatMap((x) => [...JSON.stringify(x.stages).matchAll(/(tool|opt|app|host|first|parent|daemon)\d+/g)].map((m) => m[0])));
    expect(own.size).toBeGreaterThan(4 * MAX_NEEDLES);
    const { tally, bad } = await check(rules, 22, 300);
    expect(bad.slice(0, 3)).toEqual([]);
    for (const kind of ["ecs-process", "tetragon", "falco", "tracee-legacy", "tracee-v1"] as const) expect(tally.get(kind)!.touched, kind).toBeGreaterThan(20);
    for (const kind of ["raw-audit", "embedded-audit", "container-log"] as const) expect(tally.get(kind)!.skipped, kind).toBeGreaterThan(100);
    const s = corpusRun(rules);
    expect(s.prefilter_skipped / s.records_in).toBeGreaterThan(0.9);
  }, 240_000);

  test(`${LIMITS.rules} generated rules: fitted`, async () => {
    const rules = literalPack(LIMITS.rules, 2);
    const pf = derivePrefilter(rules, SHAPES);
    expect(pf.stages).toBeDefined();
    expect(pf.stages!.length).toBeLessThanOrEqual(MAX_STAGES);
    const { tally, bad } = await check(rules, 23, 100);
    expect(bad.slice(0, 3)).toEqual([]);
    for (const kind of ["ecs-process", "tetragon", "falco"] as const) expect(tally.get(kind)!.touched, kind).toBeGreaterThan(8);
    expect(tally.get("container-log")!.skipped).toBeGreaterThan(80);
    expect(corpusRun(rules).prefilter_skipped).toBeGreaterThan(0);
  }, 240_000);

  test("every test rule (Elastic's TOML: samples, runs, eight stages, functions, regex) with the Elastic-shaped pack: a search that costs more than it saves is turned off, and the engine answers the same", async () => {
    const rules = [...elasticLike(), ...testRules().filter((x) => x.id !== SEED_RULE.id)];
    expect(derivePrefilter(rules, SHAPES).stages).toBeUndefined();
    const { tally, bad } = await check(rules, 24, 60);
    expect(bad.slice(0, 3)).toEqual([]);
    expect(tally.get("container-log")!.skipped).toBe(0);
    expect(corpusRun(rules).prefilter_skipped).toBe(0);
  }, 240_000);
});

describe("fitting: the reductions keep every stage's requirement", () => {
  const needle = (t: string) => needleOf(t, true, false)!;
  const keys = (c: Clause) => new Set(c.map(needleKey));

  test("fitPrimaries gives each stage one of its own clauses, within the cap; mergeRows keeps each stage's requirement in a row", () => {
    const r = rng(5);
    for (let round = 0; round < 50; round++) {
      const universe = Array.from({ length: 20 + Math.floor(r() * 200) }, (_, i) => needle(`w${round}x${i}`));
      const pick = () => universe[Math.floor(r() * universe.length)];
      const shared = universe.slice(0, 3);
      // stages: a few clauses each; most offer one of a few shared needles, as real packs do (the event's action)
      const cnfs: Clause[][] = Array.from({ length: 10 + Math.floor(r() * 300) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 4) }, (_, k) => (k === 0 && r() < 0.8 ? [shared[Math.floor(r() * 3)], pick()] : Array.from({ length: 1 + Math.floor(r() * 3) }, pick))),
      );
      const fit = fitPrimaries(cnfs, MAX_NEEDLES, (adds) => adds.length, (c) => [c.length]);
      if (!fit) continue;
      expect(fit).toHaveLength(cnfs.length);
      fit.forEach((c, s) => expect(cnfs[s]).toContain(c));
      expect(new Set(fit.flat().map(needleKey)).size).toBeLessThanOrEqual(MAX_NEEDLES);
      // rows: every stage (its primary and further clauses) has a row each of whose clauses holds one of its own
      const stages = fit.map((c, s) => [c, ...cnfs[s].filter((d) => d !== c).slice(0, 2)]);
      const index = new Map([...new Set(stages.flat(2).map(needleKey))].map((k, i) => [k, i]));
      const rows = mergeRows(stages, MAX_STAGES, index);
      expect(rows.length).toBeLessThanOrEqual(MAX_STAGES);
      for (const st of stages) {
        const ok = rows.some((row) => row.every((rc) => st.some((sc) => [...keys(sc)].every((k) => keys(rc).has(k)))));
        expect(ok).toBe(true);
      }
    }
  });

  test("too many distinct needles for the cap: no fit (the prefilter is then off)", () => {
    const cnfs = Array.from({ length: MAX_NEEDLES + 1 }, (_, i) => [[needle(`only${i}`)]]);
    expect(fitPrimaries(cnfs, MAX_NEEDLES, (adds) => adds.length, (c) => [c.length])).toBeUndefined();
    const rules = Array.from({ length: MAX_NEEDLES + 1 }, (_, i) => eql(`only-${i}`, `any where process.name == "only${i}"`));
    expect(derivePrefilter(rules, SHAPES).stages).toBeUndefined();
  });
});
