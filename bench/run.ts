// `npm run bench` (SPEC §11): one process, deterministic corpora, a human table (or --json), --quick for a
// run under two minutes. Before any number is reported, both JavaScript baselines must produce output
// byte-identical to podprobe's on the corpus.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, openSync, closeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCorrelator, loadRuleFiles } from "../host/index.js";
import { SEED_RULE } from "../host/rules/rule.js";
import { createBaseline } from "./baseline.js";
import { buildCorpus, corpusClock, type CorpusOptions } from "./corpus.js";
import { FluentBitFilter, FB_WASM } from "../host/fluent-bit/driver.js";
import { instrumentOps, opsOf, doNothingModule } from "./wasm-ops.js";
import { syntheticPack } from "./rule-pack.js";
import { compileRules } from "../host/rules/compile.js";
import { PROGRAM_CAPACITY } from "../host/fluent-bit/build.js";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

const { values: args } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" }, mb: { type: "string" }, pack: { type: "string", multiple: true } } });
const quick = args.quick === true;
const MB = Number(args.mb ?? (quick ? 16 : 100));
const REPEAT = quick ? 1 : 3;
const root = fileURLToPath(new URL("../../", import.meta.url));
const log = (s: string) => {
  if (!args.json) process.stderr.write(s + "\n");
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** CPU seconds used so far by this process and by its finished children (Linux; children: 0 elsewhere). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  let children = 0;
  try {
    // /proc/self/stat fields 16 and 17: cutime, cstime in clock ticks (100 per second on Linux)
    const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    children = (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    /* not Linux */
  }
  return (u.user + u.system) / 1e6 + children;
}

/** The CPU seconds (this process and its children) of the run timeIt last reported as median. */
let lastCpu = 0;

/**
 * Median wall-clock seconds of `repeat` runs of fn (or of what `prepare` returns, prepared outside the clock);
 * lastCpu: the CPU seconds of that run. On a shared machine the CPU figure is the steadier one.
 */
function timeIt(fn: () => void, repeat = REPEAT, prepare?: () => () => void): number {
  const ts: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < repeat; i++) {
    const run = prepare ? prepare() : fn;
    const c = cpuSeconds();
    const t = process.hrtime.bigint();
    run();
    ts.push({ wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: cpuSeconds() - c });
  }
  const m = [...ts].sort((a, b) => a.wall - b.wall)[Math.floor(ts.length / 2)];
  lastCpu = m.cpu;
  return m.wall;
}

const countLines = (b: Buffer) => {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
};

interface Case {
  mb_per_s: number;
  records_per_s: number;
  ns_per_record: number;
  seconds: number;
  /** MB per CPU second of the same run (this process and its children). */
  cpu_mb_per_s?: number;
}
const caseOf = (bytes: number, records: number, s: number, cpu?: number): Case => ({ mb_per_s: bytes / 1e6 / s, records_per_s: records / s, ns_per_record: (s * 1e9) / records, seconds: s, ...(cpu ? { cpu_mb_per_s: bytes / 1e6 / cpu } : {}) });

/** The instruction count per record of the Fluent Bit module before the prefilter (bench corpus, 100 MB). */
const TODAY_WASM_OPS_PER_RECORD = 12_864;
const NON_ASCII_SHARE = 0.1;
const NON_ASCII_WORDS = ["café", "Grüße", "naïve", "日本語のログ", "ошибка", "✓ done", "😀"];

/** The corpus with a non-ASCII word added to a share of its container log messages, \u-escaped as Fluent Bit does. */
function withNonAscii(corpus: Buffer, share: number): Buffer {
  let k = 0;
  const escape = (s: string) => [...s].map((c) => (c.charCodeAt(0) < 0x80 ? c : [...Array(c.length)].map((_, i) => "\\u" + c.charCodeAt(i).toString(16).padStart(4, "0")).join(""))).join("");
  const lines = corpus.toString("utf8").split("\n");
  return Buffer.from(lines.map((l) => (l.startsWith('{"@timestamp"') && l.includes('"message":"') && (k++ * 2654435761 % 1000) / 1000 < share ? l.replace('"message":"', `"message":"${escape(NON_ASCII_WORDS[k % NON_ASCII_WORDS.length])} `) : l)).join("\n"));
}

