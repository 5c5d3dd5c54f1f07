// The `podprobe` command: a filter over files or stdin (default), `key` (one correlation key per record), `demo`
// (the bundled sample stream), `serve` (the Vector sidecar) and `build-fluent-bit` (the Fluent Bit module).
// Exit 0 on success (also when a signal or a closed stdout ended it cleanly), 2 on a usage or option error,
// 1 on an I/O failure. Every option is a flag (--kebab-case) and a --config key (snake_case); flags win.

import { parseArgs } from "node:util";
import { readFileSync, createReadStream, statSync, fstatSync, existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { dirname, resolve } from "node:path";
import { createCorrelator, type Correlator } from "../correlator.js";
import { OPTION_SPECS, HOST_OPTION_SPECS, OptionError, optionsFromConfig, checkHostOptions, snake, type CorrelatorOptions, type HostOptions } from "../options.js";
import { runDemo } from "./demo.js";
import { serve } from "../serve/index.js";
import { AddressError, parseAddress } from "../serve/address.js";
import { loadRuleFiles, RuleFileError } from "../rules/rules-file.js";
import { runRulesCommand } from "../rules/check.js";
import type { SequenceRule } from "../rules/model.js";
import { buildFluentBitModule } from "../fluent-bit/build.js";
import { preferOptimizedWasm } from "./v8-flags.js";
import { Signals } from "./signals.js";
import { Output } from "./output.js";
import { USAGE, SERVE_USAGE, HELP } from "./usage.js";

const COMMANDS = ["key", "demo", "serve", "build-fluent-bit", "help"] as const;
type Command = "filter" | (typeof COMMANDS)[number];
/** What runs: the command, and for serve its transport. */
export type Mode = "filter" | "key" | "demo" | "socket" | "http" | "fluent-bit";

const MODE_NAMES: Record<Mode, string> = { filter: "the filter", key: "podprobe key", demo: "podprobe demo", socket: "serve in socket mode", http: "serve in HTTP mode", "fluent-bit": "build-fluent-bit" };

/** Options that apply to some modes only (every other option applies wherever the engine runs). */
const ONLY: Record<string, Mode[]> = {
  holdMs: ["filter", "demo", "socket"],
  alerts: ["filter", "demo", "socket", "http"],
  redact: ["filter", "demo", "socket", "http", "fluent-bit"],
  batchBytes: ["filter", "key", "demo", "socket", "http"],
  rules: ["filter", "key", "socket", "http", "fluent-bit"],
  skipUnsupported: ["filter", "key", "socket", "http", "fluent-bit"],
  includeDeprecated: ["filter", "key", "socket", "http", "fluent-bit"],
  stats: ["filter", "key", "socket", "http"],
  listen: ["socket", "http"],
  forward: ["socket", "http"],
  metrics: ["socket", "http"],
  maxInflightBytes: ["socket", "http"],
  retryTimeoutMs: ["http"],
  out: ["fluent-bit"],
};
const WHY: Record<string, string> = {
  holdMs: "held records would leave outside the batch's acknowledgement (HTTP) or after the call returned (Fluent Bit)",
};

const kebab = (camelName: string) => snake(camelName).replace(/_/g, "-");

export class UsageError extends Error {}

interface Parsed {
  command: Command;
  mode: Mode;
  files: string[];
  engine: CorrelatorOptions & { rules?: SequenceRule[] };
  host: HostOptions;
  spelling: (k: string) => string;
  help?: string;
  version?: boolean;
}

type FlagSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

function flagTable(): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = {
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
  };
  const all = { ...OPTION_SPECS, ...HOST_OPTION_SPECS } as Record<string, { kind: string }>;
  for (const [name, spec] of Object.entries(all)) {
    if (spec.kind === "bool") {
      flags[kebab(name)] = { type: "boolean" };
      flags[`no-${kebab(name)}`] = { type: "boolean" };
    } else flags[kebab(name)] = { type: "string", multiple: spec.kind === "list" };
  }
  return flags;
}

/** A strict decimal integer: no 0x10, 1e3, 1.0, "" or spaces. */
function strictInt(flag: string, raw: string): number {
  if (!/^-?[0-9]+$/.test(raw)) throw new OptionError(flag, raw, "expected a decimal integer");
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new OptionError(flag, raw, "too large");
  return n;
}

