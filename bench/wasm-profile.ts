// Where the Fluent Bit module's instructions go: `node build/bench/wasm-profile.js [--mb 8] [--top 12]
// [--variant seed_rule|seed_rule_ecs_and_audit_shapes|one_literal_rule] [--outcomes]` drives
// the module record by record as filter_wasm does (host/fluent-bit/driver.ts) on an instrumented copy that counts
// every defined function's own executed instructions (bench/wasm-ops.ts, perFunction), and prints, per record
// kind (container logs, process events, audit lines), the instructions per record each function spends itself
// (not counting its callees), plus the calls into the module (malloc, free, the filter entry) seen from outside.
// Function names come from the text file asc writes next to the module (build/podprobe-fluent-bit.wat), whose
// functions are in the binary's order. With --outcomes it splits each kind instead by what became of the record
// (passed by the prefilter uninspected, inspected and unchanged, tagged) and gives each part's share of the
// all-records average.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { FB_WASM, FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitOptions, patchModule } from "../host/fluent-bit/build.js";
import { compileRules } from "../host/rules/compile.js";
import { SHAPES } from "../host/rules/shapes.js";
import { SEED_RULE, type SequenceRule } from "../host/rules/rule.js";
import { optionValues } from "../host/engine.js";
import { buildCorpus, corpusClock } from "./corpus.js";
import { instrumentOps, opsOf } from "./wasm-ops.js";
import { COUNTER_NAMES } from "../host/counters.js";

export type Kind = "container" | "process" | "audit";

/** The bench corpus's record kinds, told apart by their text (as bench/ab.ts does). */
export const kindOf = (l: string): Kind =>
  l.includes('"kind":"Event"') || l.includes("kubernetes.audit_logs") ? "audit" : l.includes('"process":{') ? "process" : "container";

/** Names of the module's defined functions, in order, from asc's text output (index → name). */
export function functionNames(watPath: string): string[] {
  return [...readFileSync(watPath, "utf8").matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]);
}

export interface Profile {
  /** Records of each kind. */
  records: Record<Kind, number>;
  /** Per kind: function name → instructions it executed itself, per record of that kind. */
  perFunction: Record<Kind, Record<string, number>>;
}

/** Instructions per record of each kind, by function, for the module `bytes` (names: its functions, in order). */
export function profile(bytes: Uint8Array<ArrayBuffer>, names: string[], lines: Buffer[], nowMs: number): Profile {
  const f = new FluentBitFilter(instrumentOps(bytes, true));
  const x = f.x as unknown as Record<string, WebAssembly.Global>;
  let n = 0;
  while (x[`__ops_${n}`]) n++;
  if (names.length !== n) throw new Error(`wasm-profile: ${names.length} names for ${n} functions (rebuild: npm run build)`);
  const counters = Array.from({ length: n }, (_, i) => x[`__ops_${i}`]);
  const sums: Record<Kind, Float64Array> = { container: new Float64Array(n), process: new Float64Array(n), audit: new Float64Array(n) };
  const records: Record<Kind, number> = { container: 0, process: 0, audit: 0 };
  const before = new Float64Array(n);
  for (const l of lines) {
    for (let i = 0; i < n; i++) before[i] = Number(counters[i].value as bigint);
    f.call(l, nowMs);
    const k = kindOf(l.toString("latin1"));
    records[k]++;
    const s = sums[k];
    for (let i = 0; i < n; i++) s[i] += Number(counters[i].value as bigint) - before[i];
  }
  const perFunction = {} as Record<Kind, Record<string, number>>;
  for (const k of Object.keys(sums) as Kind[]) {
    const row: Record<string, number> = {};
    sums[k].forEach((v, i) => {
      if (v > 0) row[names[i]] = v / Math.max(1, records[k]);
    });
    perFunction[k] = row;
  }
  return { records, perFunction };
}

/**
 * The built module with other rules filled in, read in the first `shapes` record shapes (ECS and the raw audit
 * Event: 2), as `podprobe build-fluent-bit` would write it (no compiler needed).
 */
export function variantModule(rules: SequenceRule[], shapes = SHAPES.length): Uint8Array<ArrayBuffer> {
  return new Uint8Array(patchModule(readFileSync(FB_WASM), compileRules(rules, { shapes: SHAPES.slice(0, shapes) }), optionValues(fluentBitOptions({}))));
}

