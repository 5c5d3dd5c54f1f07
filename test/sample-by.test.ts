// EQL `sample by`: per key, one distinct event for each filter, in any order and at any distance in time — what
// Elasticsearch's sample execution returns for a key (x-pack/plugin/eql …/execution/sample/SampleIterator.java:
// per key and filter it takes a few matching documents, with no time order, and matchSamples picks distinct
// documents one per filter by backtracking; a key without a document for some filter has no sample). Streaming,
// a key reports a sample when its candidates first hold one; those events are then used.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { describe, expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { rng } from "../host/cli/sample.js";
import type { SequenceRule } from "../host/index.js";
import { run, ts } from "./helpers.js";

const rule = (name: string) => ruleFromToml(parseToml(readFileSync(fileURLToPath(new URL(`./rules/${name}`, import.meta.url)), "utf8")), name);
const TWO = [rule("sample-by.toml")];
const THREE = [rule("sample-three-filters.toml")];

// sample by host.id, process.pid, process.name [exec of /tmp/*] [network start to port 4444]
const exec = (ms: number, pid: number, id: string, o: { exe?: string; name?: string } = {}) => ({
  "@timestamp": ts(ms),
  event: { category: ["process"], action: "exec", id },
  host: { id: "h1" },
  process: { pid, name: o.name ?? "payload", executable: o.exe ?? "/tmp/payload" },
});
const conn = (ms: number, pid: number, id: string, o: { port?: number; name?: string } = {}) => ({
  "@timestamp": ts(ms),
  event: { category: ["network"], type: ["start"], id },
  host: { id: "h1" },
  process: { pid, name: o.name ?? "payload" },
  destination: { port: o.port ?? 4444, ip: "198.51.100.9" },
});
// events are told apart by their times
const times = (a: Record<string, any>) => a.podprobe.events.map((e: Record<string, unknown>) => e["@timestamp"]);
const ids = (a: Record<string, any>) => a.podprobe.events.map((e: Record<string, unknown>) => e.id);

test("one event per filter with the same keys, in either order and hours apart", () => {
  for (const recs of [[exec(0, 7, "e1"), conn(1000, 7, "n1")], [conn(0, 7, "n1"), exec(3 * 3600_000, 7, "e1")]]) {
    const r = run(recs, { rules: TWO, latenessMs: 86_400_000 });
    expect(r.stats.matches).toBe(1);
    expect(r.alerts[0].podprobe.sequence.key).toBe("h1/7/payload");
    expect(r.alerts[0].podprobe.events).toHaveLength(2);
    // the record that completes the sample is tagged with the filter it fills
    expect(r.tagged).toHaveLength(1);
    expect(r.tagged[0].tag.alerts[0].sequence.index).toBe(recs[1] === recs.find((x) => "destination" in x) ? 1 : 0);
  }
});

test("a sample has no order: a candidate hours behind the watermark is not late", () => {
  const r = run([conn(3 * 3600_000, 7, "n1"), exec(0, 7, "e1")], { rules: TWO });
  expect(r.stats.late).toBe(0);
  expect(r.stats.matches).toBe(1);
  expect(r.tagged[0].tag.alerts[0].sequence.index).toBe(0);
});

test("with hold_ms, a record of any filter waits for its partners and leaves tagged with them", () => {
  const r = run([conn(0, 7, "n1"), exec(10, 7, "e1")], { rules: TWO, holdMs: 5000 });
  expect(r.stats.matches).toBe(1);
  expect(r.tagged.map((t) => t.tag.alerts[0].sequence.index).sort()).toEqual([0, 1]);
  expect(r.records).toHaveLength(2);
});

test("no sample: another process, another name, a filter not met, or one record for two filters", () => {
  expect(run([exec(0, 7, "e1"), conn(10, 8, "n1")], { rules: TWO }).stats.matches).toBe(0);
  expect(run([exec(0, 7, "e1"), conn(10, 7, "n1", { name: "other" })], { rules: TWO }).stats.matches).toBe(0);
  expect(run([exec(0, 7, "e1"), conn(10, 7, "n1", { port: 80 })], { rules: TWO }).stats.matches).toBe(0);
  // a record matching both filters fills only one of them
  const both = { ...exec(0, 7, "b1"), event: { category: ["process", "network"], type: ["start"], action: "exec", id: "b1" }, destination: { port: 4444 } };
  expect(run([both], { rules: TWO }).stats.matches).toBe(0);
  const r = run([both, conn(5, 7, "n2")], { rules: TWO });
  expect(r.stats.matches).toBe(1);
  expect(times(r.alerts[0])).toEqual([ts(0), ts(5)]);
});

test("a sample's events are used: the key reports again only when new events make a second sample", () => {
  const r = run([exec(0, 7, "e1"), conn(10, 7, "n1"), conn(20, 7, "n2"), exec(30, 7, "e2")], { rules: TWO });
  expect(r.alerts.map(times)).toEqual([[ts(0), ts(10)], [ts(30), ts(20)]]);
  expect(run([exec(0, 7, "e1"), conn(10, 7, "n1"), conn(20, 7, "n2")], { rules: TWO }).stats.matches).toBe(1);
});