/** podprobe's library over a corpus in 1 MiB chunks; returns the output of the last run. */
/**
 * podprobe's library over a corpus in 1 MiB chunks; returns the output of the last run. A new instance per run,
 * made before the clock starts (its tables are allocated up front: start-up, reported on its own); the output
 * pieces are joined after it stops (as the baselines' lines are).
 */
function runEngine(corpus: Buffer, nowMs: number, opts: { reuseOutput?: boolean; [option: string]: unknown } = {}, repeat = REPEAT) {
  let parts: Buffer[] = [];
  let stats;
  let memory = 0;
  let startup = 0;
  // reuseOutput: each call's output in the correlator's reused buffer, consumed before the next call (its length
  // counted, as a writer would take it); its bytes are checked against the plain case's apart (reusedOutput)
  const { reuseOutput, ...rest } = opts;
  let sink = 0;
  const s = timeIt(() => {}, repeat, () => {
    const t = process.hrtime.bigint();
    const c = createCorrelator({ clock: () => nowMs, ...rest });
    startup = Number(process.hrtime.bigint() - t) / 1e9;
    return () => {
      parts = [];
      if (reuseOutput) for (let i = 0; i < corpus.length; i += 1 << 20) sink += c.write(corpus.subarray(i, i + (1 << 20)), { reuseOutput }).length;
      else for (let i = 0; i < corpus.length; i += 1 << 20) parts.push(c.write(corpus.subarray(i, i + (1 << 20))));
      parts.push(c.end());
      stats = c.stats();
      memory = c.memoryBytes();
    };
  });
  if (sink < 0) log(""); // (keeps the lengths)
  return { s, cpu: lastCpu, out: Buffer.concat(parts), stats: stats!, memory, startup };
}

/** The library's output over the corpus with reuseOutput, each call's bytes copied at once (untimed). */
function reusedOutput(corpus: Buffer, nowMs: number): Buffer {
  const c = createCorrelator({ clock: () => nowMs });
  const parts: Buffer[] = [];
  for (let i = 0; i < corpus.length; i += 1 << 20) parts.push(Buffer.from(c.write(corpus.subarray(i, i + (1 << 20)), { reuseOutput: true })));
  parts.push(c.end());
  return Buffer.concat(parts);
}

/**
 * Engine cases over the same corpus with their runs interleaved — one run of each in turn, `repeat` rounds — so
 * that the machine's drift falls on all of them alike and the ratios between them hold; per case, the run of
 * median wall time.
 */
function runEngines<K extends string>(corpus: Buffer, nowMs: number, cases: Record<K, object>, repeat = REPEAT): Record<K, ReturnType<typeof runEngine>> {
  const runs = {} as Record<K, ReturnType<typeof runEngine>[]>;
  for (let r = 0; r < repeat; r++) for (const k of Object.keys(cases) as K[]) (runs[k] ??= []).push(runEngine(corpus, nowMs, cases[k] as Record<string, unknown>, 1));
  const out = {} as Record<K, ReturnType<typeof runEngine>>;
  for (const k of Object.keys(cases) as K[]) out[k] = [...runs[k]].sort((a, b) => a.s - b.s)[runs[k].length >> 1];
  return out;
}

