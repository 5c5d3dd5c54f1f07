// The `podprobe` command: a stdin → stdout filter (default), `key` (one correlation key per record) and
// `demo` (the bundled sample stream). Exit 0 on success, 2 on a usage or option error, 1 on an I/O failure.

import { parseArgs } from "node:util";
import { readFileSync, createReadStream } from "node:fs";
import { once } from "node:events";
import { createCorrelator, type Correlator } from "../correlator.js";
import { OPTION_SPECS, OptionError, optionsFromConfig, snake, type CorrelatorOptions } from "../options.js";
import { runDemo } from "./demo.js";
import { serve, type ServeOptions } from "../serve/index.js";
import { AddressError } from "../serve/address.js";
import { loadRuleFiles, RuleFileError } from "../rules/rules-file.js";
import { runRulesCommand } from "../rules/check.js";

const USAGE = `usage: podprobe [options] < in.ndjson > out.ndjson
       podprobe key [options] < in.ndjson      one line per record: its correlation key, or empty
       podprobe demo                           run on the bundled sample stream and explain what it found
       podprobe rules check PATH…              which rule files load, and why the others do not
       podprobe serve --listen ADDR --forward ADDR [--metrics HOST:PORT] [options]
                                               Vector sidecar: tcp://host:port or unix:///path on both sides
                                               (socket mode), or http://host:port on both (HTTP mode)

options:
  --config FILE            JSON file of options in snake_case (flags below win over it)
  --rules PATH             Elastic detection-rule TOML file or folder (repeatable); default: the seed rule
  --skip-unsupported       load the other rules when one uses EQL podprobe cannot run yet
  --include-deprecated     also load rules with maturity = "deprecated"
  --key-mode pod|namespace-pod
  --lateness-ms N          --max-future-ms N    --skew-ms N        --hold-ms N
  --maxspan-ms N           --max-state-bytes N  --max-keys N       --ring-capacity N
  --max-record-bytes N     --max-summary-bytes N                   --batch-bytes N
  --source-field FIELD     a record field naming its stream: each value keeps its own watermark (default: one)
  --source-idle-ms N       --max-sources N      --max-keys-per-record N
  --no-alerts              do not write alert records
  --max-inflight-bytes N   serve: bytes queued or in flight before inputs are paused (socket) or 503 (HTTP)
  --retry-timeout-ms N     serve, HTTP mode: how long a batch is retried downstream before 503 upstream
  --stats                  one JSON line of counters on stderr at exit
  -h, --help               -v, --version`;

const kebab = (camelName: string) => snake(camelName).replace(/_/g, "-");

class UsageError extends Error {}

function parse(argv: string[]) {
  const flags: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    config: { type: "string" },
    stats: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
    "no-alerts": { type: "boolean" },
    rules: { type: "string", multiple: true },
    "skip-unsupported": { type: "boolean" },
    "include-deprecated": { type: "boolean" },
    listen: { type: "string" },
    forward: { type: "string" },
    metrics: { type: "string" },
    "max-inflight-bytes": { type: "string" },
    "retry-timeout-ms": { type: "string" },
  };
  for (const [name, spec] of Object.entries(OPTION_SPECS)) if (spec.kind !== "bool") flags[kebab(name)] = { type: "string" };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: flags, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  let opts: Record<string, unknown> = {};
  if (typeof v.config === "string") {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(v.config, "utf8"));
    } catch (e) {
      throw new OptionError("--config", v.config, (e as Error).message);
    }
    opts = optionsFromConfig(json, v.config);
  }
  const fromFlags = new Set<string>();
  for (const [name, spec] of Object.entries(OPTION_SPECS)) {
    const raw = v[kebab(name)];
    if (typeof raw !== "string") continue;
    fromFlags.add(name);
    if (spec.kind === "int") {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isInteger(n)) throw new OptionError(`--${kebab(name)}`, raw, "expected an integer");
      opts[name] = n;
    } else opts[name] = raw;
  }
  if (v["no-alerts"]) {
    opts.alerts = false;
    fromFlags.add("alerts");
  }
  const spelling = (k: string) => (fromFlags.has(k) ? `--${kebab(k)}` : snake(k));
  const [command, ...extra] = parsed.positionals;
  if (command === "demo" && (parsed.values as { rules?: string[] }).rules) throw new UsageError("demo runs the seed rule: --rules does not apply");
  if (extra.length > 0 || (command !== undefined && !["key", "demo", "serve"].includes(command))) {
    throw new UsageError(`unknown command: ${parsed.positionals.join(" ")}`);
  }
  const int = (flag: string) => {
    const raw = v[flag];
    if (typeof raw !== "string") return undefined;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(n)) throw new OptionError(`--${flag}`, raw, "expected an integer");
    return n;
  };
  const serveFlags = ["listen", "forward", "metrics", "max-inflight-bytes", "retry-timeout-ms"].filter((f) => v[f] !== undefined);
  if (command !== "serve" && serveFlags.length) throw new UsageError(`--${serveFlags[0]} is for podprobe serve`);
  let serveOpts: ServeOptions | undefined;
  if (command === "serve") {
    if (typeof v.listen !== "string" || typeof v.forward !== "string") throw new UsageError("serve needs --listen and --forward");
    serveOpts = { listen: v.listen, forward: v.forward, metrics: v.metrics as string | undefined, maxInflightBytes: int("max-inflight-bytes"), retryTimeoutMs: int("retry-timeout-ms") };
  }
  const rulePaths = (parsed.values as { rules?: string[] }).rules;
  if (rulePaths?.length) {
    try {
      const loaded = loadRuleFiles(rulePaths, { skipUnsupported: v["skip-unsupported"] === true, includeDeprecated: v["include-deprecated"] === true });
      for (const e of loaded.skipped) process.stderr.write(`podprobe: skipped ${e.message}\n`);
      for (const w of loaded.warnings) process.stderr.write(`podprobe: ${w}\n`);
      opts.rules = loaded.rules;
    } catch (e) {
      if (e instanceof RuleFileError) throw new OptionError("--rules", e.file, e.message.slice(e.file.length + 2));
      throw new OptionError("--rules", rulePaths.join(" "), (e as Error).message);
    }
  } else if (v["skip-unsupported"]) throw new UsageError("--skip-unsupported goes with --rules");
  else if (v["include-deprecated"]) throw new UsageError("--include-deprecated goes with --rules");
  return { command, opts, spelling, serveOpts, stats: v.stats === true, help: v.help === true, version: v.version === true };
}

