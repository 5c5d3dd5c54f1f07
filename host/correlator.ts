// The library API: createCorrelator(options) → write(chunk, { source }) / end() / advance(nowMs) / stats().
// Framing is framing.ts (one framer per source: a partial line waits for the rest of its own stream); the engine
// does all per-record work.

import { Engine } from "./engine.js";
import { compileRules, keyLayout } from "./rules/compile.js";
import { SEED_RULE, type SequenceRule } from "./rules/rule.js";
import { resolveOptions, OptionError, type CorrelatorOptions, type ResolvedOptions } from "./options.js";
import type { Stats } from "./counters.js";
import { Framer, EMPTY, concat } from "./framing.js";

const NEWLINE = Buffer.of(10);

export interface CreateOptions extends CorrelatorOptions {
  /** Rules to run (default: the seed rule). */
  rules?: SequenceRule[];
  /** The host clock in epoch ms. Without it: the time last given to advance(), else Date.now(). */
  clock?: () => number;
}

export interface WriteOptions {
  /**
   * Where the bytes come from (a connection, a file, an upstream name). Each source keeps its own newest event
   * time, and lateness is judged against the slowest active source (per-source watermarks); its partial last line
   * waits for the rest of that source's stream. Default: one source for everything.
   */
  source?: string;
  /**
   * The returned bytes are a view of a buffer the correlator keeps and reuses, valid until the next call on this
   * correlator (write, end, advance, keys): no fresh buffer per call. For a caller that is done with the output
   * before it writes again (writes it out and waits for that, or copies it).
   */
  reuseOutput?: boolean;
}

export interface Correlator {
  /** Feeds bytes; returns every complete output line so far (a partial input line is kept). */
  write(chunk: Uint8Array | string, options?: WriteOptions): Buffer;
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

/** The rules option: a non-empty list of rule objects (what loadRuleFiles returns, or SEED_RULE). */
function checkRules(rules: unknown, name: string): SequenceRule[] {
  if (rules === undefined) return [SEED_RULE];
  if (!Array.isArray(rules)) throw new OptionError(name, rules, "expected a list of rules (loadRuleFiles(paths).rules, or SEED_RULE)");
  if (rules.length === 0) throw new OptionError(name, rules, "expected at least one rule");
  rules.forEach((r, i) => {
    const ok = typeof r === "object" && r !== null && typeof r.id === "string" && typeof r.name === "string" && Array.isArray(r.stages);
    if (!ok) throw new OptionError(name, typeof r === "string" ? r : `rule ${i}`, "expected a rule object (with id, name and stages); to load rule files use loadRuleFiles(paths).rules");
  });
  return rules as SequenceRule[];
}
const bytesOf = (c: Uint8Array | string) => (typeof c === "string" ? enc.encode(c) : c);


/**
 * A correlator with its own engine instance. Options are validated first; an OptionError names the option
 * as `spelling` writes it (camelCase by default; the CLI passes its flag and config-file names).
 */
export function createCorrelator(options: CreateOptions = {}, spelling: (camelKey: string) => string = (k) => k): Correlator {
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new OptionError("options", options, "expected an object of options");
  const { rules, clock, ...rest } = options;
  const opts = resolveOptions(rest as Record<string, unknown>, spelling);
  if (clock !== undefined && typeof clock !== "function") throw new OptionError(spelling("clock"), clock, "expected a function returning epoch milliseconds");
  const ruleSet = checkRules(rules, spelling("rules")).map((r) => (opts.maxspanMs ? { ...r, maxspanMs: opts.maxspanMs } : r));
  let program: Uint8Array;
  try {
    program = compileRules(ruleSet, { sourceField: opts.sourceField || undefined });
  } catch (e) {
    throw new OptionError(spelling("rules"), `${ruleSet.length} rule${ruleSet.length === 1 ? "" : "s"}`, (e as Error).message);
  }
  const engine = new Engine(opts, program, spelling, keyLayout(ruleSet, opts.ringCapacity));
  let manualNow: number | undefined;
  const now = () => (clock ? clock() : (manualNow ?? Date.now()));
  const taggerFor = (source: string | undefined) =>
    new Framer(
      {
        batch: (lines, head) => engine.process(lines, now(), head, source),
        oversize(piece, complete) {
          if (complete) engine.countOversize(1);
          return piece;
        },
      },
      opts.maxRecordBytes,
      opts.batchBytes,
    );
  const tagger = taggerFor(undefined);
  // framers of named sources; one that holds no partial line is dropped, so idle sources cost nothing here
  const sourced = new Map<string, Framer>();
  const write = (chunk: Uint8Array | string, source?: string): Buffer => {
    if (source === undefined) return tagger.push(bytesOf(chunk), false);
    const f = sourced.get(source) ?? taggerFor(source);
    const out = f.push(bytesOf(chunk), false);
    if (f.holdsPartialLine) sourced.set(source, f);
    else sourced.delete(source);
    return out;
  };
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
    write(chunk, o) {
      if (!o?.reuseOutput) return write(chunk, o?.source);
      engine.beginReuse();
      try {
        return write(chunk, o.source);
      } finally {
        engine.endReuse();
      }
    },
    end(chunk) {
      const outs = [tagger.push(chunk === undefined ? EMPTY : bytesOf(chunk), true)];
      for (const f of sourced.values()) outs.push(f.push(EMPTY, true));
      sourced.clear();
      const out = concat(outs.filter((b) => b.length > 0));
      const held = engine.release(now(), true);
      if (!held.length) return out;
      // a last line without newline, then held records: a newline keeps them apart (as before an alert record)
      return out.length && out[out.length - 1] !== 10 ? concat([out, NEWLINE, held]) : concat([out, held]);
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
