// Where a function's instructions go, run by run: `node build/bench/wasm-runs.js [--kind process] [--function
// REGEX] [--mb 4] [--top 20]` drives the Fluent Bit module record by record as filter_wasm does
// (host/fluent-bit/driver.ts) on a copy with a counter per straight-line run of the functions whose names match
// (bench/wasm-ops.ts, instrumentRuns), and prints, for the records of one kind, the runs that executed the most
// instructions per record: how often each ran per record, its length, and its instructions. The finer-grained
// companion of bench/wasm-profile.ts (per function), for work on the search's inner loops.
import { parseArgs } from "node:util";
import { FB_WASM, FluentBitFilter } from "../host/fluent-bit/driver.js";
import { buildCorpus, corpusClock } from "./corpus.js";
import { instrumentRuns, mnemonics } from "./wasm-ops.js";
import { functionNames, kindOf, namedVariant, type Kind } from "./wasm-profile.js";

function main(): void {
  const { values: args } = parseArgs({ options: { kind: { type: "string" }, function: { type: "string" }, mb: { type: "string" }, top: { type: "string" }, variant: { type: "string" } } });
  const kind = (args.kind ?? "process") as Kind;
  if (!["container", "process", "audit"].includes(kind)) throw new Error(`wasm-runs: --kind is container, process or audit, not ${kind}`);
  const names = functionNames(FB_WASM.replace(/\.wasm$/, ".wat"));
  const pick = new RegExp(args.function ?? "needles/");
  const { bytes, runs } = instrumentRuns(namedVariant(args.variant ?? "seed_rule"), (i) => pick.test(names[i] ?? ""));
  if (runs.length === 0) throw new Error(`wasm-runs: no function matches ${pick}`);
  const f = new FluentBitFilter(bytes);
  const x = f.x as unknown as Record<string, WebAssembly.Global>;
  const counters = runs.map((_, k) => x[`__run_${k}`]);
  const corpus = buildCorpus({ bytes: Number(args.mb ?? 4) * 1e6, seed: 1 });
  const nowMs = corpusClock(corpus);
  const sums = new Float64Array(runs.length);
  const before = new Float64Array(runs.length);
  let records = 0;
  for (let s = 0, e = corpus.indexOf(10); e >= 0; s = e + 1, e = corpus.indexOf(10, s)) {
    const line = corpus.subarray(s, e);
    const mine = kindOf(line.toString("latin1")) === kind;
    if (mine) for (let k = 0; k < runs.length; k++) before[k] = Number(counters[k].value as bigint);
    f.call(line, nowMs);
    if (!mine) continue;
    records++;
    for (let k = 0; k < runs.length; k++) sums[k] += Number(counters[k].value as bigint) - before[k];
  }
  const rows = runs.map((r, k) => ({ r, perRecord: sums[k] / Math.max(1, records) })).filter((o) => o.perRecord > 0).sort((a, b) => b.perRecord - a.perRecord);
  const total = rows.reduce((a, o) => a + o.perRecord, 0);
  process.stdout.write(`${kind}: ${records} records, ${total.toFixed(0)} instructions per record in functions matching ${pick}\n`);
  for (const { r, perRecord } of rows.slice(0, Number(args.top ?? 20))) {
    const times = perRecord / r.weight;
    process.stdout.write(`${perRecord.toFixed(0).padStart(8)}  ${times.toFixed(1).padStart(6)}× ${String(r.weight).padStart(3)}  ${(names[r.fn] ?? "?").replace(/^assembly\//, "")}: ${mnemonics(r.code).join(" ")}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
