// The fuzz suite: seeded streams of mutated records through the library (in random chunk sizes) and through
// the Fluent Bit entry, each checked by fuzz/check.ts; after every stream a known sequence must still match.
// `npm run fuzz -- --cases N [--seed S]`; the CI test runs 10^5 cases.
import { parseArgs } from "node:util";
import { createCorrelator } from "../host/correlator.js";
import type { SequenceRule } from "../host/rules/rule.js";
import { loadRuleFiles } from "../host/rules/rules-file.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { processEvent, rawAuditEvent, rng, SAMPLE_BASE_MS } from "../host/cli/sample.js";
import { checkStream } from "./check.js";
import { fuzzGenerator, FUZZ_MAX_RECORD_BYTES } from "./generate.js";

export interface FuzzResult {
  cases: number;
  streams: number;
  problems: string[];
  knownSequencesFound: number;
  /** Sequences found among the mutated records themselves (real records pair up): the tag path is exercised. */
  matchesInStreams: number;
  fluentBitMemoryGrowth: number;
}

const NOW = SAMPLE_BASE_MS + 600_000;

/** A sequence that must match after any garbage: newest possible times (max_future), a pod nobody else uses. */
function knownSequence(n: number): Buffer[] {
  const pod = `fuzz-known-${n}`;
  const t = NOW + 59_000;
  return [
    Buffer.from(JSON.stringify(processEvent({ ms: t, pod, namespace: "ns", name: "kubectl", args: ["kubectl", "get", "secrets"], pid: n }))),
    Buffer.from(JSON.stringify(rawAuditEvent({ ms: t + 200, pod, namespace: "ns", serviceAccount: "sa", verb: "list", uri: "/api/v1/secrets", resource: "secrets", decision: "forbid", code: 403, auditId: `known-${n}` }))),
  ];
}

export interface FuzzOptions {
  /** The engine's validate option (the Fluent Bit module must be built with the same: `fluentBit`). */
  validate?: "candidates" | "all";
  /** The Fluent Bit module to drive (default: build/podprobe-fluent-bit.wasm). */
  fluentBit?: Uint8Array<ArrayBuffer>;
}

/**
 * Runs `cases` generated records in streams of `streamSize`. Async only to let the event loop turn between
 * streams: a test runner's worker (vitest answers its own RPCs there) must not be blocked for minutes.
 */
export async function runFuzz(cases: number, seed = 1, streamSize = 500, rules?: SequenceRule[], opts: FuzzOptions = {}): Promise<FuzzResult> {
  const gen = fuzzGenerator(seed);
  const r = rng(seed ^ 0x5eed);
  const fb = new FluentBitFilter(opts.fluentBit);
  if (fb.x.podprobe_ready() !== 1) throw new Error("the Fluent Bit module's engine did not start");
  let fbWarm = 0;
  const result: FuzzResult = { cases: 0, streams: 0, problems: [], knownSequencesFound: 0, matchesInStreams: 0, fluentBitMemoryGrowth: 0 };
  while (result.cases < cases && result.problems.length < 20) {
    const n = Math.min(streamSize, cases - result.cases);
    const inputs = Array.from({ length: n }, () => gen.next());
    const c = createCorrelator({ clock: () => NOW, maxRecordBytes: FUZZ_MAX_RECORD_BYTES, maxKeys: 512, maxStateBytes: 2 * 1024 * 1024, rules, validate: opts.validate });
    const stream = Buffer.concat(inputs.flatMap((b) => [b, Buffer.of(10)]));
    const outs: Buffer[] = [];
    for (let i = 0; i < stream.length; ) {
      const size = 1 + Math.floor(r() * (r() < 0.5 ? 64 : 65536));
      outs.push(c.write(stream.subarray(i, i + size)));
      i += size;
    }
    const known = knownSequence(result.streams);
    outs.push(c.write(Buffer.concat(known.flatMap((b) => [b, Buffer.of(10)]))), c.end());
    const output = Buffer.concat(outs);
    for (const p of checkStream([...inputs, ...known], output, true)) result.problems.push(`stream ${result.streams} (seed ${seed}): ${p}`);
    const s = c.stats();
    if (s.records_in !== n + 2 || s.records_out !== n + 2) result.problems.push(`stream ${result.streams}: records_in ${s.records_in}, records_out ${s.records_out}, want ${n + 2}`);
    if (s.state_bytes > s.max_state_bytes) result.problems.push(`stream ${result.streams}: state_bytes over the cap`);
    result.matchesInStreams += s.matches;
    if (output.includes(`"key":"fuzz-known-${result.streams}"`)) result.knownSequencesFound++;
    else result.problems.push(`stream ${result.streams}: the known sequence was not found after the garbage`);
    // the Fluent Bit entry, record by record (Fluent Bit never hands over raw NUL or newlines: its JSON escapes them)
    for (const rec of [...inputs, ...known]) {
      if (rec.length === 0 || rec.includes(0)) continue;
      const got = fb.call(rec, NOW);
      const bad = checkStream([rec], got, false);
      if (bad.length) result.problems.push(`stream ${result.streams}, Fluent Bit entry: ${bad[0]}`);
    }
    if (result.streams === 2) fbWarm = fb.memoryBytes();
    result.cases += n;
    result.streams++;
    await new Promise<void>((r) => setImmediate(r));
  }
  result.fluentBitMemoryGrowth = fbWarm ? fb.memoryBytes() - fbWarm : 0;
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { cases: { type: "string", default: "1000000" }, seed: { type: "string", default: "1" }, rules: { type: "string", multiple: true }, validate: { type: "string", default: "candidates" } } });
  const t = Date.now();
  const rules = values.rules?.length ? loadRuleFiles(values.rules).rules : undefined;
  const validate = values.validate === "all" ? "all" : "candidates";
  // (a Fluent Bit module with the same rules and validate option)
  const fluentBit = rules || validate === "all" ? await fluentBitVariant({ validate }, rules) : undefined;
  const r = await runFuzz(Number(values.cases), Number(values.seed), 500, rules, { validate, fluentBit });
  process.stdout.write(`fuzz: ${r.cases} cases in ${r.streams} streams (seed ${values.seed}), ${((Date.now() - t) / 1000).toFixed(0)} s; known sequences found ${r.knownSequencesFound}/${r.streams}; ${r.matchesInStreams} sequences among the mutated records; Fluent Bit memory growth ${r.fluentBitMemoryGrowth} bytes\n`);
  for (const p of r.problems) process.stdout.write(`  ${p}\n`);
  process.exitCode = r.problems.length || r.fluentBitMemoryGrowth ? 1 : 0;
}
