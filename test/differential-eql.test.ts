// Randomized differential test against a reference model of EQL's `sequence by … with maxspan` (SPEC §4),
// with fixed seeds: the seed rule's pairs, and sequences of 2 to 8 stages joined on one or two fields, with
// and without maxspan. Time-ordered streams: podprobe reports exactly EQL's sequences. Streams shuffled within
// lateness (no eviction): every reported sequence is valid, and every key EQL reports is reported.
import { describe, expect, test } from "vitest";
import { run, s1, s2ecs, s2raw, ts, T0 } from "./helpers.js";
import { rng, containerLog } from "../host/cli/sample.js";
import type { SequenceRule } from "../host/index.js";

interface Ev {
  id: number;
  stage: 0 | 1;
  key: string;
  ns: bigint; // event time, ns since T0
}

const MAXSPAN = 1_000_000_000n;

/** EQL: events sorted by (time, arrival); per key only the most recent stage 1 waits; a pair consumes it. */
function eqlPairs(events: Ev[]): [number, number][] {
  const sorted = [...events].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0)); // stable: ties keep arrival order
  const waiting = new Map<string, Ev>();
  const pairs: [number, number][] = [];
  for (const e of sorted) {
    if (e.stage === 1) {
      const w = waiting.get(e.key);
      if (w && e.ns - w.ns <= MAXSPAN) {
        pairs.push([w.id, e.id]);
        waiting.delete(e.key);
      }
    } else waiting.set(e.key, e);
  }
  return pairs;
}

function toRecord(e: Ev, r: () => number): unknown {
  const ms = Number(e.ns / 1_000_000n);
  const time = ts(ms, Number(e.ns % 1_000_000n));
  if (e.stage === 0) return s1(0, { pod: e.key, pid: e.id, time });
  return r() < 0.5 ? s2raw(0, { pod: e.key, auditId: `a${e.id}`, time }) : s2ecs(0, { pod: e.key, auditId: `a${e.id}`, time });
}

/** Pairs podprobe reported, as [stage-1 id, stage-2 id], read from the tags. */
function reportedPairs(res: ReturnType<typeof run>): [number, number][] {
  return res.tagged.flatMap((t) => {
    const rec = JSON.parse(t.line);
    return t.tag.alerts.map((a: any): [number, number] => {
      if (a.sequence.index === 1) return [a.peer["process.pid"], Number(String(rec.auditID ?? rec.kubernetes.audit.auditID).slice(1))];
      return [rec.process.pid, Number(String(a.peer["kubernetes.audit.auditID"]).slice(1))];
    });
  });
}

function generate(seed: number, ties: boolean): Ev[] {
  const r = rng(seed);
  const keys = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => `pod-${i}`);
  const n = 20 + Math.floor(r() * 120);
  const events: Ev[] = [];
  let t = 0n;
  for (let id = 0; id < n; id++) {
    // steps around the maxspan, sometimes zero (ties), sometimes exactly on 1 s boundaries
    const pick = r();
    const step = ties && pick < 0.15 ? 0n : pick < 0.25 ? 1_000_000_000n : BigInt(Math.floor(r() * 700_000_000)) + (ties ? 0n : 1n);
    t += step;
    events.push({ id, stage: r() < 0.45 ? 0 : 1, key: keys[Math.floor(r() * keys.length)], ns: t });
  }
  return events;
}

const key = (p: [number, number]) => `${p[0]}>${p[1]}`;

/** Records that are no candidates, between the events: container logs and near misses of both stages. */
function withNoise(records: unknown[], r: () => number): unknown[] {
  const noise = () => [containerLog(r, T0, ["pod-0", "pod-1"]), s1(0, { name: "ls", args: ["ls"], pod: "pod-0" }), s2raw(0, { decision: "allow", pod: "pod-1" })][Math.floor(r() * 3)];
  return records.flatMap((x) => (r() < 0.5 ? [noise(), x] : [x]));
}

describe("time-ordered streams: identical pairs to EQL", () => {
  for (const validate of ["candidates", "all"] as const) {
    for (let seed = 1; seed <= 150; seed++) {
      test(`seed ${seed} (validate ${validate}, with records that are no candidates between them)`, () => {
        const events = generate(seed, true);
        const r = rng(seed * 7);
        const res = run(withNoise(events.map((e) => toRecord(e, r)), r), { latenessMs: 600_000, validate });
        const want = eqlPairs(events).map(key).sort();
        const got = reportedPairs(res).map(key).sort();
        expect(got).toEqual(want);
        expect(res.stats.matches).toBe(want.length);
        expect(res.stats.prefilter_skipped > 0).toBe(validate === "candidates");
      });
    }
  }
});

