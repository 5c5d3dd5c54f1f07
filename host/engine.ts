// Binding to the WASM engine (raw exports, no loader): one instance per correlator, options and rule program
// written once at init, then whole batches in and out of linear memory.

import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { COUNTER_NAMES, type Stats } from "./counters.js";
import { OptionError, type ResolvedOptions } from "./options.js";

interface Exports {
  memory: WebAssembly.Memory;
  alloc(n: number): number;
  options_ptr(): number;
  options_count(): number;
  counters_ptr(): number;
  counters_count(): number;
  required_state_bytes(keys: number, ring: number, maxSummary: number, holdMs: number, maxBlocks: number, sources: number, runs: number): number;
  set_dispatch(on: number): void;
  init(program: number, len: number): number;
  input_ptr(n: number): number;
  source_ptr(n: number): number;
  output_ptr(): number;
  process(n: number, nowMs: number): number;
  keys(n: number, nowMs: number): number;
  flush(nowMs: number): number;
  count_oversize(n: number): void;
  refresh(): void;
}

// option slots: the order of assembly/options.ts
export const OPTION_SLOTS = {
  maxKeys: 0,
  ringCapacity: 1,
  maxStateBytes: 2,
  latenessMs: 3,
  maxFutureMs: 4,
  skewMs: 5,
  holdMs: 6,
  keyMode: 7,
  alerts: 8,
  maxRecordBytes: 9,
  maxSummaryBytes: 10,
  sourceIdleMs: 11,
  maxSources: 12,
  maxKeysPerRecord: 13,
  validate: 14, // 0 = candidates, 1 = all
  redact: 15, // written as "redact off": an unwritten slot (0) redacts
} as const;

/** The option slot values the engine reads (index = slot). */
export function optionValues(opts: ResolvedOptions): number[] {
  const v: number[] = new Array(16).fill(0);
  for (const [k, i] of Object.entries(OPTION_SLOTS)) {
    const x = opts[k as keyof typeof OPTION_SLOTS];
    v[i] = k === "redact" ? Number(!x) : typeof x === "boolean" ? Number(x) : k === "keyMode" ? Number(x === "namespace-pod") : k === "validate" ? Number(x === "all") : (x as number);
  }
  return v;
}

const INIT_ERRORS: Record<number, string> = {
  1: "the rule program is malformed",
  2: "the rules section of the program is malformed",
  4: "the engine was initialised twice",
};

