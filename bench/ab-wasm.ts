// `node --no-liftoff --no-wasm-dynamic-tiering --no-wasm-lazy-compilation build/bench/ab-wasm.js --before other.wasm
// [--mb 32]`: two builds of the Node engine (another podprobe.wasm, e.g. built from an earlier commit, against
// build/podprobe.wasm) on the batch path, in one process, runs alternating: whole lines per 1 MiB batch copied in,
// processed, copied out into a fresh buffer (as host/engine.ts does); MB per CPU second, median of 7 each, and
// whether both wrote the same bytes. The A/B behind changes to the engine's batch path.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { compileRules } from "../host/rules/compile.js";
import { SEED_RULE } from "../host/rules/rule.js";
import { optionValues, wasmPath } from "../host/engine.js";
import { resolveOptions } from "../host/options.js";
import { buildCorpus, corpusClock } from "./corpus.js";

interface X {
  memory: WebAssembly.Memory;
  options_ptr(): number;
  options_count(): number;
  alloc(n: number): number;
  init(p: number, n: number): number;
  input_ptr(n: number): number;
  process(n: number, now: number): number;
  output_ptr(): number;
}

function engine(bytes: Uint8Array<ArrayBuffer>, program: Uint8Array, nowMs: number): (data: Uint8Array) => Buffer {
  const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as X;
  new Float64Array(x.memory.buffer, x.options_ptr(), x.options_count()).set(optionValues(resolveOptions({}, (k) => k)));
  const p = x.alloc(program.length + 16);
  new Uint8Array(x.memory.buffer, p, program.length).set(program);
  if (x.init(p, program.length) !== 0) throw new Error("engine init failed");
  return (data) => {
    const ip = x.input_ptr(data.length);
    new Uint8Array(x.memory.buffer).set(data, ip);
    const n = x.process(data.length, nowMs);
    const out = Buffer.allocUnsafeSlow(n);
    out.set(new Uint8Array(x.memory.buffer, x.output_ptr(), n));
    return out;
  };
}

function main(): void {
  const { values: args } = parseArgs({ options: { before: { type: "string" }, mb: { type: "string" } } });
  if (!args.before) throw new Error("--before <podprobe.wasm> is required");
  const corpus = buildCorpus({ bytes: Number(args.mb ?? 32) * 1e6, seed: 1 });
  const nowMs = corpusClock(corpus);
  const program = compileRules([SEED_RULE]);
  const batches: Buffer[] = [];
  for (let i = 0; i < corpus.length; ) {
    let e = Math.min(corpus.length, i + (1 << 20));
    if (e < corpus.length) e = corpus.lastIndexOf(10, e - 1) + 1;
    batches.push(corpus.subarray(i, e));
    i = e;
  }
  const builds = { before: new Uint8Array(readFileSync(args.before)), after: new Uint8Array(readFileSync(wasmPath())) };
  const runs: Record<string, number[]> = { before: [], after: [] };
  const outs: Record<string, Buffer> = {};
  for (let r = 0; r < 7; r++) {
    for (const k of ["before", "after"] as const) {
      const run = engine(builds[k], program, nowMs);
      const parts: Buffer[] = [];
      const u0 = process.cpuUsage();
      for (const b of batches) parts.push(run(b));
      const u = process.cpuUsage(u0);
      runs[k].push(corpus.length / 1e6 / ((u.user + u.system) / 1e6));
      if (r === 0) outs[k] = Buffer.concat(parts);
    }
  }
  const med = (x: number[]) => Math.round([...x].sort((a, b) => a - b)[3]);
  process.stdout.write(`batch path, MB per CPU second (median of 7, alternating): before ${med(runs.before)}, after ${med(runs.after)}; same output: ${outs.before.equals(outs.after)}\n`);
}

main();
