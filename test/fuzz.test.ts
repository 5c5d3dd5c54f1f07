// Issue "hardening": seeded fuzz and mutation streams (fuzz/generate.ts) through the library in random chunk
// sizes and through the Fluent Bit entry; every record leaves once, in order, byte-identical or with exactly one
// valid tag member; a known sequence still matches after each stream. 10^5 cases in CI;
// `npm run fuzz -- --cases 1000000` locally.
import { describe, expect, test } from "vitest";
import { runFuzz } from "../fuzz/run.js";
import { checkStream } from "../fuzz/check.js";
import { loadRuleFiles } from "../host/index.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { fileURLToPath } from "node:url";

describe("fuzz: 10^5 cases over 4 seeds", () => {
  for (const seed of [1, 2, 3, 4]) {
    test(`seed ${seed}: 25,000 cases`, async () => {
      const r = await runFuzz(25_000, seed);
      expect(r.problems).toEqual([]);
      expect(r.cases).toBe(25_000);
      expect(r.knownSequencesFound).toBe(r.streams);
      expect(r.matchesInStreams).toBeGreaterThan(0);
      expect(r.fluentBitMemoryGrowth).toBe(0);
    });
  }
});

describe('validate "all" (every record validated and counted, no prefilter), library and Fluent Bit entry', () => {
  for (const seed of [6, 7]) {
    test(`seed ${seed}: 25,000 cases`, async () => {
      const r = await runFuzz(25_000, seed, 500, undefined, { validate: "all", fluentBit: await fluentBitVariant({ validate: "all" }) });
      expect(r.problems).toEqual([]);
      expect(r.knownSequencesFound).toBe(r.streams);
      expect(r.matchesInStreams).toBeGreaterThan(0);
      expect(r.fluentBitMemoryGrowth).toBe(0);
    }, 180_000);
  }
});

test("with every example rule loaded (new operators, single-event and 3-stage rules): 25,000 cases", async () => {
  const rules = loadRuleFiles([fileURLToPath(new URL("../examples/rules", import.meta.url))]).rules;
  // the Fluent Bit entry runs the same rules
  const r = await runFuzz(25_000, 5, 500, rules, { fluentBit: await fluentBitVariant({}, rules) });
  expect(r.problems).toEqual([]);
  expect(r.knownSequencesFound).toBe(r.streams);
  expect(r.matchesInStreams).toBeGreaterThan(r.streams);
}, 180_000);

test("the checker catches what it must (it can fail)", () => {
  const rec = Buffer.from('{"a":1}');
  const ok = Buffer.from('{"a":1,"podprobe":{"alerts":[]}}\n{"@timestamp":"x","event":{"kind":"alert","module":"podprobe"},"rule":{},"threat":[],"orchestrator":{},"podprobe":{},"message":""}\n');
  expect(checkStream([rec], ok, true)).toEqual([]);
  expect(checkStream([rec], Buffer.from('{"a":2}\n'), true)[0]).toMatch(/changed/);
  expect(checkStream([rec, rec], Buffer.from('{"a":1}\n'), true)[0]).toMatch(/missing/);
  expect(checkStream([rec], Buffer.from('{"a":1,"podprobe":{},"x":1}\n'), false)[0]).toMatch(/tag added|changed/);
  expect(checkStream([rec], Buffer.from('{"a":1,"podprobe":{"alerts":[]}}\n'), true)[0]).toMatch(/without an alert/);
  expect(checkStream([rec], Buffer.from('{"a":1}\n{"b":1}\n'), true)[0]).toMatch(/extra/);
});
