// SPEC §4 per-source watermarks (Flink's model): each source keeps its own newest candidate time; lateness is
// judged against the minimum over active sources; a source silent for source_idle_ms of host clock stops holding
// it back and counts again when it sends; sources are bounded (max_sources, sources_dropped).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCorrelator, COUNTER_NAMES } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { line, parseOutput, s1, s2raw, SMALL, T0 } from "./helpers.js";
import { rng } from "../host/cli/sample.js";

/**
 * A node catching up after a shipper restart: the control plane's audit lines (one source) arrive as one
 * backlog before anything of the two nodes' process streams (two more sources), with plain container logs in
 * between. Planted: one exec→forbid sequence per pod, spread over 60 s of event time.
 */
function backlog(seed: number) {
  const r = rng(seed);
  const audit: string[] = [];
  const nodeA: string[] = [];
  const nodeB: string[] = [];
  const logs: string[] = [];
  for (let i = 0; i < 12; i++) {
    const at = i * 5000 + Math.floor(r() * 1000);
    const pod = `pod-${i}`;
    (i % 2 ? nodeA : nodeB).push(line(s1(at, { pod, pid: i })));
    audit.push(line(s2raw(at + 200 + Math.floor(r() * 700), { pod, auditId: `a${i}` })));
  }
  for (let i = 0; i < 40; i++) logs.push(line({ log: `ordinary line ${i}`, stream: "stdout" }));
  return { audit, nodeA, nodeB, logs };
}

/** Feeds the streams one record per write (so the engine sees many small batches): the audit backlog first. */
function replay(perSource: boolean, seed = 1) {
  const { audit, nodeA, nodeB, logs } = backlog(seed);
  const c = createCorrelator({ ...SMALL, clock: () => T0 + 70_000 });
  const out: Buffer[] = [];
  const send = (l: string, source: string) => out.push(c.write(l + "\n", perSource ? { source } : undefined));
  for (const l of audit) send(l, "audit");
  const r = rng(seed + 1);
  let a = 0;
  let b = 0;
  let k = 0;
  while (a < nodeA.length || b < nodeB.length || k < logs.length) {
    const x = r();
    if (x < 0.3 && a < nodeA.length) send(nodeA[a++], "node-a");
    else if (x < 0.6 && b < nodeB.length) send(nodeB[b++], "node-b");
    else if (k < logs.length) send(logs[k++], "node-a-logs");
    else if (a < nodeA.length) send(nodeA[a++], "node-a");
    else send(nodeB[b++], "node-b");
  }
  out.push(c.end());
  return parseOutput(Buffer.concat(out).toString("utf8"), c);
}

test("one source's whole backlog first, times over 60 s: with a watermark per source every planted sequence is found", () => {
  for (const seed of [1, 2, 3]) {
    const r = replay(true, seed);
    expect(r.stats.late).toBe(0);
    expect(r.stats.matches).toBe(12);
    expect(new Set(r.alerts.map((a) => a.podprobe.sequence.key)).size).toBe(12);
    // process events, audit lines: three sources held the watermark (plain logs never resolve a source)
    expect(r.stats.sources_active).toBe(3);
    expect(r.records).toHaveLength(12 + 12 + 40);
  }
});

test("the same stream as one source (the model off) misses them: the backlog's newest time made the process events late", () => {
  const r = replay(false);
  expect(r.stats.late).toBeGreaterThan(6);
  expect(r.stats.matches).toBeLessThan(6);
  expect(r.stats.sources_active).toBe(1);
});