describe("shuffled within lateness: every pair valid, every EQL key reported", () => {
  for (let seed = 1; seed <= 150; seed++) {
    test(`seed ${seed}`, () => {
      const events = generate(1000 + seed, false);
      const r = rng(seed * 13);
      // displace each event by up to 3 s of event time: well inside lateness_ms = 5000
      const arrival = events.map((e) => ({ e, at: Number(e.ns) / 1e6 + r() * 3000 })).sort((a, b) => a.at - b.at).map((x) => x.e);
      const res = run(arrival.map((e) => toRecord(e, r)), { ringCapacity: 64, maxKeys: 64 });
      expect(res.stats.late).toBe(0);
      expect(res.stats.ring_overwrites + res.stats.keys_evicted).toBe(0);
      const byId = new Map(events.map((e) => [e.id, e]));
      const got = reportedPairs(res);
      for (const [a, b] of got) {
        const e1 = byId.get(a)!;
        const e2 = byId.get(b)!;
        expect(e1.stage).toBe(0);
        expect(e2.stage).toBe(1);
        expect(e1.key).toBe(e2.key);
        expect(e1.ns < e2.ns).toBe(true);
        expect(e2.ns - e1.ns <= MAXSPAN).toBe(true);
      }
      const used = got.flatMap(([a]) => [a]);
      expect(new Set(used).size).toBe(used.length); // each stage 1 joins at most one sequence
      const wantKeys = new Set(eqlPairs(events).map(([a]) => byId.get(a)!.key));
      const gotKeys = new Set(got.map(([a]) => byId.get(a)!.key));
      for (const k of wantKeys) expect(gotKeys.has(k)).toBe(true);
    });
  }
});

test("the generator produces sequences, ties and near misses (the test can fail)", () => {
  let pairs = 0;
  let ties = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const ev = generate(seed, true);
    pairs += eqlPairs(ev).length;
    ties += ev.filter((e, i) => i > 0 && e.ns === ev[i - 1].ns).length;
  }
  expect(pairs).toBeGreaterThan(300);
  expect(ties).toBeGreaterThan(300);
});

// ── sequences of 2 to 8 stages, joined on one or two fields (array values: every combination) ─────────────
// The reference is Elasticsearch's SequenceMatcher: per key and stage a group of partial sequences; an event of
// stage s takes the latest partial of stage s−1 before it, removing it and every earlier one from the group, and
// extends it when the span from its first event is within maxspan (strictly greater is rejected).

interface NEv {
  id: number;
  stages: number[];
  keys: string[][]; // per join field, its values (an array value when more than one)
  ns: bigint;
}

interface Found {
  key: string;
  ids: number[];
}

/** Every key combination of an event: the values of each field, in field order, joined by "/". */
function combos(e: NEv): string[] {
  return e.keys.reduce<string[]>((acc, vals) => acc.flatMap((a) => vals.map((v) => (a === "" ? v : `${a}/${v}`))), [""]);
}

function eqlN(events: NEv[], n: number, maxspan: bigint | undefined): Found[] {
  const sorted = [...events].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0)); // stable: ties keep arrival order
  const groups = new Map<string, { start: bigint; last: number; ids: number[] }[][]>();
  const found: Found[] = [];
  sorted.forEach((e, ord) => {
    for (const key of combos(e)) {
      if (!groups.has(key)) groups.set(key, Array.from({ length: n - 1 }, () => []));
      const g = groups.get(key)!;
      for (let s = n - 1; s >= 0; s--) {
        if (!e.stages.includes(s)) continue;
        if (s === 0) {
          g[0].push({ start: e.ns, last: ord, ids: [e.id] });
          continue;
        }
        const prev = g[s - 1];
        let m = -1;
        for (let j = 0; j < prev.length && prev[j].last < ord; j++) m = j;
        if (m < 0) continue;
        const p = prev[m];
        prev.splice(0, m + 1);
        if (maxspan !== undefined && e.ns - p.start > maxspan) continue;
        const q = { start: p.start, last: ord, ids: [...p.ids, e.id] };
        if (s === n - 1) found.push({ key, ids: q.ids });
        else g[s].push(q);
      }
    }
  });
  return found;
}

