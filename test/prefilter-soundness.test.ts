// SPEC §6: the literal prefilter is sound — a record it passes uninspected (validate "candidates") is one the
// full engine (validate "all") finds no candidate in. Seeded random records: real shapes, escaped and
// adversarial spellings of the required literals, literals carried in a JSON text inside a string, numbers and
// literals in place of strings, keys that spell literals, case variants, non-ASCII text.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { COUNTER_NAMES, createCorrelator, loadRuleFiles, SEED_RULE, type SequenceRule } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { rng, containerLog } from "../host/cli/sample.js";
import { line, s1, s2ecs, s2raw, T0 } from "./helpers.js";
import { mutate } from "./prefilter-records.js";

type Stats = ReturnType<ReturnType<typeof createCorrelator>["stats"]>;
/** The record took part: some stage's predicate held (counted as a candidate, or dropped for time, key, lateness). */
const touched = (a: Stats, b: Stats) =>
  b.candidates_stage1 - a.candidates_stage1 + b.candidates_stage2 - a.candidates_stage2 + b.no_key - a.no_key + b.no_time - a.no_time + b.late - a.late > 0;

const TOOLS = ["curl", "wget", "kubectl", "openssl", "socat", "ncat", "sh", "bash", "busybox", "ls", "python3"];
const ARGS = ["curl", "/usr/bin/curl", "/usr/local/bin/wget", "ssl_client", "which", "-sk", "https://k8s/api", "Authorization: Bearer x", "kubernetes.default.svc"];

function bases(r: () => number): unknown[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const ms = Math.floor(r() * 5000);
  const name = pick(TOOLS);
  const args = [name, ...Array.from({ length: Math.floor(r() * 3) }, () => pick(ARGS))];
  return [
    s1(ms, { name, args, interactive: r() < 0.8 }),
    s1(ms, { name, args, extra: { event: { category: ["network"], type: ["start"], action: "exec" }, dns: { question: { name: pick(["kubernetes.default.svc", "x.svc.cluster.local", "example.org"]) } } } }),
    s1(ms, { extra: { event: { category: ["file"], type: ["start"], action: pick(["open", "read"]) }, file: { path: "/var/run/secrets/kubernetes.io/serviceaccount/token" } } }),
    s2raw(ms, { decision: pick(["forbid", "allow"]), stage: pick(["ResponseComplete", "ResponseStarted", "RequestReceived"]) }),
    s2ecs(ms, { decision: pick(["forbid", "allow"]) }),
    containerLog(r, T0 + ms, ["pod-a", "pod-b"]),
    { log: line(s2raw(ms)), stream: "stdout" }, // an audit Event carried in a log line: \"forbid\"
    { message: line(s1(ms, { name })), kubernetes: { pod_name: "pod-a" } },
  ];
}

function check(rules: SequenceRule[], seed: number, n: number, fb?: FluentBitFilter) {
  const r = rng(seed);
  const opts = { clock: () => T0 + 60_000, maxKeys: 4096, maxStateBytes: 8 << 20, latenessMs: 86_400_000, rules };
  const fast = createCorrelator({ ...opts, validate: "candidates" });
  const full = createCorrelator({ ...opts, validate: "all" });
  const tally = { records: 0, skipped: 0, touched: 0, escaped: 0, fluentBitSkipped: 0 };
  const SKIPPED = COUNTER_NAMES.indexOf("prefilter_skipped");
  const bad: string[] = [];
  while (tally.records < n) {
    for (const base of bases(r)) {
      let text = line(base);
      for (let k = Math.floor(r() * 3); k > 0; k--) text = mutate(text, r);
      const f0 = fast.stats(), a0 = full.stats();
      const outFast = fast.write(text + "\n");
      const outFull = full.write(text + "\n");
      const f1 = fast.stats(), a1 = full.stats();
      const skipped = f1.prefilter_skipped > f0.prefilter_skipped;
      const took = touched(a0, a1);
      tally.records++;
      if (skipped) tally.skipped++;
      if (took) tally.touched++;
      if (f1.prefilter_escaped > f0.prefilter_escaped) tally.escaped++;
      if (skipped && took) bad.push(text);
      // and the two engines write the same bytes
      if (!outFast.equals(outFull)) bad.push(`output differs: ${text}`);
      // the Fluent Bit build (SWAR search) passes over the same records at most
      if (fb) {
        const before = fb.counter(SKIPPED);
        fb.call(text, T0 + 60_000);
        if (fb.counter(SKIPPED) > before) {
          tally.fluentBitSkipped++;
          if (took) bad.push(`Fluent Bit entry: ${text}`);
        }
      }
    }
  }
  return { tally, bad };
}

describe("prefilter rejects ⇒ the full engine finds no candidate", () => {
  test("seed rule: 20,000 random records (the library's v128 search and the Fluent Bit module's SWAR search)", () => {
    const { tally, bad } = check([SEED_RULE], 1, 20_000, new FluentBitFilter());
    expect(bad.slice(0, 3)).toEqual([]);
    // not vacuous: many skipped, many candidates, escapes sent records the long way
    expect(tally.skipped).toBeGreaterThan(tally.records * 0.2);
    expect(tally.touched).toBeGreaterThan(tally.records * 0.1);
    expect(tally.escaped).toBeGreaterThan(tally.records * 0.05);
    expect(tally.fluentBitSkipped).toBeGreaterThan(tally.records * 0.2);
  });

  test("every example rule (like~, in~, single-event and 3-stage rules): 20,000 random records, library and Fluent Bit module", async () => {
    const rules = loadRuleFiles([fileURLToPath(new URL("../examples/rules", import.meta.url))]).rules;
    const fb = new FluentBitFilter(await fluentBitVariant({}, rules));
    expect(fb.x.podprobe_ready()).toBe(1);
    const { tally, bad } = check(rules, 2, 20_000, fb);
    expect(bad.slice(0, 3)).toEqual([]);
    expect(tally.skipped).toBeGreaterThan(tally.records * 0.05);
    expect(tally.touched).toBeGreaterThan(tally.records * 0.1);
    expect(tally.fluentBitSkipped).toBeGreaterThan(tally.records * 0.05);
  }, 180_000);
});