test("a source silent for source_idle_ms stops holding the watermark back, and counts again when it sends", () => {
  let now = T0;
  const c = createCorrelator({ ...SMALL, clock: () => now, maxFutureMs: 3_600_000 });
  const w = (rec: unknown, source: string) => c.write(line(rec) + "\n", { source });
  w(s1(0, { pod: "slow-0" }), "slow");
  w(s1(40_000, { pod: "fast-0" }), "fast");
  // "slow" is active (newest 0): a record of "fast" 38 s behind its own newest is not late
  w(s1(2_000, { pod: "fast-1" }), "fast");
  expect(c.stats().late).toBe(0);
  expect(c.stats().sources_active).toBe(2);
  // 30 s of host clock without a candidate from "slow": it no longer holds the watermark (fast's 40 s − 5 s)
  now = T0 + 31_000;
  w(s1(41_000, { pod: "fast-2" }), "fast");
  w(s1(3_000, { pod: "fast-3" }), "fast");
  expect(c.stats().late).toBe(1);
  expect(c.stats().sources_active).toBe(1);
  // "slow" sends again: active again, its newest (1 s) holds the watermark back once more
  w(s1(1_000, { pod: "slow-1" }), "slow");
  w(s1(4_000, { pod: "fast-4" }), "fast");
  expect(c.stats().late).toBe(1);
  expect(c.stats().sources_active).toBe(2);
  // with a short idle time, the same silence releases it sooner
  const quick = createCorrelator({ ...SMALL, clock: () => now, sourceIdleMs: 1000 });
  now = T0;
  quick.write(line(s1(0, { pod: "q0" })) + "\n", { source: "slow" });
  quick.write(line(s1(40_000, { pod: "q1" })) + "\n", { source: "fast" });
  now = T0 + 1500;
  quick.write(line(s1(3_000, { pod: "q2" })) + "\n", { source: "fast" });
  expect(quick.stats().late).toBe(1);
});

test("max_sources bounds the table: beyond it the oldest idle source is dropped (sources_dropped)", () => {
  let now = T0;
  const c = createCorrelator({ ...SMALL, clock: () => now, maxSources: 2 });
  const w = (rec: unknown, source: string) => c.write(line(rec) + "\n", { source });
  w(s1(0, { pod: "a" }), "a");
  now = T0 + 20_000;
  w(s1(30_000, { pod: "b" }), "b");
  now = T0 + 35_000; // "a" idle, "b" not
  w(s1(31_000, { pod: "c" }), "c");
  let s = c.stats();
  expect(s.sources_dropped).toBe(1);
  expect(s.sources_active).toBe(2);
  // "a" was forgotten: when it sends again it is a new source, and the table stays at its cap
  w(s1(32_000, { pod: "a2" }), "a");
  s = c.stats();
  expect(s.sources_dropped).toBe(2);
  expect(s.sources_active).toBeLessThanOrEqual(2);
  expect(s.state_bytes).toBeLessThanOrEqual(s.max_state_bytes);
});

test("a source's time never runs past the host clock + max_future_ms", () => {
  const c = createCorrelator({ ...SMALL, clock: () => T0 + 10_000 });
  c.write(line(s1(0, { pod: "x" })) + "\n", { source: "a" });
  // a wrong clock on source b: a year ahead, it never becomes b's newest time
  c.write(line(s1(365 * 24 * 3600 * 1000, { pod: "skewed" })) + "\n", { source: "b" });
  c.write(line(s1(1000, { pod: "y" })) + "\n", { source: "b" });
  c.write(line(s2raw(1200, { pod: "y" })) + "\n", { source: "b" });
  expect(c.stats().late).toBe(0);
  expect(c.stats().matches).toBe(1);
});

test("source_field names the source in the record; without the field the write's source counts", () => {
  let now = T0;
  const c = createCorrelator({ ...SMALL, clock: () => now, sourceField: "source_type" });
  const w = (rec: Record<string, unknown>) => c.write(line(rec) + "\n");
  w({ ...s1(0, { pod: "p0" }), source_type: "file" });
  w({ ...s1(40_000, { pod: "p1" }), source_type: "kubernetes_logs" });
  // "file" (newest 0) holds the watermark back for kubernetes_logs' records
  w({ ...s1(2_000, { pod: "p2" }), source_type: "kubernetes_logs" });
  expect(c.stats().late).toBe(0);
  expect(c.stats().sources_active).toBe(2);
  // one source for all: the same records make the third one late
  const one = createCorrelator({ ...SMALL, clock: () => now });
  for (const rec of [s1(0, { pod: "p0" }), s1(40_000, { pod: "p1" }), s1(2_000, { pod: "p2" })]) one.write(line(rec) + "\n");
  expect(one.stats().late).toBe(1);
});