function runBaseline(corpus: Buffer, nowMs: number, prefilter: boolean) {
  let o: string[] = [];
  const s = timeIt(() => {
    const p = createBaseline({ rule: SEED_RULE, nowMs, prefilter });
    const lines = corpus.toString("utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    o = [];
    for (const l of lines) p(l, o);
  });
  // (its output lines joined after the clock stops, as the engine's pieces are)
  return { s, cpu: lastCpu, out: o.join("\n") + "\n" };
}

/** The record's kind, for the per-kind instruction counts (the corpus's own spellings). */
const kindOf = (l: string) => (l.includes('"kind":"Event"') || l.includes("kubernetes.audit_logs") ? "audit" : l.includes('"process":{') ? "process" : "container");

/**
 * WASM instructions executed per record through the filter_wasm entry (malloc, malloc, call, free, free), on
 * instrumented copies of build/podprobe-fluent-bit.wasm and of a do-nothing module, over every corpus record.
 */
function wasmOps(corpus: Buffer, nowMs: number) {
  const run = (bytes: Uint8Array) => {
    const f = new FluentBitFilter(instrumentOps(bytes));
    const byKind: Record<string, { records: number; ops: number }> = {};
    let records = 0;
    for (let s = 0, e = corpus.indexOf(10); e >= 0; s = e + 1, e = corpus.indexOf(10, s)) {
      const rec = corpus.subarray(s, e);
      const before = opsOf(f.x as unknown as WebAssembly.Exports);
      f.call(rec, nowMs);
      const k = (byKind[kindOf(rec.toString("latin1"))] ??= { records: 0, ops: 0 });
      k.records++;
      k.ops += Number(opsOf(f.x as unknown as WebAssembly.Exports) - before);
      records++;
    }
    const total = Object.values(byKind).reduce((a, k) => a + k.ops, 0);
    return { perRecord: total / records, byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, { records: v.records, ops_per_record: v.ops / v.records }])) };
  };
  const podprobe = run(readFileSync(FB_WASM));
  const nothing = run(doNothingModule());
  // the routed deployment (examples/fluent-bit) sends only process events and audit lines through the filter
  const routed = ["process", "audit"].map((k) => podprobe.byKind[k] ?? { records: 0, ops_per_record: 0 });
  const routedRecords = routed.reduce((a, k) => a + k.records, 0);
  const allRecords = Object.values(podprobe.byKind).reduce((a, k) => a + k.records, 0);
  return {
    wasm_ops_per_record: podprobe.perRecord,
    do_nothing_wasm_ops_per_record: nothing.perRecord,
    wasm_ops_by_kind: podprobe.byKind,
    routed_share: routedRecords / allRecords,
    routed_wasm_ops_per_record: routed.reduce((a, k) => a + k.records * k.ops_per_record, 0) / routedRecords,
  };
}

function assertIdentical(name: string, engine: Buffer, other: string): void {
  const b = Buffer.from(other);
  if (b.equals(engine)) return;
  const a = engine.toString("utf8").split("\n");
  const o = other.split("\n");
  const i = a.findIndex((l, k) => l !== o[k]);
  process.stderr.write(`bench: ${name} output differs from podprobe's at line ${i + 1}:\n  podprobe: ${a[i]?.slice(0, 400)}\n  ${name}: ${o[i]?.slice(0, 400)}\n`);
  process.exit(1);
}

