// `npm run bench:ab`: the A/B measurements behind the targets the bench does not meet, each in one process on
// the bench corpus (seed 1):
// - Fluent Bit entry, WASM instructions per record by kind: the seed rule's module; the same rule read in the ECS
//   and raw audit shapes only (what the sensor shapes' guard literals cost the search); a module whose rule
//   requires one literal (the seed's first stage in those two shapes: one byte class per word instead of two);
//   the do-nothing module; the class tests of the seed rule's and of the one-literal rule's first search step alone
//   (scanFloorModule: what any search with those classes costs at the least, looking at no flagged byte);
//   the bench's rule pack (every example rule and 320 generated ones), with its prefilter
//   and with validate "all";
// - Node engine, MB per CPU second (start-up excluded): the mixed corpus with validate "candidates" and "all", its
//   container logs alone (every record passed in bulk: the floor of the batch path — one search, one copy in, one
//   copy out), and the two copies alone.
import { readFileSync } from "node:fs";
import { FB_WASM } from "../host/fluent-bit/driver.js";
import { fluentBitOptions, patchModule } from "../host/fluent-bit/build.js";
import { compileRules } from "../host/rules/compile.js";
import { optionValues } from "../host/engine.js";
import { parseArgs } from "node:util";
import { createCorrelator } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { buildCorpus, corpusClock } from "./corpus.js";
import { syntheticPack } from "./rule-pack.js";
import { loadRuleFiles } from "../host/index.js";
import { fileURLToPath } from "node:url";
import { doNothingModule, instrumentOps, opsOf, scanFloorModule } from "./wasm-ops.js";
import { kindOf, namedVariant, oneLiteralRule } from "./wasm-profile.js";
import { derivePrefilter } from "../host/rules/prefilter.js";
import { SEED_RULE } from "../host/rules/rule.js";
import { SHAPES } from "../host/rules/shapes.js";

const { values: args } = parseArgs({ options: { mb: { type: "string" }, json: { type: "boolean" } } });
const MB = Number(args.mb ?? 32);

function opsByKind(bytes: Uint8Array<ArrayBuffer>, lines: Buffer[], nowMs: number): Record<string, number> {
  const f = new FluentBitFilter(instrumentOps(bytes));
  const sum: Record<string, { ops: number; n: number }> = {};
  for (const l of lines) {
    const before = opsOf(f.x as unknown as WebAssembly.Exports);
    f.call(l, nowMs);
    const k = (sum[kindOf(l.toString("latin1"))] ??= { ops: 0, n: 0 });
    k.ops += Number(opsOf(f.x as unknown as WebAssembly.Exports) - before);
    k.n++;
  }
  const all = Object.values(sum).reduce((a, v) => ({ ops: a.ops + v.ops, n: a.n + v.n }), { ops: 0, n: 0 });
  return { all: Math.round(all.ops / all.n), ...Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, Math.round(v.ops / v.n)])) };
}

/** The byte classes of the first search step (group 0) of the rules' prefilter, read in the first `shapes` shapes. */
function firstStepClasses(rules: Parameters<typeof derivePrefilter>[0], shapes: number) {
  const pf = derivePrefilter(rules, SHAPES.slice(0, shapes));
  if (pf.groups.length === 0) throw new Error("bench:ab: the rule has no prefilter");
  return pf.groups[0].classes;
}

/** MB per CPU second of the batch path (the correlator is created, and its start-up spent, before the clock). */
function cpuMbPerS(corpus: Buffer, nowMs: number, opts: object): number {
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const c = createCorrelator({ clock: () => nowMs, ...opts });
    const u0 = process.cpuUsage();
    for (let i = 0; i < corpus.length; i += 1 << 20) c.write(corpus.subarray(i, i + (1 << 20)));
    c.end();
    const u = process.cpuUsage(u0);
    runs.push(corpus.length / 1e6 / ((u.user + u.system) / 1e6));
  }
  return Math.round(runs.sort((a, b) => a - b)[2]);
}