function genN(seed: number, n: number, fields: number, ties: boolean, spanMs: number): NEv[] {
  const r = rng(seed);
  const pool = ["a", "b", "c"].slice(0, 1 + Math.floor(r() * 3));
  const pick = () => pool[Math.floor(r() * pool.length)];
  const count = 30 + Math.floor(r() * 90);
  const step = (spanMs * 1_000_000) / Math.max(1, n - 1);
  const events: NEv[] = [];
  let t = 0n;
  let cur = n - 1;
  for (let id = 0; id < count; id++) {
    const x = r();
    t += ties && x < 0.1 ? 0n : x < 0.15 ? BigInt(Math.round(spanMs * 1_000_000)) : BigInt(Math.floor(r() * step * 1.4)) + (ties ? 0n : 1n);
    // mostly the next stage of a walk, so that long sequences occur; sometimes any stage, sometimes two at once
    cur = r() < 0.6 ? (cur + 1) % n : Math.floor(r() * n);
    const stages = [cur];
    if (r() < 0.08) stages.push((cur + 1 + Math.floor(r() * (n - 1))) % n);
    const keys = Array.from({ length: fields }, () => {
      if (r() < 0.12 && pool.length > 1) {
        const a = pick();
        const b = pool.find((v) => v !== a)!;
        return [a, b];
      }
      return [pick()];
    });
    events.push({ id, stages, keys, ns: t });
  }
  return events;
}

const FIELDS = ["k1", "k2"];

function ruleN(n: number, fields: number, maxspanMs: number | undefined): SequenceRule {
  const keys = FIELDS.slice(0, fields);
  return {
    id: `differential-${n}`,
    name: `differential ${n} stages`,
    severity: 21,
    riskScore: 21,
    threat: [],
    maxspanMs,
    stages: Array.from({ length: n }, (_, i) => ({
      when: { eq: "tags", values: [`s${i}`] },
      keys,
      namespace: { field: "ns", from: "value" as const },
      time: "@timestamp",
      summary: [{ name: "id" }],
    })),
    message: "{key}",
  };
}

function recordN(e: NEv): unknown {
  const rec: Record<string, unknown> = { "@timestamp": ts(Number(e.ns / 1_000_000n), Number(e.ns % 1_000_000n)), id: e.id, tags: e.stages.map((s) => `s${s}`) };
  e.keys.forEach((vals, i) => (rec[FIELDS[i]] = vals.length === 1 ? vals[0] : vals));
  return rec;
}

/** Sequences podprobe reported, from its alert records: the key and every stage's event id. */
const reportedN = (res: ReturnType<typeof run>): Found[] => res.alerts.map((a) => ({ key: a.podprobe.sequence.key, ids: a.podprobe.events.map((e: { id: number }) => e.id) }));
const foundKey = (f: Found) => `${f.key}:${f.ids.join(",")}`;

// seed → shape of the case: 2..8 stages, one or two join fields, a maxspan or none
function caseOf(seed: number) {
  const n = 2 + (seed % 7);
  const fields = 1 + (Math.floor(seed / 7) % 2);
  const spanMs = seed % 5 === 4 ? undefined : 1000;
  return { n, fields, spanMs };
}

describe("N stages, composite keys, time-ordered: exactly EQL's sequences", () => {
  for (let seed = 1; seed <= 140; seed++) {
    const { n, fields, spanMs } = caseOf(seed);
    test(`seed ${seed}: ${n} stages, ${fields} field(s), ${spanMs ? "maxspan 1 s" : "no maxspan"}`, () => {
      const events = genN(seed, n, fields, true, spanMs ?? 1000);
      const res = run(events.map(recordN), { rules: [ruleN(n, fields, spanMs)], latenessMs: 600_000, ringCapacity: 255, maxKeys: 64 });
      expect(res.stats.ring_overwrites + res.stats.keys_evicted).toBe(0);
      const want = eqlN(events, n, spanMs === undefined ? undefined : BigInt(spanMs) * 1_000_000n).map(foundKey).sort();
      const got = reportedN(res).map(foundKey).sort();
      expect(got).toEqual(want);
    });
  }
});

/**
 * Shuffled arrival: every reported sequence is a valid EQL sequence of n events (stages, key, order, maxspan,
 * each event used at most once per key and stage), and every key EQL finds on the time-ordered events is reported.
 */
function expectValidAndComplete(events: NEv[], res: ReturnType<typeof run>, n: number, spanMs: number | undefined): void {
  const byId = new Map(events.map((e) => [e.id, e]));
  const got = reportedN(res);
  const joined = new Set<string>();
  for (const f of got) {
    expect(f.ids).toHaveLength(n);
    const evs = f.ids.map((id) => byId.get(id)!);
    evs.forEach((e, i) => {
      expect(e.stages).toContain(i);
      expect(combos(e)).toContain(f.key);
      if (i > 0) expect(evs[i - 1].ns < e.ns).toBe(true);
      // each event takes part at most once per key and stage
      const use = `${f.key}:${i}:${e.id}`;
      expect(joined.has(use)).toBe(false);
      joined.add(use);
    });
    if (spanMs !== undefined) expect(evs[n - 1].ns - evs[0].ns <= BigInt(spanMs) * 1_000_000n).toBe(true);
  }
  const wantKeys = new Set(eqlN(events, n, spanMs === undefined ? undefined : BigInt(spanMs) * 1_000_000n).map((f) => f.key));
  const gotKeys = new Set(got.map((f) => f.key));
  for (const k of wantKeys) expect(gotKeys.has(k)).toBe(true);
}

