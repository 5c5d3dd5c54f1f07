// The library API: createCorrelator(options) → write(chunk) / end() / advance(nowMs) / stats().
// Framing is framing.ts; the engine does all per-record work.

import { Engine } from "./engine.js";
import { compileRules } from "./rules/compile.js";
import { SEED_RULE, type SequenceRule } from "./rules/rule.js";
import { resolveOptions, type CorrelatorOptions, type ResolvedOptions } from "./options.js";
import type { Stats } from "./counters.js";
import { Framer, EMPTY, concat } from "./framing.js";

const NEWLINE = Buffer.of(10);

export interface CreateOptions extends CorrelatorOptions {
  /** Rules to run (default: the seed rule). */
  rules?: SequenceRule[];
  /** The host clock in epoch ms. Without it: the time last given to advance(), else Date.now(). */
  clock?: () => number;
}

export interface Correlator {
  /** Feeds bytes; returns every complete output line so far (a partial input line is kept). */
  write(chunk: Uint8Array | string): Buffer;
  /** Ends the input: the last line (even without newline), then every held record. */
  end(chunk?: Uint8Array | string): Buffer;
  /** Moves the clock to nowMs and releases held records whose hold expired. */
  advance(nowMs: number): Buffer;
  /**
   * Key mode (`podprobe key`): one output line per input record — the key the engine joins it on
   * (JSON-escaped; the first one for an array key), or an empty line when it is no candidate.
   */
  keys(chunk: Uint8Array | string, final?: boolean): Buffer;
  stats(): Stats;
  /** Bytes of the engine's linear memory (state tables are allocated up front, plus I/O buffers). */
  memoryBytes(): number;
  readonly options: ResolvedOptions;
}

const enc = new TextEncoder();
const bytesOf = (c: Uint8Array | string) => (typeof c === "string" ? enc.encode(c) : c);


/**
 * A correlator with its own engine instance. Options are validated first; an OptionError names the option
 * as `spelling` writes it (camelCase by default; the CLI passes its flag and config-file names).
 */
export function createCorrelator(options: CreateOptions = {}, spelling: (camelKey: string) => string = (k) => k): Correlator {
  const { rules, clock, ...rest } = options;
  const opts = resolveOptions(rest as Record<string, unknown>, spelling);
  const ruleSet = (rules ?? [SEED_RULE]).map((r) => (opts.maxspanMs ? { ...r, maxspanMs: opts.maxspanMs } : r));
  const engine = new Engine(opts, compileRules(ruleSet), spelling);
  let manualNow: number | undefined;
  const now = () => (clock ? clock() : (manualNow ?? Date.now()));
  const tagger = new Framer(
    {
      batch: (lines, head) => engine.process(lines, now(), head),
      oversize(piece, complete) {
        if (complete) engine.countOversize(1);
        return piece;
      },
    },
    opts.maxRecordBytes,
    opts.batchBytes,
  );
  const keyer = new Framer(
    {
      batch: (lines, head) => engine.keys(lines, now(), head),
      // an oversize record has no key: its line is empty
      oversize: (_piece, complete) => (complete ? NEWLINE : EMPTY),
    },
    opts.maxRecordBytes,
    opts.batchBytes,
  );

  return {
    options: opts,
    write: (chunk) => tagger.push(bytesOf(chunk), false),
    end(chunk) {
      const out = tagger.push(chunk === undefined ? EMPTY : bytesOf(chunk), true);
      const held = engine.release(now(), true);
      return held.length ? concat([out, held]) : out;
    },
    advance(nowMs) {
      manualNow = nowMs;
      return engine.release(nowMs, false);
    },
    keys: (chunk, final = false) => keyer.push(bytesOf(chunk), final),
    stats: () => engine.stats(opts.maxStateBytes),
    memoryBytes: () => engine.memoryBytes(),
  };
}