export function parse(argv: string[]): Parsed {
  const flags = flagTable();
  // `--lateness-ms -5`: parseArgs would take -5 for a flag; join it so that the range check can explain it
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : "";
    if (flags[name]?.type === "string" && i + 1 < argv.length && /^-[0-9]/.test(argv[i + 1])) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: flags, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]);
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const first = parsed.positionals[0];
  const command: Command = (COMMANDS as readonly string[]).includes(first ?? "") ? (first as Command) : "filter";
  const rest = command === "filter" ? parsed.positionals : parsed.positionals.slice(1);
  if (command === "help") {
    if (rest.length > 1 || (rest[0] !== undefined && !(COMMANDS as readonly string[]).includes(rest[0]))) throw new UsageError(`help: unknown command ${rest.join(" ")}`);
    return { command, mode: "filter", files: [], engine: {}, host: {}, spelling: (k) => k, help: HELP[rest[0] ?? ""] ?? USAGE };
  }
  if (v.help) return { command, mode: "filter", files: [], engine: {}, host: {}, spelling: (k) => k, help: HELP[command] ?? USAGE };
  if (v.version) return { command, mode: "filter", files: [], engine: {}, host: {}, spelling: (k) => k, version: true };
  if ((command === "demo" || command === "serve" || command === "build-fluent-bit") && rest.length > 0) {
    throw new UsageError(`${command} takes no file arguments (got ${rest.join(" ")})`);
  }

  // the config file first, then the flags in the order given (the last of --x / --no-x wins)
  let opts: Record<string, unknown> = {};
  let configDir = ".";
  if (typeof v.config === "string") {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(v.config, "utf8"));
    } catch (e) {
      throw new OptionError("--config", v.config, (e as Error).message.split("\n")[0]);
    }
    opts = optionsFromConfig(json, v.config);
    configDir = dirname(v.config);
    for (const k of Object.keys(opts)) {
      if (!(k in OPTION_SPECS) && !(k in HOST_OPTION_SPECS)) {
        const known = [...Object.keys(OPTION_SPECS), ...Object.keys(HOST_OPTION_SPECS)].map(snake).join(", ");
        throw new OptionError(snake(k), opts[k], `unknown option in ${v.config}; known: ${known}`);
      }
    }
  }
  const fromFlags = new Set<string>();
  const camelOf = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const allSpecs = { ...OPTION_SPECS, ...HOST_OPTION_SPECS } as Record<string, { kind: string }>;
  let flagRules: string[] | undefined;
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option" || t.name === "config" || t.name === "help" || t.name === "version") continue;
    const negated = t.name.startsWith("no-") && !(t.name in allSpecs) && camelOf(t.name.slice(3)) in allSpecs;
    const name = camelOf(negated ? t.name.slice(3) : t.name);
    const spec = allSpecs[name];
    fromFlags.add(name);
    if (spec.kind === "bool") opts[name] = !negated;
    else if (spec.kind === "list") (flagRules ??= []).push(t.value as string);
    else if (spec.kind === "int") opts[name] = strictInt(`--${kebab(name)}`, t.value as string);
    else opts[name] = t.value;
  }
  if (flagRules) opts.rules = flagRules;
  else if (opts.rules !== undefined && Array.isArray(opts.rules)) {
    // paths in a config file are relative to it
    opts.rules = (opts.rules as unknown[]).map((p) => (typeof p === "string" && p !== "" ? resolve(configDir, p) : p));
  }
  const spelling = (k: string) => (fromFlags.has(k) ? `--${kebab(k)}` : snake(k));

  const host: Record<string, unknown> = {};
  const engine: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(opts)) (k in HOST_OPTION_SPECS ? host : engine)[k] = val;
  checkHostOptions(host, spelling);

  let mode: Mode = command === "key" ? "key" : command === "demo" ? "demo" : command === "build-fluent-bit" ? "fluent-bit" : "filter";
  if (command === "serve") {
    if (host.listen === undefined || host.forward === undefined) throw new UsageError("serve needs --listen and --forward (or listen and forward in --config)");
    const l = parseAddress(host.listen as string, spelling("listen"));
    const f = parseAddress(host.forward as string, spelling("forward"));
    mode = l.kind === "http" || f.kind === "http" ? "http" : "socket";
  }
  for (const k of Object.keys(opts)) {
    const only = ONLY[k];
    if (only && !only.includes(mode)) {
      const where = only.map((m) => MODE_NAMES[m]).join(", ");
      throw new OptionError(spelling(k), opts[k], `does not apply to ${MODE_NAMES[mode]} (it is for ${where})${WHY[k] ? `: ${WHY[k]}` : ""}`);
    }
  }
  if (host.skipUnsupported && !host.rules) throw new UsageError(`${spelling("skipUnsupported")} goes with --rules`);
  if (host.includeDeprecated && !host.rules) throw new UsageError(`${spelling("includeDeprecated")} goes with --rules`);
  if (host.rules) engine.rules = loadRules(host.rules as string[], { skipUnsupported: host.skipUnsupported === true, includeDeprecated: host.includeDeprecated === true }, spelling("rules"));
  const files = command === "filter" || command === "key" ? (rest.length ? rest : ["-"]) : [];
  // `podprobe serv`: a mistyped command, not a missing file
  const typo = command === "filter" ? files.find((f) => /^[a-z][a-z-]*$/.test(f) && !existsSync(f)) : undefined;
  if (typo) throw new UsageError(`unknown command ${typo} (and no file of that name)`);
  return { command, mode, files, engine: engine as Parsed["engine"], host: host as HostOptions, spelling };
}

