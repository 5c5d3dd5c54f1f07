// The bench's plain-TypeScript baselines (bench/baseline.ts) must write exactly podprobe's output; checked
// here on small corpora so CI catches a divergence, not only `npm run bench`.
import { expect, test } from "vitest";
import { createBaseline } from "../bench/baseline.js";
import { buildCorpus, corpusClock } from "../bench/corpus.js";
import { createCorrelator, SEED_RULE } from "../host/index.js";

for (const [name, opts] of [
  ["mixed corpus", { bytes: 4e6, seed: 11, pods: 40 }],
  ["candidate-heavy corpus over few pods", { bytes: 1e6, seed: 12, pods: 20, processShare: 0.3, candidateShare: 0.6 }],
] as const) {
  test.each(["candidates", "all"] as const)(`${name}: both baselines byte-identical to podprobe (validate %s), with sequences in it`, (validate) => {
    const corpus = buildCorpus(opts);
    const nowMs = corpusClock(corpus);
    const c = createCorrelator({ clock: () => nowMs, validate });
    const engine = Buffer.concat([c.write(corpus), c.end()]).toString("utf8");
    expect(c.stats().matches).toBeGreaterThan(2);
    for (const prefilter of [false, true]) {
      const p = createBaseline({ rule: SEED_RULE, nowMs, prefilter });
      const out: string[] = [];
      for (const l of corpus.toString("utf8").split("\n").slice(0, -1)) p(l, out);
      expect(out.join("\n") + "\n").toBe(engine);
    }
  });
}
