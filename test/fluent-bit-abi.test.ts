// SPEC §9 Fluent Bit: the filter_wasm module, driven from Node exactly as filter_wasm drives it.
import { spawnSync } from "node:child_process";
import { readFileSync, mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import { describe, expect, test } from "vitest";
import { COUNTER_NAMES } from "../host/index.js";
import { FB_WASM, FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { line, s1, s2raw, T0 } from "./helpers.js";

const C = (name: string) => COUNTER_NAMES.indexOf(name as never);
/** The literals of the seed rule's stage 2, so that a record holding them is inspected, not skipped. */
const LITERALS = '["forbid","ResponseComplete"]';

describe("module shape", () => {
  const mod = new WebAssembly.Module(readFileSync(FB_WASM));
  test("imports nothing (no env.abort, no WASI needed)", () => {
    expect(WebAssembly.Module.imports(mod)).toEqual([]);
  });
  test("exports the filter with filter_wasm's signature and exactly one allocator set", () => {
    const names = WebAssembly.Module.exports(mod).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(["podprobe_filter", "malloc", "free", "memory"]));
    expect(names.filter((n) => ["__new", "__pin", "__unpin"].includes(n))).toEqual([]);
    const f = new FluentBitFilter();
    expect(f.x.podprobe_filter.length).toBe(6);
    expect(f.x.podprobe_ready()).toBe(1);
  });
  test("uses no feature Fluent Bit's WAMR lacks (validates without SIMD, tail calls, GC, memory64)", () => {
    const m = binaryen.readBinary(readFileSync(FB_WASM));
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt | binaryen.Features.MutableGlobals | binaryen.Features.NontrappingFPToInt);
    expect(m.validate()).toBeTruthy();
    const text = m.emitText();
    expect(text).not.toMatch(/v128|i8x16|return_call|memory64|struct\.new/);
    m.dispose();
  });
  test("no recursion follows the record: the only call cycles are over the rule program — predicate trees, and a sample's at most 8 filters (Fluent Bit's stack is 8 KiB by default)", () => {
    const wat = readFileSync(fileURLToPath(new URL("../build/podprobe-fluent-bit.wat", import.meta.url)), "utf8");
    const calls = new Map<string, Set<string>>();
    let current = "";
    for (const l of wat.split("\n")) {
      const f = /^ \(func (\$\S+)/.exec(l);
      if (f) calls.set((current = f[1]), new Set());
      const c = /(?:^|[\s(])call (\$[^\s)]+)/.exec(l);
      if (c && current) calls.get(current)!.add(c[1]);
    }
    const cyclic = new Set<string>();
    const visit = (fn: string, path: string[]) => {
      for (const next of calls.get(fn) ?? []) {
        const i = path.indexOf(next);
        if (i >= 0) path.slice(i).forEach((x) => cyclic.add(x));
        else visit(next, [...path, next]);
      }
    };
    for (const fn of calls.keys()) visit(fn, [fn]);
    expect([...cyclic].sort()).toEqual(["$assembly/predicates/checkCode", "$assembly/predicates/evalNode", "$assembly/sample/augment"]);
    expect(calls.size).toBeGreaterThan(20);
  });

  test("a record nested 128 deep passes the filter (and 129 is invalid, unchanged)", () => {
    const f = new FluentBitFilter();
    // (it holds a required literal, so it is inspected)
    const deep = (n: number) => `{"d":${LITERALS},"a":` + '{"a":'.repeat(n - 2) + '{"b":1' + "}".repeat(n);
    expect(f.call(deep(128), T0).toString()).toBe(deep(128));
    expect(f.call(deep(129), T0).toString()).toBe(deep(129));
    expect(f.counter(C("invalid"))).toBe(1);
  });

  test("the Node build, by contrast, may use SIMD (one seam, chosen at build time)", () => {
    const text = readFileSync(fileURLToPath(new URL("../build/podprobe.wat", import.meta.url)), "utf8");
    expect(text).toMatch(/i8x16/);
  });
});

describe("records through the filter", () => {
  test("a sequence tags the completing record; everything else comes back byte-identical", () => {
    const f = new FluentBitFilter();
    const now = T0 + 5000;
    const recs = [line({ log: "hello", kubernetes: { pod_name: "x" } }), line(s1(0)), line(s2raw(300))];
    const outs = recs.map((r) => f.call(r, now).toString());
    expect(outs[0]).toBe(recs[0]);
    expect(outs[1]).toBe(recs[1]);
    const tagged = JSON.parse(outs[2]);
    expect(tagged.podprobe.alerts[0].sequence).toMatchObject({ index: 1, key: "pod-a" });
    expect(outs[2].startsWith(recs[2].slice(0, -1) + ',"podprobe":')).toBe(true);
    expect(f.counter(C("matches"))).toBe(1);
    expect(f.counter(C("alerts"))).toBe(0); // no alert records inside Fluent Bit
  });

  test("state survives between calls, as with Fluent Bit ≥ 4.1's persistent instance", () => {
    const f = new FluentBitFilter();
    f.call(line(s1(0, { pod: "keep" })), T0);
    for (let i = 0; i < 1000; i++) f.call(line({ n: i }), T0);
    expect(JSON.parse(f.call(line(s2raw(900, { pod: "keep" })), T0).toString()).podprobe).toBeDefined();
  });

  test("Event_Format json escapes non-ASCII: escaped records still match and pass unchanged", () => {
    const f = new FluentBitFilter();
    const asciiOnly = (s: string) => s.replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
    const a = asciiOnly(line(s1(0, { pod: "caf\u00e9-\u4e2d" })));
    const b = asciiOnly(line(s2raw(100, { pod: "caf\u00e9-\u4e2d" })));
    expect(f.call(a, T0).toString()).toBe(a);
    const out = JSON.parse(f.call(b, T0).toString());
    expect(out.podprobe.alerts[0].sequence.key).toBe("caf\u00e9-\u4e2d");
  });

  // bad records the prefilter cannot rule out (they hold the literals of a stage), and ones it can
  const BAD_INSPECTED = [`{"d":${LITERALS}`, LITERALS, `{"a":"\\x","d":${LITERALS}}`, LITERALS + "x".repeat(5000), `{"d":${LITERALS},"a":` + "[".repeat(200) + "]".repeat(200) + "}"];
  const BAD_PLAIN = ["{", "[1]", '{"a":"\\x"}', "x".repeat(5000), '{"a":' + "[".repeat(200) + "]".repeat(200) + "}"];

  test("bad input comes back byte-identical, never empty or NULL; invalid counts the records inspected", () => {
    const f = new FluentBitFilter();
    for (const bad of [...BAD_INSPECTED, ...BAD_PLAIN]) expect(f.call(bad, T0).toString()).toBe(bad);
    expect(f.call("", T0).toString()).toBe("{}");
    expect(f.counter(C("invalid"))).toBe(5);
    expect(f.counter(C("prefilter_skipped"))).toBe(5);
  });

  test('validate "all": every bad record is validated and counted', async () => {
    const f = new FluentBitFilter(await fluentBitVariant({ validate: "all" }));
    for (const bad of [...BAD_INSPECTED, ...BAD_PLAIN]) expect(f.call(bad, T0).toString()).toBe(bad);
    expect(f.counter(C("invalid"))).toBe(10);
    expect(f.counter(C("prefilter_skipped"))).toBe(0);
  }, 120_000);

  test("a record that leaves unchanged is answered with its own pointer (Fluent Bit copies it before freeing it)", () => {
    const f = new FluentBitFilter();
    const now = T0 + 5000;
    for (const rec of [line({ log: "hello", kubernetes: { pod_name: "x" } }), line(s1(0)), "{bad", line(s2raw(100, { decision: "allow" }))]) {
      expect(f.call(rec, now).toString()).toBe(rec);
      expect(f.lastResult).toBe(f.lastRecord);
    }
    // a tagged record is a new string in the module's memory
    const tagged = f.call(line(s2raw(300)), now).toString();
    expect(tagged).toContain('"podprobe":');
    expect(f.lastResult).not.toBe(f.lastRecord);
    expect(f.counter(C("prefilter_skipped"))).toBe(3);
  });

  test("records over max_record_bytes pass through", () => {
    const f = new FluentBitFilter();
    const big = JSON.stringify({ ...s1(0), pad: "p".repeat(1_100_000) });
    expect(f.call(big, T0).equals(Buffer.from(big))).toBe(true);
    expect(f.counter(C("oversize"))).toBe(1);
  });

  test("every call's tag and record copies come from the same place: the allocator starts over as the filter returns", () => {
    const f = new FluentBitFilter();
    const first = (f.call(line({ log: "hello" }), T0), f.lastRecord);
    for (const rec of [line(s1(0)), line({ log: "x".repeat(5000) }), line(s2raw(100)), "{bad"]) {
      f.call(rec, T0 + 1000);
      expect(f.lastRecord).toBe(first);
    }
    // a record larger than the arena comes from the heap; the next small one from the arena again
    f.call(line({ big: "c".repeat(70_000) }), T0 + 2000);
    expect(f.lastRecord).not.toBe(first);
    f.call(line({ log: "again" }), T0 + 3000);
    expect(f.lastRecord).toBe(first);
  });

  test("memory stays flat over 10^5 records (every call's memory is freed)", () => {
    const f = new FluentBitFilter();
    const recs = [line({ log: "a".repeat(200) }), line(s1(0)), line(s2raw(100)), "{bad", line({ big: "b".repeat(3000) }), line({ big: "c".repeat(70_000) })];
    for (let i = 0; i < 10_000; i++) f.call(recs[i % recs.length], T0 + i);
    const warm = f.memoryBytes();
    for (let i = 0; i < 100_000; i++) f.call(recs[i % recs.length].replace('"a-100"', `"a-${i}"`), T0 + 10_000 + i);
    expect(f.memoryBytes()).toBe(warm);
    expect(f.counter(C("records_in"))).toBe(110_000);
  });

  test("the record's Fluent Bit time bounds the watermark (max_future_ms)", () => {
    const f = new FluentBitFilter();
    f.call(line(s1(365 * 24 * 3600 * 1000, { pod: "future" })), T0); // a year ahead of the shipper clock
    f.call(line(s1(0)), T0);
    expect(JSON.parse(f.call(line(s2raw(100)), T0).toString()).podprobe).toBeDefined();
    expect(f.counter(C("late"))).toBe(0);
  });
});

const fluentBit = spawnSync("sh", ["-c", "command -v fluent-bit"], { encoding: "utf8" }).stdout.trim();
describe.skipIf(!fluentBit)(`a real fluent-bit binary${fluentBit ? "" : " (skipped: no fluent-bit on PATH)"}`, () => {
  test("runs the example config on a sample file and tags the sequence", () => {
    const dir = mkdtempSync(join(tmpdir(), "podprobe-fb-"));
    const input = join(dir, "in.ndjson");
    writeFileSync(input, [line(s1(0)), line(s2raw(300))].join("\n") + "\n");
    const conf = join(dir, "fluent-bit.conf");
    writeFileSync(conf, `[SERVICE]\n    Flush 1\n[INPUT]\n    Name tail\n    Path ${input}\n    Parser json\n    Read_from_Head on\n    Exit_On_Eof on\n[FILTER]\n    Name wasm\n    Match *\n    Event_Format json\n    WASM_Path ${FB_WASM}\n    Function_Name podprobe_filter\n    Accessible_Paths ${dir}\n[OUTPUT]\n    Name stdout\n    Match *\n    Format json_lines\n`);
    const r = spawnSync(fluentBit, ["-c", conf, "-R", fileURLToPath(new URL("../examples/fluent-bit/parsers.conf", import.meta.url))], { encoding: "utf8", timeout: 30_000 });
    expect(existsSync(FB_WASM)).toBe(true);
    expect(r.stdout).toContain('"podprobe"');
  });
});

test("the Fluent Bit build embeds a chosen rule set (every example rule)", async () => {
  const { loadRuleFiles } = await import("../host/index.js");
  const rules = loadRuleFiles([fileURLToPath(new URL("../examples/rules", import.meta.url))]).rules;
  const f = new FluentBitFilter(await fluentBitVariant({}, rules));
  // a single-event rule of the set (bearer token in args) tags the record on its own
  const rec = line(s1(0, { name: "curl", args: ["curl", "-H", "Authorization: Bearer x", "https://k8s"] }));
  const tagged = JSON.parse(f.call(rec, T0).toString());
  expect(tagged.podprobe.alerts.map((a: { rule: { name: string } }) => a.rule.name)).toContain("Bearer Token in Process Arguments");
  // and the seed rule's sequence still completes
  const s2 = JSON.parse(f.call(line(s2raw(300)), T0).toString());
  expect(s2.podprobe.alerts.map((a: { rule: { id: string } }) => a.rule.id)).toContain("5d1c962d-5d2a-48d4-bdcf-e980e3914947");
}, 120_000);