/** A rule that requires one literal: the seed rule's first stage alone, as a single-event rule. */
export function oneLiteralRule(): SequenceRule {
  return { ...structuredClone(SEED_RULE), id: "one-literal", message: "{key}", stages: [structuredClone(SEED_RULE.stages[0])] };
}

/** The modules bench:ab and this profile compare, by name. */
export function namedVariant(name: string): Uint8Array<ArrayBuffer> {
  if (name === "seed_rule") return new Uint8Array(readFileSync(FB_WASM));
  if (name === "seed_rule_ecs_and_audit_shapes") return variantModule([SEED_RULE], 2);
  if (name === "one_literal_rule") return variantModule([oneLiteralRule()], 2);
  throw new Error(`wasm-profile: unknown variant ${name} (seed_rule, seed_rule_ecs_and_audit_shapes, one_literal_rule)`);
}

export type Outcome = "passed" | "inspected" | "tagged";

/** Records and instructions per kind and outcome (what became of the record), for the module `bytes`. */
export function outcomes(bytes: Uint8Array<ArrayBuffer>, lines: Buffer[], nowMs: number): Map<string, { records: number; ops: number }> {
  const f = new FluentBitFilter(instrumentOps(bytes));
  const skipped = COUNTER_NAMES.indexOf("prefilter_skipped");
  const exports = f.x as unknown as WebAssembly.Exports;
  const rows = new Map<string, { records: number; ops: number }>();
  let ops = opsOf(exports);
  let passed = f.counter(skipped);
  for (const l of lines) {
    const out = f.call(l, nowMs);
    const nowOps = opsOf(exports);
    const nowPassed = f.counter(skipped);
    const outcome: Outcome = nowPassed > passed ? "passed" : out.equals(l) ? "inspected" : "tagged";
    const key = `${kindOf(l.toString("latin1"))}, ${outcome}`;
    const row = rows.get(key) ?? { records: 0, ops: 0 };
    row.records++;
    row.ops += Number(nowOps - ops);
    rows.set(key, row);
    // (reading the counters runs module code: counted from here on)
    ops = opsOf(exports);
    passed = nowPassed;
  }
  return rows;
}

function main(): void {
  const { values: args } = parseArgs({ options: { mb: { type: "string" }, top: { type: "string" }, variant: { type: "string" }, outcomes: { type: "boolean" } } });
  const corpus = buildCorpus({ bytes: Number(args.mb ?? 8) * 1e6, seed: 1 });
  const nowMs = corpusClock(corpus);
  const lines: Buffer[] = [];
  for (let s = 0, e = corpus.indexOf(10); e >= 0; s = e + 1, e = corpus.indexOf(10, s)) lines.push(corpus.subarray(s, e));
  if (args.outcomes) {
    const rows = [...outcomes(namedVariant(args.variant ?? "seed_rule"), lines, nowMs)].sort((a, b) => b[1].ops - a[1].ops);
    const total = rows.reduce((s, [, r]) => s + r.records, 0);
    for (const [key, r] of rows) {
      const share = ((100 * r.records) / total).toFixed(2).padStart(6);
      process.stdout.write(`${key.padEnd(22)} ${share} % of records  ${(r.ops / r.records).toFixed(0).padStart(7)} instructions each  ${(r.ops / total).toFixed(1).padStart(7)} of the average\n`);
    }
    const ops = rows.reduce((s, [, r]) => s + r.ops, 0);
    process.stdout.write(`all records            ${total} records  ${(ops / total).toFixed(1)} instructions each\n`);
    return;
  }
  const p = profile(namedVariant(args.variant ?? "seed_rule"), functionNames(FB_WASM.replace(/\.wasm$/, ".wat")), lines, nowMs);
  const top = Number(args.top ?? 12);
  for (const k of Object.keys(p.records) as Kind[]) {
    const rows = Object.entries(p.perFunction[k]).sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((s, r) => s + r[1], 0);
    process.stdout.write(`${k}: ${p.records[k]} records, ${total.toFixed(0)} instructions per record\n`);
    for (const [name, v] of rows.slice(0, top)) process.stdout.write(`  ${v.toFixed(1).padStart(9)}  ${name.replace(/^assembly\//, "")}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