test("three filters of a reverse shell, in all six orders; the Elastic-format rule as written", () => {
  const shell = { "@timestamp": ts(0), event: { category: ["process"], type: ["start"], action: "executed", id: "s" }, host: { id: "h" }, process: { pid: 9, name: "bash", parent: { pid: 1 } } };
  const sock = { "@timestamp": ts(5), event: { category: ["process"], id: "k" }, host: { id: "h" }, process: { pid: 9, name: "bash", parent: { pid: 1 } }, auditd: { data: { syscall: "socket", a1: "2" } } };
  const net = { "@timestamp": ts(9), event: { category: ["network"], type: ["start"], action: "connected-to", id: "n" }, host: { id: "h" }, process: { pid: 9, name: "bash", parent: { pid: 1 } }, network: { direction: "egress" }, destination: { ip: "203.0.113.5" } };
  const orders = [[shell, sock, net], [shell, net, sock], [sock, shell, net], [sock, net, shell], [net, shell, sock], [net, sock, shell]];
  for (const o of orders) {
    const r = run(o, { rules: THREE });
    expect(r.stats.matches).toBe(1);
    expect(times(r.alerts[0])).toEqual([ts(0), ts(5), ts(9)]);
    expect(r.alerts[0].podprobe.sequence.key).toBe("h/9/1");
  }
  expect(run([shell, sock, { ...net, destination: { ip: "127.0.0.1" } }], { rules: THREE }).stats.matches).toBe(0);
});

// ── randomized: the online answer against the definition ─────────────────────────────────────────────────────
// Events of a few keys, each matching one or two of three filters, in random order. Properties: every reported
// sample is one distinct event per filter of one key, each event in at most one sample of its key; a key is
// reported exactly when its events hold a sample at all (Elasticsearch's answer for the key); and when the
// stream ends, no key's unused events hold another sample (each was reported when its last event arrived).

interface Ev {
  id: number;
  key: string;
  filters: number[];
}

/** Whether events can fill filters 0..n-1 with distinct events (brute force over assignments). */
function hasSample(evs: Ev[], n: number): boolean {
  const fill = (f: number, used: Set<number>): boolean => {
    if (f === n) return true;
    for (const e of evs) if (!used.has(e.id) && e.filters.includes(f) && fill(f + 1, new Set([...used, e.id]))) return true;
    return false;
  };
  return fill(0, new Set());
}

const filterRule: SequenceRule = {
  id: "random-sample",
  name: "random sample",
  severity: 21,
  riskScore: 21,
  threat: [],
  sample: true,
  stages: [0, 1, 2].map((i) => ({ when: { eq: "tags", values: [`f${i}`] }, keys: ["k"], namespace: { field: "ns", from: "value" as const }, time: "@timestamp", summary: [{ name: "id" }] })),
  message: "{key}",
};

describe("randomized samples: valid, used once, every key with a sample reported, none left behind", () => {
  for (let seed = 1; seed <= 60; seed++) {
    test(`seed ${seed}`, () => {
      const r = rng(seed);
      const keys = ["a", "b", "c", "d"].slice(0, 1 + Math.floor(r() * 4));
      const events: Ev[] = Array.from({ length: 5 + Math.floor(r() * 25) }, (_, id) => {
        const f = Math.floor(r() * 3);
        return { id, key: keys[Math.floor(r() * keys.length)], filters: r() < 0.2 ? [f, (f + 1 + Math.floor(r() * 2)) % 3] : [f] };
      });
      const recs = events.map((e) => ({ "@timestamp": ts(Math.floor(r() * 1e6)), id: e.id, k: e.key, tags: e.filters.map((f) => `f${f}`) }));
      const res = run(recs, { rules: [filterRule], ringCapacity: 64, maxKeys: 64 });
      expect(res.stats.ring_overwrites + res.stats.keys_evicted).toBe(0);
      const byId = new Map(events.map((e) => [e.id, e]));
      const used = new Set<number>();
      for (const a of res.alerts) {
        const evs = ids(a).map((id: number) => byId.get(id)!);
        expect(evs).toHaveLength(3);
        evs.forEach((e: Ev, f: number) => {
          expect(e.filters).toContain(f);
          expect(e.key).toBe(a.podprobe.sequence.key);
          expect(used.has(e.id)).toBe(false);
          used.add(e.id);
        });
      }
      for (const k of keys) {
        const mine = events.filter((e) => e.key === k);
        const reported = res.alerts.some((a) => a.podprobe.sequence.key === k);
        expect(reported).toBe(hasSample(mine, 3));
        expect(hasSample(mine.filter((e) => !used.has(e.id)), 3)).toBe(false);
      }
    });
  }
});

test("the generator makes keys with and without samples, and events for two filters (the test can fail)", () => {
  let withSample = 0;
  let without = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(seed);
    const keys = ["a", "b", "c", "d"].slice(0, 1 + Math.floor(r() * 4));
    const events: Ev[] = Array.from({ length: 5 + Math.floor(r() * 25) }, (_, id) => {
      const f = Math.floor(r() * 3);
      return { id, key: keys[Math.floor(r() * keys.length)], filters: r() < 0.2 ? [f, (f + 1 + Math.floor(r() * 2)) % 3] : [f] };
    });
    for (const k of keys) (hasSample(events.filter((e) => e.key === k), 3) ? withSample++ : without++);
  }
  expect(withSample).toBeGreaterThan(40);
  expect(without).toBeGreaterThan(10);
});