function main() {
  const started = Date.now();
  log(`podprobe bench${quick ? " --quick" : ""}: building a ${MB} MB mixed corpus (fixed seed)…`);
  const corpus = buildCorpus({ bytes: MB * 1e6, seed: 1 });
  const records = countLines(corpus);
  const nowMs = corpusClock(corpus);
  const dir = root + "build/bench/";
  mkdirSync(dir, { recursive: true });
  const corpusFile = dir + "corpus.ndjson";
  writeFileSync(corpusFile, corpus);

  log("engine: the seed rule, every example rule, a rule pack, a real pack (--pack), validate \"all\" — runs interleaved…");
  // warm up: the first passes pay for page faults, JIT tiers and the heap's first growth
  runEngine(corpus.subarray(0, corpus.lastIndexOf(10, 16_000_000) + 1), nowMs, {}, 2);
  const exampleRules = loadRuleFiles([root + "examples/rules"]).rules;
  const packRules = [...exampleRules, ...syntheticPack(320)];
  // a real pack (--pack PATH…, e.g. Elastic's detection-rules folders): how many files load, and all of them run together
  const loaded = args.pack?.length ? loadRuleFiles(args.pack, { collect: true }) : undefined;
  const engineCases: Record<string, object> = { engine: {}, engineReused: { reuseOutput: true }, withRules: { rules: exampleRules }, withPack: { rules: packRules }, engineAll: { validate: "all" } };
  if (loaded) engineCases.elastic = { rules: loaded.rules };
  const timed = runEngines(corpus, nowMs, engineCases, quick ? 1 : 5);
  const { engine, engineReused, withRules, withPack, engineAll } = timed;
  let elastic: { files: number; loaded: number; refused: Record<string, number>; programBytes: number; fitsFluentBit: boolean; run: ReturnType<typeof runEngine> } | undefined;
  if (loaded) {
    const refused: Record<string, number> = {};
    for (const r of loaded.results) if (r.error) refused[`${r.status} ${r.error.kind}`] = (refused[`${r.status} ${r.error.kind}`] ?? 0) + 1;
    const programBytes = compileRules(loaded.rules).length;
    elastic = { files: loaded.results.length, loaded: loaded.rules.length, refused, programBytes, fitsFluentBit: programBytes + 16 <= PROGRAM_CAPACITY, run: timed.elastic };
    log(`  ${args.pack!.join(", ")}: ${elastic.loaded} of ${elastic.files} files loaded`);
  }
  if (!engineAll.out.equals(engine.out)) throw new Error("bench: validate all wrote other bytes than validate candidates");
  if (!reusedOutput(corpus, nowMs).equals(engine.out)) throw new Error("bench: write with reuseOutput wrote other bytes than write");
  log("js_naive and js_prefilter (and their byte-identity with podprobe)…");
  const naive = runBaseline(corpus, nowMs, false);
  assertIdentical("js_naive", engine.out, naive.out);
  const pre = runBaseline(corpus, nowMs, true);
  assertIdentical("js_prefilter", engine.out, pre.out);


  log("cli (file → /dev/null), and its start-up alone (empty input)…");
  // --quick: the CLI reads the corpus four times over, so that start-up does not dominate its figure
  const cliFile = quick ? dir + "corpus-x4.ndjson" : corpusFile;
  if (quick) writeFileSync(cliFile, Buffer.concat([corpus, corpus, corpus, corpus]));
  const cliBytes = quick ? 4 * corpus.length : corpus.length;
  // the CLI reports the time from its first read to its last write flushed (PODPROBE_TIMING): the run without
  // Node's start-up, the module's compilation and the rule's, measured inside the run rather than as the
  // difference of two runs whose start-ups alone vary by a tenth of a second on this machine
  let processing = { wall: 0, cpu: 0 };
  const cliRun = (file: string) => () => {
    const fd = openSync(file, "r");
    const r = spawnSync(process.execPath, [root + "bin/podprobe.js"], { stdio: [fd, "ignore", "pipe"], env: { ...process.env, PODPROBE_TIMING: "1" } });
    closeSync(fd);
    if (r.status !== 0) throw new Error(`cli failed: ${r.stderr.toString()}`);
    const t = JSON.parse(r.stderr.toString().trim().split("\n").pop()!) as { processing_seconds: number; processing_cpu_seconds: number };
    processing = { wall: t.processing_seconds, cpu: t.processing_cpu_seconds };
  };
  writeFileSync(dir + "empty.ndjson", "");
  // start-up alone is a run on an empty input; the empty and the full runs alternate, so that the machine's
  // drift falls on both; medians of seven
  const startups: { wall: number; cpu: number }[] = [];
  const without: { wall: number; cpu: number }[] = [];
  const fulls: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < 7; i++) {
    const empty = { wall: timeIt(cliRun(dir + "empty.ndjson"), 1), cpu: lastCpu };
    startups.push(empty);
    fulls.push({ wall: timeIt(cliRun(cliFile), 1), cpu: lastCpu });
    without.push(processing);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const startupS = median(startups.map((x) => x.wall));
  const cliS = median(fulls.map((x) => x.wall));
  const cliCpu = median(fulls.map((x) => x.cpu));
  const cliWithoutS = median(without.map((x) => x.wall));
  const cliWithoutCpu = median(without.map((x) => x.cpu));

  log("fluent_bit_abi (per record, as filter_wasm calls it)…");
  const fbLimit = quick ? 50_000 : 200_000;
  const lines = corpus.toString("utf8").split("\n").slice(0, fbLimit).map((l) => Buffer.from(l));
  const fbBytes = lines.reduce((a, l) => a + l.length + 1, 0);
  const fbS = timeIt(() => {
    const f = new FluentBitFilter();
    for (const l of lines) f.call(l, nowMs);
  });

  log("fluent_bit_abi instructions per record (instrumented module, whole corpus)…");
  const ops = wasmOps(corpus, nowMs);
  log("the same corpus with non-ASCII text in some records, escaped as Fluent Bit's json.escape_unicode writes it…");
  const nonAscii = withNonAscii(corpus, NON_ASCII_SHARE);
  const opsNonAscii = wasmOps(nonAscii, nowMs);
  const naStats = runEngine(nonAscii, nowMs, {}, 1).stats;

  log("empty-batch call overhead…");
  const c0 = createCorrelator({ clock: () => nowMs, maxKeys: 1024, maxStateBytes: 4 << 20 });
  const calls = 100_000;
  const emptyS = timeIt(() => {
    for (let i = 0; i < calls; i++) c0.advance(nowMs);
  });

  log("flood: distinct pods vs the same records over 400 pods…");
  const floodPods = quick ? 100_000 : 1_000_000;
  const allCand = (o: CorpusOptions) => buildCorpus({ records: floodPods, allCandidates: true, seed: 2, ...o });
  const normalAll = allCand({});
  const floodAll = allCand({ distinctPods: true });
  const nowAll = corpusClock(normalAll);
  // lateness wide enough that the watermark does not free the flood: eviction must hold the line
  const floodOpts = { latenessMs: 86_400_000 };
  const normalRun = runEngine(normalAll, nowAll, floodOpts);
  const floodRun = runEngine(floodAll, corpusClock(floodAll), floodOpts);

  log("scaling: candidate share, distinct pods…");
  const scaleMb = quick ? 4 : 20;
  const byShare = [0, 0.01, 0.1, 0.5, 1].map((share) => {
    const processShare = Math.max(0.04, share);
    const cs = share === 1 ? buildCorpus({ bytes: scaleMb * 1e6, allCandidates: true, seed: 3 }) : buildCorpus({ bytes: scaleMb * 1e6, processShare, candidateShare: share / processShare, seed: 3 });
    const run = runEngine(cs, corpusClock(cs));
    return { candidate_fraction: run.stats.candidates_stage1 / run.stats.records_in, mb_per_s: cs.length / 1e6 / run.s };
  });
  const byPods = (quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000]).map((pods) => {
    const cs = pods === floodPods ? floodAll : allCand({ distinctPods: false, pods });
    const run = pods === floodPods ? floodRun : runEngine(cs, corpusClock(cs), floodOpts);
    return { pods, state_bytes: run.stats.state_bytes, keys_evicted: run.stats.keys_evicted, mb_per_s: cs.length / 1e6 / run.s };
  });

  const cases = {
    engine: { ...caseOf(corpus.length, records, engine.s, engine.cpu), startup_seconds: engine.startup },
    engine_reused_output: caseOf(corpus.length, records, engineReused.s, engineReused.cpu),
    engine_example_rules: caseOf(corpus.length, records, withRules.s, withRules.cpu),
    engine_rule_pack: caseOf(corpus.length, records, withPack.s, withPack.cpu),
    ...(elastic ? { engine_elastic_pack: caseOf(corpus.length, records, elastic.run.s, elastic.run.cpu) } : {}),
    cli: { ...caseOf(cliBytes, (cliBytes / corpus.length) * records, cliWithoutS, cliWithoutCpu), startup_seconds: startupS, with_startup: caseOf(cliBytes, (cliBytes / corpus.length) * records, cliS, cliCpu) },
    engine_validate_all: caseOf(corpus.length, records, engineAll.s, engineAll.cpu),
    fluent_bit_abi: { ...caseOf(fbBytes, lines.length, fbS), ...ops },
    js_naive: caseOf(corpus.length, records, naive.s, naive.cpu),
    js_prefilter: caseOf(corpus.length, records, pre.s, pre.cpu),
  };
  const flood = {
    distinct_pods: floodPods,
    throughput_ratio: floodAll.length / floodRun.s / (normalAll.length / normalRun.s),
    state_bytes: floodRun.stats.state_bytes,
    max_state_bytes: floodRun.stats.max_state_bytes,
    keys_evicted: floodRun.stats.keys_evicted,
    mb_per_s: floodAll.length / 1e6 / floodRun.s,
    baseline_mb_per_s: normalAll.length / 1e6 / normalRun.s,
  };
  const targets = {
    engine_vs_js_naive: { want: ">= 10x", got: cases.engine.mb_per_s / cases.js_naive.mb_per_s },
    engine_vs_js_naive_cpu: { want: ">= 10x", got: cases.engine.cpu_mb_per_s! / cases.js_naive.cpu_mb_per_s! },
    engine_vs_js_prefilter: { want: ">= 3x", got: cases.engine.mb_per_s / cases.js_prefilter.mb_per_s },
    engine_gb_per_s: { want: ">= 1", got: cases.engine.mb_per_s / 1000 },
    engine_gb_per_cpu_s: { want: ">= 1", got: cases.engine.cpu_mb_per_s! / 1000 },
    engine_reused_output_gb_per_s: { want: ">= 1", got: cases.engine_reused_output.mb_per_s / 1000 },
    cli_mb_per_s_excluding_startup: { want: ">= 400", got: cases.cli.mb_per_s },
    cli_mb_per_cpu_s_excluding_startup: { want: ">= 400", got: cases.cli.cpu_mb_per_s! },
    fluent_bit_wasm_ops_down: { want: ">= 8x", got: TODAY_WASM_OPS_PER_RECORD / cases.fluent_bit_abi.wasm_ops_per_record },
    flood_throughput_ratio: { want: ">= 0.8", got: flood.throughput_ratio },
    example_rules_vs_one: { want: ">= 0.5", got: withRules.s > 0 ? engine.s / withRules.s : 0 },
    rule_pack_vs_one: { want: ">= 0.333", got: withPack.s > 0 ? engine.s / withPack.s : 0 },
    rule_pack_vs_one_cpu: { want: ">= 0.333", got: withPack.cpu > 0 ? engine.cpu / withPack.cpu : 0 },
    flood_state_within_cap: { want: "true", got: flood.state_bytes <= flood.max_state_bytes ? 1 : 0 },
  };
  const met = (k: keyof typeof targets) => {
    const t = targets[k];
    const n = Number(t.want.replace(/[^\d.]/g, "")) || 1;
    return t.got >= n;
  };
  const result = {
    corpus: { mb: corpus.length / 1e6, records, candidates_stage1: engine.stats.candidates_stage1, candidates_stage2: engine.stats.candidates_stage2, matches: engine.stats.matches, seed: 1 },
    example_rules: { rules: exampleRules.map((r) => r.name), matches: withRules.stats.matches },
    rule_pack: {
      rules: packRules.length,
      stages: packRules.reduce((a, r) => a + r.stages.length, 0),
      matches: withPack.stats.matches,
      program_bytes: compileRules(packRules).length,
      table_bytes: withPack.stats.program_bytes,
      prefilter_reject_share: withPack.stats.prefilter_skipped / withPack.stats.records_in,
      startup_ms: withPack.startup * 1000,
      single_rule_startup_ms: engine.startup * 1000,
    },
    ...(elastic
      ? {
          elastic_pack: {
            paths: args.pack,
            files: elastic.files,
            loaded: elastic.loaded,
            not_loaded: elastic.refused,
            program_bytes: elastic.programBytes,
            fluent_bit_block_bytes: PROGRAM_CAPACITY,
            fits_fluent_bit: elastic.fitsFluentBit,
            matches: elastic.run.stats.matches,
            mb_per_s: corpus.length / 1e6 / elastic.run.s,
            cpu_mb_per_s: corpus.length / 1e6 / elastic.run.cpu,
            prefilter_reject_share: elastic.run.stats.prefilter_skipped / elastic.run.stats.records_in,
            startup_ms: elastic.run.startup * 1000,
          },
        }
      : {}),
    identical_output: { js_naive: true, js_prefilter: true, validate_all: true, reuse_output: true },
    prefilter_reject_share: engine.stats.prefilter_skipped / engine.stats.records_in,
    escaped_share: engine.stats.prefilter_escaped / engine.stats.records_in,
    non_ascii: {
      corpus: `the bench corpus with non-ASCII text added to ${NON_ASCII_SHARE * 100} % of the container log messages, escaped as \\uXXXX`,
      escaped_share: naStats.prefilter_escaped / naStats.records_in,
      prefilter_reject_share: naStats.prefilter_skipped / naStats.records_in,
      wasm_ops_per_record: opsNonAscii.wasm_ops_per_record,
      wasm_ops_by_kind: opsNonAscii.wasm_ops_by_kind,
    },
    cases,
    memory: { peak_rss_bytes: process.resourceUsage().maxRSS * 1024, wasm_memory_bytes: engine.memory },
    flood,
    scaling: { by_candidate_fraction: byShare, by_distinct_pods: byPods },
    empty_batch_call_ns: (emptyS * 1e9) / calls,
    targets: Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, { ...t, met: met(k as keyof typeof targets) }])),
    machine: { cpus: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`, node: process.version },
    seconds: (Date.now() - started) / 1000,
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return;
  }
  const f = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const out: string[] = [];
  out.push(`corpus: ${f(result.corpus.mb, 1)} MB, ${f(records)} records, ${result.corpus.candidates_stage1} stage-1 / ${result.corpus.candidates_stage2} stage-2 candidates, ${result.corpus.matches} sequences; both baselines byte-identical to podprobe`);
  out.push("");
  out.push("| case | MB/s | MB per CPU second | records/s | ns/record |");
  out.push("|---|---:|---:|---:|---:|");
  for (const [k, c] of Object.entries(cases)) out.push(`| ${k} | ${f(c.mb_per_s)} | ${c.cpu_mb_per_s ? f(c.cpu_mb_per_s) : "–"} | ${f(c.records_per_s)} | ${f(c.ns_per_record)} |`);
  out.push("");
  out.push(`cli: ${f(cases.cli.mb_per_s)} MB/s excluding Node start-up (${f(cases.cli.startup_seconds * 1000)} ms, measured on an empty input), ${f(cases.cli.with_startup.mb_per_s)} MB/s including it, over ${f(cliBytes / 1e6)} MB`);
  out.push(`prefilter: ${f(result.prefilter_reject_share * 100, 1)} % of records passed without inspection, ${f(result.escaped_share * 100, 2)} % decoded for escapes; validate "all": ${f(cases.engine_validate_all.mb_per_s)} MB/s`);
  out.push(`fluent_bit_abi: ${f(ops.wasm_ops_per_record)} WASM instructions per record (do-nothing module: ${f(ops.do_nothing_wasm_ops_per_record)}; before the prefilter: ${f(TODAY_WASM_OPS_PER_RECORD)}); by kind: ${Object.entries(ops.wasm_ops_by_kind).map(([k, v]) => `${k} ${f(v.ops_per_record)} (${f(v.records)} records)`).join(", ")}`);
  out.push(`routed (process events and audit lines only, as examples/fluent-bit routes them): ${f(ops.routed_share * 100, 1)} % of the records, ${f(ops.routed_wasm_ops_per_record)} instructions per routed record`);
  out.push(`non-ASCII: ${result.non_ascii.corpus}: ${f(result.non_ascii.escaped_share * 100, 1)} % of records decoded for escapes; ${f(result.non_ascii.wasm_ops_per_record)} instructions per record`);
  out.push(`rule pack: ${result.rule_pack.rules} rules (${result.rule_pack.stages} stages), program ${f(result.rule_pack.program_bytes)} bytes (its tables in the engine ${f(result.rule_pack.table_bytes)}), ${result.rule_pack.matches} matches; prefilter passed ${f(result.rule_pack.prefilter_reject_share * 100, 1)} % of records without inspection; start-up ${f(result.rule_pack.startup_ms)} ms (one rule: ${f(result.rule_pack.single_rule_startup_ms)} ms)`);
  if (result.elastic_pack) {
    const e = result.elastic_pack;
    out.push(`elastic pack: ${e.files} files, ${e.loaded} loaded and run together${Object.keys(e.not_loaded).length ? `, ${Object.entries(e.not_loaded).map(([k, n]) => `${n} ${k}`).join(", ")}` : ""}; program ${f(e.program_bytes)} bytes (Fluent Bit block ${f(e.fluent_bit_block_bytes)}: ${e.fits_fluent_bit ? "fits" : "does not fit"}); ${f(e.mb_per_s)} MB/s (${f(e.cpu_mb_per_s)} per CPU second), ${e.matches} matches; prefilter passed ${f(e.prefilter_reject_share * 100, 1)} % without inspection; start-up ${f(e.startup_ms)} ms`);
  }
  out.push("");
  out.push(`flood: ${f(flood.distinct_pods)} distinct pods: ${f(flood.mb_per_s)} MB/s vs ${f(flood.baseline_mb_per_s)} MB/s over 400 pods (ratio ${f(flood.throughput_ratio, 2)}); state ${f(flood.state_bytes)} of ${f(flood.max_state_bytes)} bytes; ${f(flood.keys_evicted)} keys evicted`);
  out.push(`memory: peak RSS ${f(result.memory.peak_rss_bytes / 1048576)} MiB, WASM memory ${f(result.memory.wasm_memory_bytes / 1048576)} MiB; empty batch call ${f(result.empty_batch_call_ns)} ns`);
  out.push("");
  out.push("| candidate fraction | MB/s |");
  out.push("|---:|---:|");
  for (const r of byShare) out.push(`| ${f(r.candidate_fraction, 4)} | ${f(r.mb_per_s)} |`);
  out.push("");
  out.push("| distinct pods | state bytes | keys evicted | MB/s |");
  out.push("|---:|---:|---:|---:|");
  for (const r of byPods) out.push(`| ${f(r.pods)} | ${f(r.state_bytes)} | ${f(r.keys_evicted)} | ${f(r.mb_per_s)} |`);
  out.push("");
  out.push("| target | wanted | measured | met |");
  out.push("|---|---|---:|---|");
  for (const [k, t] of Object.entries(result.targets)) out.push(`| ${k} | ${t.want} | ${f(t.got, 2)} | ${t.met ? "yes" : "no"} |`);
  out.push("");
  out.push(`${result.seconds.toFixed(0)} s on ${result.machine.cpus}, Node ${process.version}`);
  process.stdout.write(out.join("\n") + "\n");
}

main();
