// Fuzz with a pack of 330 rules in one program: every test rule file (samples, long runs, eight stages, the
// string functions, regex, cidrmatch) and 320 generated rules shaped like Elastic's, over seeded fuzz and
// mutation streams: every record leaves once, in order, byte-identical or with exactly one valid tag member; a
// known sequence still matches after each stream.
import { expect, test } from "vitest";
import { runFuzz } from "../fuzz/run.js";
import { loadRuleFiles, SEED_RULE } from "../host/index.js";
import { syntheticPack } from "../bench/rule-pack.js";
import { fileURLToPath } from "node:url";

test("with a pack of 330 rules (every test rule file: samples, long runs, eight stages; 320 generated): 10,000 cases", async () => {
  const tests = loadRuleFiles([fileURLToPath(new URL("./rules", import.meta.url))], { skipUnsupported: true }).rules;
  const rules = [SEED_RULE, ...tests.filter((r) => r.id !== SEED_RULE.id), ...syntheticPack(320)];
  const r = await runFuzz(10_000, 6, 500, rules);
  expect(r.problems).toEqual([]);
  expect(r.knownSequencesFound).toBe(r.streams);
  expect(r.matchesInStreams).toBeGreaterThan(0);
});