/**
 * The copies around the engine alone, in MB per CPU second: each 1 MiB chunk copied into a buffer standing for
 * the engine's memory, then into a fresh output buffer (as host/engine.ts does), nothing else.
 */
function copyFloorMbPerS(corpus: Buffer): number {
  const memory = new Uint8Array(2 << 20);
  const runs: number[] = [];
  let sink = 0;
  for (let k = 0; k < 5; k++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < corpus.length; i += 1 << 20) {
      const chunk = corpus.subarray(i, i + (1 << 20));
      memory.set(chunk);
      const out = Buffer.allocUnsafeSlow(chunk.length);
      out.set(memory.subarray(0, chunk.length));
      sink += out[out.length - 1];
    }
    const u = process.cpuUsage(u0);
    runs.push(corpus.length / 1e6 / ((u.user + u.system) / 1e6));
  }
  if (sink < 0) process.stdout.write(""); // (keeps the copies)
  return Math.round(runs.sort((a, b) => a - b)[2]);
}

async function main() {
  const corpus = buildCorpus({ bytes: MB * 1e6, seed: 1 });
  const nowMs = corpusClock(corpus);
  const lines: Buffer[] = [];
  for (let s = 0, e = corpus.indexOf(10); e >= 0; s = e + 1, e = corpus.indexOf(10, s)) lines.push(corpus.subarray(s, e));
  // the seed rule's module; the same rule read in the ECS and raw audit shapes only; the seed's first stage alone
  // in those shapes, as a single-event rule (its search: x, X, \ and | only) — bench/wasm-profile.ts; and the pack
  const pack = [...loadRuleFiles([fileURLToPath(new URL("../../examples/rules", import.meta.url))]).rules, ...syntheticPack(320)];
  const packModule = (validate: string) => new Uint8Array(patchModule(readFileSync(FB_WASM), compileRules(pack), optionValues(fluentBitOptions({ validate }))));
  const fluentBit = {
    seed_rule: opsByKind(namedVariant("seed_rule"), lines, nowMs),
    seed_rule_ecs_and_audit_shapes: opsByKind(namedVariant("seed_rule_ecs_and_audit_shapes"), lines, nowMs),
    one_literal_rule: opsByKind(namedVariant("one_literal_rule"), lines, nowMs),
    do_nothing: opsByKind(doNothingModule(), lines, nowMs),
    scan_floor_seed_rule_classes: opsByKind(scanFloorModule(firstStepClasses([SEED_RULE], SHAPES.length)), lines, nowMs),
    scan_floor_one_literal_classes: opsByKind(scanFloorModule(firstStepClasses([oneLiteralRule()], 2)), lines, nowMs),
    rule_pack: opsByKind(packModule("candidates"), lines, nowMs),
    rule_pack_validate_all: opsByKind(packModule("all"), lines, nowMs),
  };
  const containerOnly = Buffer.concat(lines.filter((l) => kindOf(l.toString("latin1")) === "container").flatMap((l) => [l, Buffer.of(10)]));
  const node = {
    mixed_candidates: cpuMbPerS(corpus, nowMs, {}),
    mixed_all: cpuMbPerS(corpus, nowMs, { validate: "all" }),
    container_logs_only: cpuMbPerS(containerOnly, nowMs, {}),
    copies_only: copyFloorMbPerS(corpus),
  };
  const result = { corpus_mb: MB, fluent_bit_wasm_ops_per_record_by_kind: fluentBit, node_mb_per_cpu_s: node };
  if (args.json) process.stdout.write(JSON.stringify(result) + "\n");
  else {
    process.stdout.write(`Fluent Bit entry, WASM instructions per record (${MB} MB bench corpus):\n`);
    for (const [k, v] of Object.entries(fluentBit)) process.stdout.write(`  ${k.padEnd(30)} ${Object.entries(v).map(([kind, n]) => `${kind} ${n}`).join(", ")}\n`);
    process.stdout.write(`Node engine, MB per CPU second: ${Object.entries(node).map(([k, v]) => `${k} ${v}`).join(", ")}\n`);
  }
}

void main();