function loadRules(paths: string[], how: { skipUnsupported: boolean; includeDeprecated: boolean }, name: string): SequenceRule[] {
  try {
    const loaded = loadRuleFiles(paths, how);
    for (const e of loaded.skipped) process.stderr.write(`podprobe: skipped ${e.message}\n`);
    for (const w of loaded.warnings) process.stderr.write(`podprobe: ${w}\n`);
    return loaded.rules;
  } catch (e) {
    if (e instanceof RuleFileError) throw new OptionError(name, e.file, e.message.slice(e.file.length + 2));
    throw new OptionError(name, paths.join(" "), (e as Error).message.split("\n")[0]);
  }
}

/** An input or output failure: exit 1. */
class IoError extends Error {}

/** Every input file must be readable before the first record is written. */
function checkInputs(files: string[]): void {
  for (const f of files) {
    if (f === "-") continue;
    let st;
    try {
      st = statSync(f);
    } catch (e) {
      throw new IoError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (st.isDirectory()) throw new IoError(`cannot read ${f}: it is a directory`);
  }
}

const STOP = Symbol("stop");

/**
 * stdin: a file read in 1 MiB chunks (one engine call per read keeps per-call costs small); a pipe, socket or
 * terminal through Node's non-blocking stream (a blocking read of a pipe in the thread pool would keep the
 * process from exiting after a signal, and a pipe holds 64 KiB at a time anyway).
 */
function stdin(): Readable {
  let file = false;
  try {
    file = fstatSync(0).isFile();
  } catch {
    // no stdin: the stream reports it
  }
  return file ? createReadStream("", { fd: 0, highWaterMark: 1 << 20 }) : process.stdin;
}

/**
 * Runs the files (or stdin) through c to stdout until the end, a signal or a closed stdout. Returns true when
 * it stopped early (a read may still be pending: the caller exits explicitly).
 */
async function pump(c: Correlator, mode: "tag" | "key", files: string[], progress: boolean, signals: Signals): Promise<boolean> {
  const out = new Output(process.stdout);
  let input: Readable | undefined;
  let stopped = false;
  // a pending read is not waited for after a stop. (Each read gets its own promise: racing every read against
  // one long-lived "stopped" promise would pile a reaction, and the chunk it resolved with, onto that promise.)
  let wake: () => void = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  const offSignal = signals.on(stop);
  out.onClosed(stop);
  let bytes = 0;
  let last = 0;
  const show = (final: boolean) => {
    const s = c.stats();
    process.stderr.write(`\rpodprobe: ${s.records_in} records, ${(bytes / 1e6).toFixed(1)} MB, ${s.matches} sequences, ${s.invalid} invalid${final ? "\n" : ""}`);
  };
  // with hold_ms, held records leave when their hold expires even if no input arrives
  const timer = c.options.holdMs > 0 && mode === "tag" ? setInterval(() => void out.write(c.advance(Date.now())), Math.max(10, Math.min(250, c.options.holdMs / 2))) : undefined;
  try {
    for (const file of files) {
      if (stopped) break;
      // 1 MiB reads: one engine call per read keeps per-call costs small
      input = file === "-" ? stdin() : createReadStream(file, { highWaterMark: 1 << 20 });
      const chunks = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await new Promise<IteratorResult<Buffer> | typeof STOP>((resolve, reject) => {
            wake = () => resolve(STOP);
            if (stopped) resolve(STOP);
            chunks.next().then(resolve, reject);
          });
          if (next === STOP || next.done) break;
          const chunk = next.value;
          bytes += chunk.length;
          // (tags: the output goes into the correlator's reused buffer, released before the next write)
          if (mode === "tag") await out.writeAndRelease(c.write(chunk, { reuseOutput: true }));
          else await out.write(c.keys(chunk));
          if (progress && Date.now() - last > 250) {
            last = Date.now();
            show(false);
          }
          if (stopped) break;
        }
      } catch (e) {
        if (!stopped) throw new IoError(`cannot read ${file === "-" ? "stdin" : file}: ${(e as Error).message}`);
      }
    }
    if (timer) clearInterval(timer);
    // the end of the input, or a signal: the last partial line and every held record still leave
    await out.write(mode === "tag" ? c.end() : c.keys(new Uint8Array(0), true));
    await out.flushed();
  } finally {
    if (timer) clearInterval(timer);
    offSignal();
  }
  if (progress) show(true);
  if (out.failed) throw new IoError(`cannot write: ${out.failed.message}`);
  if (stopped) input?.destroy();
  return stopped;
}

