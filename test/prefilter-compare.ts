// The prefilter's soundness check over records of every shape, shared by the shape and rule-pack tests: the same
// record through an engine with the prefilter (validate "candidates"), one without (validate "all") and the Fluent
// Bit module; a record either search passes over must be one no stage's predicate holds in, and both engines must
// write the same bytes.
import { expect } from "vitest";
import { COUNTER_NAMES, createCorrelator, type SequenceRule } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { rng } from "../host/cli/sample.js";
import { T0 } from "./helpers.js";
import { mutate, recordOf, ruleValues, SHAPE_KINDS, type ShapeKind } from "./prefilter-records.js";

export type Stats = ReturnType<ReturnType<typeof createCorrelator>["stats"]>;
/** The record took part: some stage's predicate held (a candidate, or one dropped for time, key, lateness, tag). */
export const touched = (a: Stats, b: Stats) =>
  (["candidates_stage1", "candidates_stage2", "no_key", "no_time", "late", "tag_conflict"] as const).some((k) => b[k] > a[k]);

export interface Tally {
  records: number;
  /** passed over by the library's search */
  skipped: number;
  /** some stage's predicate held (in the engine without prefilter) */
  touched: number;
  /** passed over by the Fluent Bit module's search */
  fluentBitSkipped: number;
}

/** perShape records of every shape (built from the rules' literals, up to two adversarial spellings each). */
export async function compareOnShapes(rules: SequenceRule[], seed: number, perShape: number, maxStateBytes: number) {
  const r = rng(seed);
  const values = ruleValues(rules, r);
  const opts = { clock: () => T0 + 60_000, maxKeys: 4096, maxStateBytes, latenessMs: 86_400_000, rules };
  const fast = createCorrelator({ ...opts, validate: "candidates" });
  const full = createCorrelator({ ...opts, validate: "all" });
  const fb = new FluentBitFilter(await fluentBitVariant({}, rules));
  expect(fb.x.podprobe_ready()).toBe(1);
  const SKIPPED = COUNTER_NAMES.indexOf("prefilter_skipped");
  const tally = new Map<ShapeKind, Tally>(SHAPE_KINDS.map((k) => [k, { records: 0, skipped: 0, touched: 0, fluentBitSkipped: 0 }]));
  const bad: string[] = [];
  for (let i = 0; i < perShape; i++) {
    for (const kind of SHAPE_KINDS) {
      let text = recordOf(kind, values, r);
      for (let k = Math.floor(r() * 3); k > 0; k--) text = mutate(text, r);
      const f0 = fast.stats();
      const a0 = full.stats();
      const outFast = fast.write(text + "\n");
      const outFull = full.write(text + "\n");
      const skipped = fast.stats().prefilter_skipped > f0.prefilter_skipped;
      const took = touched(a0, full.stats());
      const t = tally.get(kind)!;
      t.records++;
      if (skipped) t.skipped++;
      if (took) t.touched++;
      if (skipped && took) bad.push(`${kind}: ${text}`);
      if (!outFast.equals(outFull)) bad.push(`${kind}, output differs: ${text}`);
      const before = fb.counter(SKIPPED);
      fb.call(text, T0 + 60_000);
      if (fb.counter(SKIPPED) > before) {
        t.fluentBitSkipped++;
        if (took) bad.push(`${kind}, Fluent Bit entry: ${text}`);
      }
    }
  }
  return { tally, bad, fast, full };
}