test("a partial line waits for the rest of its own source's stream", () => {
  const c = createCorrelator({ ...SMALL, clock: () => T0 + 10_000 });
  const a = line(s1(0));
  const b = line({ log: "from b" });
  let out = c.write(a.slice(0, 30), { source: "a" });
  out = Buffer.concat([out, c.write(b + "\n", { source: "b" })]);
  out = Buffer.concat([out, c.write(a.slice(30) + "\n", { source: "a" }), c.end()]);
  expect(out.toString().split("\n").filter(Boolean)).toEqual([b, a]);
});

test("CLI: one source unless --source-field names the record field that tells the streams apart", () => {
  const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
  const tagged = (rec: Record<string, unknown>, source_type: string) => line({ ...rec, source_type });
  const audits = Array.from({ length: 8 }, (_, i) => tagged(s2raw(i * 7000 + 300, { pod: `p${i}` }), "file"));
  const procs = Array.from({ length: 8 }, (_, i) => tagged(s1(i * 7000, { pod: `p${i}` }), "kubernetes_logs"));
  const input = [...audits, ...procs].join("\n") + "\n";
  const stats = (args: string[]) => JSON.parse(spawnSync(process.execPath, [BIN, "--stats", ...args], { input, encoding: "utf8" }).stderr.trim());
  const split = stats(["--source-field", "source_type"]);
  expect(split).toMatchObject({ matches: 8, late: 0, sources_active: 2 });
  const one = stats([]);
  expect(one.late).toBeGreaterThan(4);
  expect(one.matches).toBeLessThan(4);
});

test("Fluent Bit: the record's tag is its source (filter_wasm passes it to podprobe_filter)", () => {
  const audits = Array.from({ length: 8 }, (_, i) => line(s2raw(i * 7000 + 300, { pod: `p${i}` })));
  const procs = Array.from({ length: 8 }, (_, i) => line(s1(i * 7000, { pod: `p${i}` })));
  const run = (auditTag: string, processTag: string) => {
    const fb = new FluentBitFilter();
    let tagged = 0;
    for (const l of audits) fb.call(l, T0 + 60_000, auditTag);
    for (const l of procs) if (fb.call(l, T0 + 60_000, processTag).toString().includes('"podprobe":{"alerts"')) tagged++;
    return { tagged, late: fb.counter(COUNTER_NAMES.indexOf("late")), sources: fb.counter(COUNTER_NAMES.indexOf("sources_active")) };
  };
  expect(run("kube.audit", "kube.process")).toEqual({ tagged: 8, late: 0, sources: 2 });
  const one = run("kube.all", "kube.all");
  expect(one.late).toBeGreaterThan(4);
  expect(one.tagged).toBeLessThan(4);
});

test("the source options are validated before the first record, naming the option and the value", () => {
  expect(() => createCorrelator({ maxSources: 0 })).toThrow(/option maxSources: must be 1 to 65536 \(got 0\)/);
  expect(() => createCorrelator({ sourceIdleMs: 1.5 })).toThrow(/option sourceIdleMs: expected an integer \(got 1.5\)/);
  expect(() => createCorrelator({ sourceField: 7 as unknown as string })).toThrow(/option sourceField: expected a record field name \(got 7\)/);
  expect(() => createCorrelator({ maxKeysPerRecord: 257 })).toThrow(/option maxKeysPerRecord: must be 1 to 256 \(got 257\)/);
});