async function pump(c: Correlator, mode: "tag" | "key", progress: boolean): Promise<void> {
  const out = process.stdout;
  let failed: Error | undefined;
  out.on("error", (e) => (failed = e));
  const write = async (b: Uint8Array) => {
    if (failed) throw failed;
    if (b.length > 0 && !out.write(b)) await Promise.race([once(out, "drain"), once(out, "error")]);
  };
  let bytes = 0;
  let last = 0;
  const show = (final: boolean) => {
    const s = c.stats();
    process.stderr.write(`\rpodprobe: ${s.records_in} records, ${(bytes / 1e6).toFixed(1)} MB, ${s.matches} sequences, ${s.invalid} invalid${final ? "\n" : ""}`);
  };
  // with hold_ms, held records leave when their hold expires even if no input arrives
  const timer = c.options.holdMs > 0 && mode === "tag" ? setInterval(() => void write(c.advance(Date.now())).catch(() => {}), Math.max(10, Math.min(250, c.options.holdMs / 2))) : undefined;
  try {
    // 1 MiB reads: one engine call per read keeps per-call costs small
    const input = createReadStream("", { fd: 0, highWaterMark: 1 << 20 });
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      await write(mode === "tag" ? c.write(chunk) : c.keys(chunk));
      if (progress && Date.now() - last > 250) {
        last = Date.now();
        show(false);
      }
    }
    await write(mode === "tag" ? c.end() : c.keys(new Uint8Array(0), true));
  } finally {
    if (timer) clearInterval(timer);
  }
  if (progress) show(true);
  if (failed) throw failed;
  if (!out.writableNeedDrain) return;
  await once(out, "drain");
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "rules") return runRulesCommand(argv.slice(1));
  let args;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`podprobe: ${(e as Error).message}\n${e instanceof UsageError ? USAGE + "\n" : ""}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (args.version) {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`podprobe ${pkg.version}\n`);
    return 0;
  }
  if (args.serveOpts) return runServe(args.serveOpts, args.opts as CorrelatorOptions, args.spelling, args.stats);
  let c: Correlator;
  try {
    if (args.command === "demo") return runDemo(args.opts as CorrelatorOptions);
    c = createCorrelator(args.opts as CorrelatorOptions, args.spelling);
  } catch (e) {
    if (e instanceof OptionError) {
      process.stderr.write(`podprobe: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    await pump(c, args.command === "key" ? "key" : "tag", process.stderr.isTTY === true);
  } catch (e) {
    process.stderr.write(`podprobe: ${(e as Error).message}\n`);
    return 1;
  } finally {
    if (args.stats) process.stderr.write(JSON.stringify(c.stats()) + "\n");
  }
  return 0;
}

/** Runs the sidecar until SIGTERM or SIGINT: then stops accepting, flushes held records and exits 0. */
async function runServe(s: ServeOptions, opts: CorrelatorOptions, spelling: (k: string) => string, stats: boolean): Promise<number> {
  let running;
  try {
    running = await serve({ ...s, log: (l) => process.stderr.write(l + "\n") }, opts, spelling);
  } catch (e) {
    if (e instanceof OptionError || e instanceof AddressError) {
      process.stderr.write(`podprobe: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`podprobe: ${(e as Error).message}\n`);
    return 1;
  }
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  process.stderr.write(`podprobe serve: ${signal}: flushing\n`);
  const ok = await running.shutdown(10_000);
  if (stats) process.stderr.write(JSON.stringify(running.correlator.stats()) + "\n");
  if (!ok) process.stderr.write("podprobe serve: downstream did not take everything before the timeout\n");
  // anything still open (a client that never closed) must not keep the process alive after the flush
  setTimeout(() => process.exit(ok ? 0 : 1), 200).unref();
  return ok ? 0 : 1;
}