/** Where the Node build of the engine is: build/podprobe.wasm beside the compiled host or the sources. */
export function wasmPath(name = "podprobe.wasm"): string {
  for (const rel of [`../${name}`, `../build/${name}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found: run \`npm run build\` first`);
}

const EMPTY_NAME = Buffer.alloc(0);

let compiled: WebAssembly.Module | undefined;
function module(): WebAssembly.Module {
  if (!compiled) {
    // V8 tiering flags are the application's choice, not a library's: the CLI and serve set them
    // (host/cli/v8-flags.ts); a library user opts in with `node --no-liftoff --no-wasm-dynamic-tiering --no-wasm-lazy-compilation`.
    compiled = new WebAssembly.Module(readFileSync(wasmPath()));
  }
  return compiled;
}

export class Engine {
  private readonly x: Exports;

  private source: string | undefined = undefined; // the source last given to the engine

  /** layout: what a key of the program's rules holds (compile.ts keyLayout; sizes the key slots and entries). */
  constructor(opts: ResolvedOptions, program: Uint8Array, spelling: (camelKey: string) => string = (k) => k, layout = { maxBlocks: 2, runs: false }) {
    this.x = new WebAssembly.Instance(module(), {}).exports as unknown as Exports;
    const x = this.x;
    const maxBlocks = Math.max(2, layout.maxBlocks);
    const need = x.required_state_bytes(opts.maxKeys, opts.ringCapacity, opts.maxSummaryBytes, opts.holdMs, maxBlocks, opts.maxSources, layout.runs ? 1 : 0);
    if (need > opts.maxStateBytes) {
      throw new OptionError(
        spelling("maxStateBytes"),
        opts.maxStateBytes,
        `${spelling("maxKeys")}=${opts.maxKeys} with ${spelling("ringCapacity")}=${opts.ringCapacity}${maxBlocks > 2 ? ` and rules whose keys hold ${maxBlocks} stage buffers` : ""}${opts.holdMs > 0 ? ` and ${spelling("holdMs")}` : ""} need at least ${Math.ceil(need)} bytes`,
      );
    }
    new Float64Array(x.memory.buffer, x.options_ptr(), x.options_count()).set(optionValues(opts));
    const p = x.alloc(program.length + 16); // slack: the engine loads path strings a word at a time
    new Uint8Array(x.memory.buffer, p, program.length).set(program);
    const rc = x.init(p, program.length);
    if (rc !== 0) throw new Error(`engine init: ${INIT_ERRORS[rc] ?? `error ${rc}`}`);
    if (x.counters_count() !== COUNTER_NAMES.length) throw new Error("engine and host disagree on counters");
  }

  // each input byte is copied once into the engine's memory (head and data side by side), each output byte
  // once out of it
  private run(fn: (n: number, now: number) => number, data: Uint8Array, nowMs: number, head?: Uint8Array): Buffer {
    const x = this.x;
    const h = head?.length ?? 0;
    const p = x.input_ptr(h + data.length);
    const m = new Uint8Array(x.memory.buffer);
    if (h > 0) m.set(head!, p);
    m.set(data, p + h);
    const n = fn(h + data.length, nowMs);
    return this.output(n);
  }

  private output(n: number): Buffer {
    const from = new Uint8Array(this.x.memory.buffer, this.x.output_ptr(), n);
    if (!this.reusing) {
      const out = Buffer.allocUnsafeSlow(n);
      out.set(from);
      return out;
    }
    // into the reused buffer, after what this call wrote there before (its parts lie end to end: one view)
    if (this.reusedAt + n > this.reused.length) {
      // (parts of this call already made stay in the old buffer: the call's output is then joined by a copy)
      this.reused = Buffer.allocUnsafeSlow(Math.max(2 * this.reused.length, this.reusedAt + n));
    }
    const out = this.reused.subarray(this.reusedAt, this.reusedAt + n);
    out.set(from);
    this.reusedAt += n;
    return out;
  }

  // The output of a call made with reuseOutput goes into one buffer the engine keeps instead of fresh ones: a
  // fresh 1 MiB buffer per batch is memory the system must hand over page by page (on the bench machine a
  // tenth of a second per 100 MB, as system time)
  private reused: Buffer = Buffer.allocUnsafeSlow(0);
  private reusedAt = 0;
  private reusing = false;

  /** Until endReuse(), outputs go into the reused buffer, from its start. */
  beginReuse(): void {
    this.reusing = true;
    this.reusedAt = 0;
  }

  endReuse(): void {
    this.reusing = false;
  }

  /**
   * Runs complete NDJSON lines (a last line without newline is a final record) through the engine; `head` is
   * put before them (the start of their first line); `source` names where they came from (per-source watermarks;
   * undefined: the default source).
   */
  process(data: Uint8Array, nowMs: number, head?: Uint8Array, source?: string): Buffer {
    if (source !== this.source) {
      const name = source === undefined ? EMPTY_NAME : Buffer.from(source);
      const p = this.x.source_ptr(name.length);
      new Uint8Array(this.x.memory.buffer, p, name.length).set(name);
      this.source = source;
    }
    return this.run(this.x.process, data, nowMs, head);
  }

  /** One line per record: its correlation key (JSON-escaped) or nothing. */
  keys(data: Uint8Array, nowMs: number, head?: Uint8Array): Buffer {
    return this.run(this.x.keys, data, nowMs, head);
  }

  /** Releases held records whose deadline passed (all of them when `all`). */
  release(nowMs: number, all: boolean): Buffer {
    return all ? this.output(this.x.flush(nowMs)) : this.process(Buffer.alloc(0), nowMs);
  }

  /** Dispatch on (default), or every stage evaluated for every record (for tests and A/B measurements). */
  setDispatch(on: boolean): void {
    this.x.set_dispatch(on ? 1 : 0);
  }

  countOversize(n: number): void {
    this.x.count_oversize(n);
  }

  stats(maxStateBytes: number): Stats {
    this.x.refresh();
    const c = new BigUint64Array(this.x.memory.buffer, this.x.counters_ptr(), COUNTER_NAMES.length);
    const s = { max_state_bytes: maxStateBytes } as Stats;
    COUNTER_NAMES.forEach((name, i) => (s[name] = Number(c[i])));
    return s;
  }

  /** Bytes of linear memory the instance holds (tables are allocated up front). */
  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }
}
