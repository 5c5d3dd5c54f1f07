// Randomized differential test against a reference model of EQL's `sequence by … with maxspan` (SPEC §4),
// with fixed seeds. Time-ordered streams: podprobe reports exactly EQL's pairs. Streams shuffled within
// lateness (no eviction): every reported pair is valid, and every key EQL alerts on is reported.
import { describe, expect, test } from "vitest";
import { run, s1, s2ecs, s2raw, ts, T0 } from "./helpers.js";
import { rng, containerLog } from "../host/cli/sample.js";

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