describe("N stages, composite keys, shuffled within lateness: every sequence valid, every EQL key reported", () => {
  for (let seed = 1; seed <= 140; seed++) {
    const { n, fields, spanMs } = caseOf(seed);
    test(`seed ${seed}: ${n} stages, ${fields} field(s), ${spanMs ? "maxspan 1 s" : "no maxspan"}`, () => {
      const events = genN(5000 + seed, n, fields, false, spanMs ?? 1000);
      const r = rng(seed * 31);
      // displace each event by up to 3 s of event time: well inside lateness_ms = 5000
      const arrival = events.map((e) => ({ e, at: Number(e.ns) / 1e6 + r() * 3000 })).sort((a, b) => a.at - b.at).map((x) => x.e);
      const res = run(arrival.map(recordN), { rules: [ruleN(n, fields, spanMs)], ringCapacity: 255, maxKeys: 64 });
      expect(res.stats.late).toBe(0);
      expect(res.stats.ring_overwrites + res.stats.keys_evicted).toBe(0);
      expectValidAndComplete(events, res, n, spanMs);
    });
  }
});

test("the N-stage generator produces long sequences, composite keys, ties and out-of-order arrivals (the tests can fail)", () => {
  let long = 0;
  let multi = 0;
  let ties = 0;
  for (let seed = 1; seed <= 140; seed++) {
    const { n, fields, spanMs } = caseOf(seed);
    const ev = genN(seed, n, fields, true, spanMs ?? 1000);
    const found = eqlN(ev, n, spanMs === undefined ? undefined : BigInt(spanMs) * 1_000_000n);
    if (n >= 5) long += found.length;
    if (fields === 2) multi += found.length;
    ties += ev.filter((e, i) => i > 0 && e.ns === ev[i - 1].ns).length;
  }
  expect(long).toBeGreaterThan(40);
  expect(multi).toBeGreaterThan(100);
  expect(ties).toBeGreaterThan(300);
});

// ── stages with runs=N: one stage standing for N consecutive positions (EQL's `[…] with runs=N`) ──────────────
// The reference is the same state machine over positions: an event of a run stage is an event of each of its
// positions (EQL expands the term into N copies). Time-ordered: exactly EQL's sequences, every position's event.

/** seed → logical stages with their runs (1 to 3 stages, runs up to 6, at least two positions), maxspan or none. */
function runsCaseOf(seed: number) {
  const r = rng(seed * 977);
  const m = 1 + (seed % 3);
  const runs = Array.from({ length: m }, () => (r() < 0.55 ? 2 + Math.floor(r() * 5) : 1));
  if (runs.reduce((a, b) => a + b, 0) < 2) runs[0] = 2 + Math.floor(r() * 4);
  const spanMs = seed % 4 === 3 ? undefined : 1000;
  return { runs, fields: 1 + (Math.floor(seed / 3) % 2), spanMs };
}

/** Events over logical stages: runs of several events of one stage, sometimes any stage, sometimes two at once. */
function genRuns(seed: number, runs: number[], fields: number, ties: boolean, spanMs: number): NEv[] {
  const r = rng(seed);
  const pool = ["a", "b", "c"].slice(0, 1 + Math.floor(r() * 2));
  const pick = () => pool[Math.floor(r() * pool.length)];
  const n = runs.reduce((a, b) => a + b, 0);
  const first = runs.map((_, i) => runs.slice(0, i).reduce((a, b) => a + b, 0));
  const positionsOf = (logical: number[]) => logical.flatMap((l) => Array.from({ length: runs[l] }, (_, j) => first[l] + j));
  const count = 40 + Math.floor(r() * 120);
  const step = (spanMs * 1_000_000) / Math.max(1, n);
  const events: NEv[] = [];
  let t = 0n;
  let cur = 0;
  for (let id = 0; id < count; id++) {
    const x = r();
    t += ties && x < 0.1 ? 0n : x < 0.13 ? BigInt(Math.round(spanMs * 1_000_000)) : BigInt(Math.floor(r() * step * 1.3)) + (ties ? 0n : 1n);
    const y = r();
    cur = y < 0.45 ? cur : y < 0.8 ? (cur + 1) % runs.length : Math.floor(r() * runs.length);
    const logical = [cur];
    if (runs.length > 1 && r() < 0.08) logical.push((cur + 1) % runs.length);
    const keys = Array.from({ length: fields }, () => {
      if (r() < 0.1 && pool.length > 1) return [...pool];
      return [pick()];
    });
    events.push({ id, stages: positionsOf(logical), keys, ns: t, logical } as NEv & { logical: number[] });
  }
  return events;
}

