// The bench's deterministic cost proxy for Fluent Bit (bench/wasm-ops.ts): WASM instructions executed per record,
// counted on an instrumented copy of the module. The count itself is checked on a hand-made function, and the
// Fluent Bit module's count on a small fixed corpus must stay under a bound well above today's (no timings).
import binaryen from "binaryen";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { doNothingModule, instrumentOps, instrumentRuns, mnemonics, opsOf } from "../bench/wasm-ops.js";
import { buildCorpus, corpusClock } from "../bench/corpus.js";
import { FB_WASM, FluentBitFilter } from "../host/fluent-bit/driver.js";

/** A module whose f(n) counts to n in a loop: 8 instructions per turn, then 1 to return. */
function loopModule(): Uint8Array {
  const m = binaryen.parseText(`(module
    (func (export "f") (param $n i32) (result i32) (local $i i32)
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $i)))`);
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

test("the counter adds each straight-line run's instructions as it runs (loop: 8 per turn, then 1)", () => {
  const bytes = loopModule();
  const x = new WebAssembly.Instance(new WebAssembly.Module(instrumentOps(bytes)), {}).exports as WebAssembly.Exports & { f(n: number): number };
  expect(x.f(5)).toBe(5);
  expect(opsOf(x)).toBe(8n * 5n + 1n);
  x.f(1);
  expect(opsOf(x)).toBe(41n + 9n);
});

test("per-run counters split the count by straight-line run (the loop's body 5 times, then the return)", () => {
  const bytes = loopModule();
  const { bytes: counted, runs } = instrumentRuns(bytes, () => true);
  const x = new WebAssembly.Instance(new WebAssembly.Module(counted), {}).exports as WebAssembly.Exports & { f(n: number): number };
  expect(x.f(5)).toBe(5);
  const per = runs.map((r, k) => Number((x[`__run_${k}`] as WebAssembly.Global).value as bigint) / r.weight);
  expect(runs.map((r) => r.weight)).toEqual([8, 1]);
  expect(per).toEqual([5, 1]);
  expect(opsOf(x)).toBe(41n);
  expect(mnemonics(runs[0].code)).toEqual(["local.get", "i32.const", "i32.add", "local.set", "local.get", "local.get", "i32.lt_u", "br_if"]);
});

test("the do-nothing module answers with the record pointer it was given", () => {
  const f = new FluentBitFilter(doNothingModule());
  expect(f.call('{"a":1}', 0).toString()).toBe('{"a":1}');
  expect(f.lastResult).toBe(f.lastRecord);
});

test("instructions per record through the Fluent Bit entry stay low on a fixed corpus (measured ~1,900; was 2,450 before the packed group-0 blocks, early-stopping second step and cheaper parse, 12,900 before the prefilter)", () => {
  const corpus = buildCorpus({ bytes: 2e6, seed: 1 });
  const now = corpusClock(corpus);
  const f = new FluentBitFilter(instrumentOps(readFileSync(FB_WASM)));
  const nothing = new FluentBitFilter(instrumentOps(doNothingModule()));
  let records = 0;
  for (let s = 0, e = corpus.indexOf(10); e >= 0; s = e + 1, e = corpus.indexOf(10, s)) {
    f.call(corpus.subarray(s, e), now);
    nothing.call(corpus.subarray(s, e), now);
    records++;
  }
  const perRecord = Number(opsOf(f.x as unknown as WebAssembly.Exports)) / records;
  expect(perRecord).toBeLessThan(2100);
  expect(Number(opsOf(nothing.x as unknown as WebAssembly.Exports)) / records).toBeLessThan(100);
}, 60_000);
