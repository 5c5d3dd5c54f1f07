// The library API: createCorrelator(options) → write(chunk) / end() / advance(nowMs) / stats().
// Frames NDJSON into batches of whole lines (a partial line waits for the next chunk); lines longer than
// max_record_bytes stream straight through, never copied into the engine. No per-record work here.

import { Engine } from "./engine.js";
import { compileRules } from "./compile.js";
import { SEED_RULE, type SequenceRule } from "./rule.js";
import { resolveOptions, type CorrelatorOptions, type ResolvedOptions } from "./options.js";
import type { Stats } from "./counters.js";

const NL = 10;
const EMPTY = new Uint8Array(0);

export interface CreateOptions extends CorrelatorOptions {
  /** Rules to run (default: the seed rule). */
  rules?: SequenceRule[];
  /** The host clock in epoch ms (default Date.now); advance() overrides it with an explicit time. */
  clock?: () => number;
}

export interface Correlator {
  /** Feeds bytes; returns every complete output line so far (a partial input line is kept). */
  write(chunk: Uint8Array | string): Uint8Array;
  /** Ends the input: the last line (even without newline), then every held record. */
  end(chunk?: Uint8Array | string): Uint8Array;
  /** Moves the clock to nowMs and releases held records whose hold expired. */
  advance(nowMs: number): Uint8Array;
  /** One line per record of the chunk (complete lines): its correlation key, or an empty line. */
  keys(chunk: Uint8Array | string): Uint8Array;
  stats(): Stats;
  readonly options: ResolvedOptions;
}

const enc = new TextEncoder();
const bytesOf = (c: Uint8Array | string) => (typeof c === "string" ? enc.encode(c) : c);

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts);
}

export function createCorrelator(options: CreateOptions = {}): Correlator {
  const { rules, clock, ...rest } = options;
  const opts = resolveOptions(rest as Record<string, unknown>, (k) => k);
  const ruleSet = (rules ?? [SEED_RULE]).map((r) => (opts.maxspanMs ? { ...r, maxspanMs: opts.maxspanMs } : r));
  const engine = new Engine(opts, compileRules(ruleSet));
  const batch = Math.max(opts.batchBytes, opts.maxRecordBytes + 1);
  let manualNow: number | undefined;
  const now = () => manualNow ?? (clock ? clock() : Date.now());

  let carry: Uint8Array = EMPTY; // a partial line (≤ max_record_bytes)
  let streaming = false; // inside an oversize line that passes straight through

  function feed(data: Uint8Array, outs: Uint8Array[], final: boolean): void {
    let start = 0;
    if (streaming) {
      const nl = data.indexOf(NL);
      if (nl < 0) {
        outs.push(data.slice());
        if (final) {
          engine.countOversize(1);
          streaming = false;
        }
        return;
      }
      outs.push(data.slice(0, nl + 1));
      engine.countOversize(1);
      streaming = false;
      start = nl + 1;
    }
    const buf = data;
    const t = now();
    while (start < buf.length) {
      const limit = Math.min(buf.length, start + batch);
      const cut = buf.lastIndexOf(NL, limit - 1);
      if (cut >= start) {
        outs.push(engine.process(buf.subarray(start, cut + 1), t));
        start = cut + 1;
        continue;
      }
      if (limit === buf.length) {
        // a partial last line
        const rest = buf.length - start;
        if (final) {
          if (rest > opts.maxRecordBytes) {
            outs.push(buf.slice(start));
            engine.countOversize(1);
          } else outs.push(engine.process(buf.subarray(start), t));
        } else if (rest > opts.maxRecordBytes) {
          outs.push(buf.slice(start));
          streaming = true;
        } else carry = buf.slice(start);
        return;
      }
      // no newline within a whole batch: the line is over max_record_bytes
      const nl = buf.indexOf(NL, limit);
      if (nl < 0) {
        outs.push(buf.slice(start));
        if (final) engine.countOversize(1);
        else streaming = true;
        return;
      }
      outs.push(buf.slice(start, nl + 1));
      engine.countOversize(1);
      start = nl + 1;
    }
  }

  function take(chunk: Uint8Array | string | undefined, final: boolean): Uint8Array {
    const outs: Uint8Array[] = [];
    let data = chunk === undefined ? EMPTY : bytesOf(chunk);
    if (carry.length > 0) {
      data = concat([carry, data]);
      carry = EMPTY;
    }
    feed(data, outs, final);
    return concat(outs);
  }

  return {
    options: opts,
    write: (chunk) => take(chunk, false),
    end(chunk) {
      const out = take(chunk, true);
      const held = engine.release(now(), true);
      return held.length ? concat([out, held]) : out;
    },
    advance(nowMs) {
      manualNow = nowMs;
      return engine.release(nowMs, false);
    },
    keys: (chunk) => engine.keys(bytesOf(chunk), now()),
    stats: () => engine.stats(opts.maxStateBytes),
  };
}