function ruleRuns(runs: number[], fields: number, maxspanMs: number | undefined): SequenceRule {
  const keys = FIELDS.slice(0, fields);
  return {
    id: `differential-runs-${runs.join("-")}`,
    name: `differential runs ${runs.join(",")}`,
    severity: 21,
    riskScore: 21,
    threat: [],
    maxspanMs,
    stages: runs.map((n, i) => ({
      when: { eq: "tags", values: [`s${i}`] },
      keys,
      namespace: { field: "ns", from: "value" as const },
      time: "@timestamp",
      summary: [{ name: "id" }],
      ...(n > 1 ? { runs: n } : {}),
    })),
    message: "{key}",
  };
}

const recordRuns = (e: NEv & { logical?: number[] }) => {
  const rec = recordN(e) as Record<string, unknown>;
  rec.tags = (e.logical ?? []).map((l) => `s${l}`);
  return rec;
};

describe("runs=N, time-ordered: exactly EQL's sequences over the expanded positions", () => {
  for (let seed = 1; seed <= 120; seed++) {
    const { runs, fields, spanMs } = runsCaseOf(seed);
    const n = runs.reduce((a, b) => a + b, 0);
    test(`seed ${seed}: runs ${runs.join(",")}, ${fields} field(s), ${spanMs ? "maxspan 1 s" : "no maxspan"}`, () => {
      const events = genRuns(seed, runs, fields, true, spanMs ?? 1000);
      const res = run(events.map(recordRuns), { rules: [ruleRuns(runs, fields, spanMs)], latenessMs: 600_000, ringCapacity: 255, maxKeys: 64 });
      expect(res.stats.ring_overwrites + res.stats.keys_evicted).toBe(0);
      const want = eqlN(events, n, spanMs === undefined ? undefined : BigInt(spanMs) * 1_000_000n).map(foundKey).sort();
      const got = reportedN(res).map(foundKey).sort();
      expect(got).toEqual(want);
    });
  }
});

describe("runs=N, shuffled within lateness: every sequence valid, every EQL key reported", () => {
  for (let seed = 1; seed <= 120; seed++) {
    const { runs, fields, spanMs } = runsCaseOf(seed);
    const n = runs.reduce((a, b) => a + b, 0);
    test(`seed ${seed}: runs ${runs.join(",")}, ${fields} field(s), ${spanMs ? "maxspan 1 s" : "no maxspan"}`, () => {
      const events = genRuns(7000 + seed, runs, fields, false, spanMs ?? 1000);
      const r = rng(seed * 53);
      const arrival = events.map((e) => ({ e, at: Number(e.ns) / 1e6 + r() * 3000 })).sort((a, b) => a.at - b.at).map((x) => x.e);
      const res = run(arrival.map(recordRuns), { rules: [ruleRuns(runs, fields, spanMs)], ringCapacity: 255, maxKeys: 64 });
      expect(res.stats.late).toBe(0);
      expect(res.stats.ring_overwrites + res.stats.keys_evicted).toBe(0);
      expectValidAndComplete(events, res, n, spanMs);
    });
  }
});

test("the runs generator produces long runs, reused events and misses (the tests can fail)", () => {
  let found = 0;
  let long = 0;
  let reused = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const { runs, fields, spanMs } = runsCaseOf(seed);
    const n = runs.reduce((a, b) => a + b, 0);
    const f = eqlN(genRuns(seed, runs, fields, true, spanMs ?? 1000), n, spanMs === undefined ? undefined : BigInt(spanMs) * 1_000_000n);
    found += f.length;
    if (Math.max(...runs) >= 4) long += f.length;
    // EQL lets one event of a run stand at successive positions of successive sequences
    const seen = new Set<string>();
    for (const s of f) for (const id of s.ids) seen.has(`${s.key}:${id}`) ? reused++ : seen.add(`${s.key}:${id}`);
  }
  expect(found).toBeGreaterThan(200);
  expect(long).toBeGreaterThan(40);
  expect(reused).toBeGreaterThan(40);
});