/** For commands that print and end (help, demo, …): a reader that goes away ends them quietly too. */
function quietOnClosedStdout(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "rules") return runRulesCommand(argv.slice(1));
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (e) {
    const usage = e instanceof UsageError ? `${argv.includes("serve") ? SERVE_USAGE : USAGE}\n` : "";
    process.stderr.write(`podprobe: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help || args.version || (args.command !== "filter" && args.command !== "key")) quietOnClosedStdout();
  if (args.help) {
    process.stdout.write(args.help + "\n");
    return 0;
  }
  if (args.version) {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`podprobe ${pkg.version}\n`);
    return 0;
  }
  if (args.command === "build-fluent-bit") return runBuild(args);
  preferOptimizedWasm();
  const signals = new Signals().install();
  try {
    if (args.command === "serve") return await runServe(args, signals);
    let c: Correlator;
    try {
      if (args.command === "demo") return runDemo(args.engine);
      checkInputs(args.files);
      c = createCorrelator(args.engine, args.spelling);
    } catch (e) {
      if (e instanceof OptionError) {
        process.stderr.write(`podprobe: ${e.message}\n`);
        return 2;
      }
      if (e instanceof IoError) {
        process.stderr.write(`podprobe: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    let code = 0;
    let early = false;
    // PODPROBE_TIMING=1 (for the bench): one JSON line on stderr at exit with the time spent from the first read
    // to the last write flushed — the run without Node's start-up, the module's compilation and the rules'
    const t0 = process.env.PODPROBE_TIMING === "1" ? { wall: process.hrtime.bigint(), cpu: process.cpuUsage() } : undefined;
    try {
      early = await pump(c, args.command === "key" ? "key" : "tag", args.files, process.stderr.isTTY === true, signals);
      if (t0) {
        const cpu = process.cpuUsage(t0.cpu);
        process.stderr.write(JSON.stringify({ processing_seconds: Number(process.hrtime.bigint() - t0.wall) / 1e9, processing_cpu_seconds: (cpu.user + cpu.system) / 1e6 }) + "\n");
      }
    } catch (e) {
      process.stderr.write(`podprobe: ${(e as Error).message}\n`);
      code = 1;
      early = true;
    } finally {
      if (args.host.stats) process.stderr.write(JSON.stringify(c.stats()) + "\n");
    }
    // stopped by a signal or a closed stdout: nothing still open (stdin) may keep the process alive
    if (early) setTimeout(() => process.exit(code), 50).unref();
    return code;
  } finally {
    signals.uninstall();
  }
}

function runBuild(args: Parsed): number {
  try {
    const { rules, ...options } = args.engine;
    const out = args.host.out ?? "podprobe-fluent-bit.wasm";
    const r = buildFluentBitModule(options as Record<string, unknown>, rules, out, args.spelling);
    const names = r.rules.length <= 12 ? r.rules.join(", ") : `${r.rules.slice(0, 10).join(", ")} and ${r.rules.length - 10} more`;
    process.stdout.write(`podprobe: wrote ${out} (${r.bytes} bytes; rule program ${r.programBytes} of ${r.capacity} bytes) with ${r.rules.length} rule${r.rules.length === 1 ? "" : "s"}: ${names}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`podprobe build-fluent-bit: ${(e as Error).message.split("\n")[0]}\n`);
    return e instanceof OptionError ? 2 : 1;
  }
}

/** Runs the sidecar until SIGTERM or SIGINT: then stops accepting, flushes held records and exits 0. */
async function runServe(args: Parsed, signals: Signals): Promise<number> {
  const { listen, forward, metrics, maxInflightBytes, retryTimeoutMs } = args.host;
  const fail = (e: unknown) => {
    process.stderr.write(`podprobe serve: ${(e as Error).message}\n`);
    const code = e instanceof OptionError || e instanceof AddressError ? 2 : 1;
    // nothing opened may keep the process alive after a failed start-up
    setTimeout(() => process.exit(code), 100).unref();
    return code;
  };
  let running;
  try {
    running = await serve({ listen: listen!, forward: forward!, metrics, maxInflightBytes, retryTimeoutMs, log: (l) => process.stderr.write(l + "\n") }, args.engine, args.spelling);
  } catch (e) {
    return fail(e); // OptionError, AddressError: 2; StartupError (I/O) and anything else: 1
  }
  const signal = await signals.next();
  process.stderr.write(`podprobe serve: ${signal}: flushing\n`);
  const ok = await running.shutdown(10_000);
  if (args.host.stats) process.stderr.write(JSON.stringify(running.correlator.stats()) + "\n");
  if (!ok) process.stderr.write("podprobe serve: downstream did not take everything before the timeout\n");
  // anything still open (a client that never closed) must not keep the process alive after the flush
  setTimeout(() => process.exit(ok ? 0 : 1), 200).unref();
  return ok ? 0 : 1;
}
