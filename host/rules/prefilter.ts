// The literal prefilter, derived from the rules the program runs and the record shapes that read them (never
// listed by hand): the JSON string tokens and fragments a record must contain to be a candidate of some stage.
// compile.ts appends its table to the program; assembly/prefilter.ts evaluates it before a record is scanned.
//
// Per stage, the requirement is a conjunction of clauses, each a set of needles of which one must be present,
// derived per record shape and joined over the shapes by prefilter-requirements.ts: quoted tokens for values a
// shape reads from the record's own JSON ("exec" — or \"exec\" inside a JSON text carried in a string), unquoted
// fragments for values it derives from a substring of a string (a basename, split arguments), for `like` and the
// string functions, and for the member names a shape's guard needs; nothing for constants, computed values and
// operators not modelled. A record matches a needle only as it is spelled in JSON without escapes: a `\u` (and
// `\/` when a needle holds a `/`) anywhere in it may spell one, so the engine then decodes the record and looks
// again. A stage with no requirement turns the prefilter off (every record takes the full path).
//
// Each stage's first clause (its primary) is searched in every record, so the primaries must be few and cheap to
// search. With a few rules each stage takes its most selective clause; when those need more than the table's 64
// needles, or cost more to search than a record costs to validate (a pack of hundreds of rules names hundreds of
// process names and paths), prefilter-fit.ts chooses one clause per stage so that together they are cheap
// (clauses many stages share: the event's action, its type, a sensor's marker) and merges stages beyond the
// table's 64 rows. A search that still costs more than MAX_SEARCH_COST turns the prefilter off: that is sound
// too, only slower than a prefilter that pays for itself.
//
// The engine looks for needles in two steps. Group 0 — one clause per stage, the cheapest to search — is
// searched in every record, through one anchor byte per needle. Only a record holding one of them is searched
// for every needle of every clause (group 1): quoted needles after a quote, by the two bytes that follow it (a cost
// per quote, whatever the number of needles), the others through anchor bytes. A flagged byte is looked up only
// where the bytes on either side of it may belong to an anchored needle or an escape (assembly/needles.ts).
//
// Table (u32 words, appended after the rules):
//   'PPFL' | enabled (0: nothing follows) | flags (1: `\/` counts as an escape)
//   needles: n ≤ 64, n × (len, flags (1 quoted (len ≤ 63), 2 ASCII case-insensitive, stored lowercase),
//            bytes padded to 4)
//   groups: 2 × (needle mask lo, hi, classes c ≤ 4, c × (mask, pattern, next mask, next pattern), anchor offset
//     per needle in the mask)
//     group 0: the primary needles; group 1: the needles not quoted (the quoted ones are found after quotes)
//     a class {b : (b | mask) == pattern} is one word-at-a-time test; the backslash is in a class of each
//     group, the quote in one of group 1. The next class holds every byte that may follow a byte of the class
//     where it matters (the needle's next byte, `u` or `/` after a backslash): the v128 search tests both
//   stages: s, s × (clauses k ≤ 8, k × (needle mask lo, hi))

import type { Expr, SequenceRule } from "./model.js";
import { aliasesOf, type Shape } from "./shapes.js";
import { stageRequirement, implies, needleKey as key, type Clause, type ClauseOrder, type Needle, type StageClause } from "./prefilter-requirements.js";
import { fitPrimaries, mergeRows } from "./prefilter-fit.js";

export type { Clause, Needle } from "./prefilter-requirements.js";

const MAGIC = 0x4c465050; // 'PPFL'
// the engine's caps (assembly/needle-tables.ts, assembly/clauses.ts); a test checks they agree
export const MAX_NEEDLES = 64;
export const MAX_STAGES = 64;
const MAX_CLAUSES = 8;
const MAX_CLASSES = 4;
export const BYTES_CAP = 8192;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const QUOTED = 1;
const CI = 2;

/** Rough share of each byte in JSON log text (per cent): what anchor bytes and classes are chosen by. */
const FREQ: number[] = (() => {
  const f = new Array<number>(256).fill(0.05);
  for (let c = 0; c < 0x20; c++) f[c] = 0.01;
  const letters = "etaoinshrdlcumwfgypbvkjxqz";
  const share = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07];
  [...letters].forEach((ch, i) => {
    f[ch.charCodeAt(0)] = share[i] * 0.5;
    f[ch.toUpperCase().charCodeAt(0)] = share[i] * 0.03;
  });
  // the member names shippers add to every container log (pod_name, namespace_name, container_name, labels.app,
  // file.path, …) make p, m, b and _ more common than in prose
  f[0x70] = 3;
  f[0x6d] = 2;
  f[0x62] = 1.5;
  for (let c = 0x30; c <= 0x39; c++) f[c] = 1.5;
  const punct: [string, number][] = [['"', 10], [":", 4], [",", 3], [" ", 5], ["/", 2], [".", 2], ["-", 2], ["_", 2], ["{", 1], ["}", 1], ["[", 0.3], ["]", 0.3], ["\\", 0.5], ["=", 0.5], ["@", 0.2]];
  for (const [ch, v] of punct) f[ch.charCodeAt(0)] = v;
  return f.map((v) => v / 100);
})();
// cost model (interpreted instructions per byte of record): a class test per word, a look-up per flagged byte
const CLASS_COST = 0.9;
const HIT_COST = 50;
// A search whose expected cost per byte is above this costs about what validating and scanning every record does
// (measured on the bench corpus: Fluent Bit instructions per container log, Node MB per CPU second), so the
// prefilter is left off. A needle most records hold (a key name, a short fragment) adds this much: records that
// hold it are searched a second time or take the full path.
const MAX_SEARCH_COST = 16;
const WEAK_COST = 10;
const isLetter = (b: number) => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;

/** The rarest anchor a needle offers: its bytes (both cases of a letter when case-insensitive). */
function anchorChoices(n: Needle): { at: number; bytes: number[] }[] {
  return [...n.bytes].map((b, at) => ({ at, bytes: n.ci && isLetter(b) ? [b | 0x20, b & ~0x20] : [b] }));
}
const bytesFreq = (bs: number[]) => bs.reduce((a, b) => a + FREQ[b], 0);
const costs = new WeakMap<Needle, number>();
function needleCost(n: Needle): number {
  let c = costs.get(n);
  if (c === undefined) costs.set(n, (c = Math.min(...anchorChoices(n).map((x) => bytesFreq(x.bytes)))));
  return c;
}
const clauseCost = (c: Clause) => c.reduce((a, n) => a + needleCost(n), 0);
const bySize = (a: Clause, b: Clause) => a.length - b.length || clauseCost(a) - clauseCost(b);

// ── byte classes ───────────────────────────────────────────────────────────────────────────────────────
interface ByteClass {
  mask: number;
  pattern: number;
}
const memberLists = new Map<number, number[]>();
function members(c: ByteClass): number[] {
  const k = (c.mask << 8) | c.pattern;
  let m = memberLists.get(k);
  if (!m) memberLists.set(k, (m = Array.from({ length: 256 }, (_, b) => b).filter((b) => (b | c.mask) === c.pattern)));
  return m;
}
const classFreq = (c: ByteClass) => bytesFreq(members(c));
function widen(c: ByteClass, bytes: number[]): ByteClass {
  let mask = c.mask;
  for (const b of bytes) mask |= (b ^ c.pattern) & ~mask & 0xff;
  return { mask, pattern: c.pattern | mask };
}
const classOf = (bytes: number[]) => widen({ mask: 0, pattern: bytes[0] }, bytes.slice(1));

interface Group {
  needles: number[]; // indices into the needle table, ascending
  classes: ByteClass[];
  anchors: Map<number, number>; // needle index → anchor offset
  /** Expected cost of searching a record for these needles, per byte (the cost model above). */
  cost: number;
}

/**
 * Anchors and classes for a needle set: each needle starts at its rarest byte; each anchor (and the backslash)
 * starts as its own class; then the two classes whose merge costs least are merged while that lowers the
 * expected cost per record byte, or while there are more than MAX_CLASSES. Last, each needle moves to its
 * rarest byte the final classes cover.
 */
function group(needles: Needle[], which: number[], also: number[]): Group {
  const rarest = (n: Needle, ok: (bs: number[]) => boolean) =>
    anchorChoices(n).filter((c) => ok(c.bytes)).reduce((a, c) => (bytesFreq(c.bytes) < bytesFreq(a.bytes) ? c : a));
  let classes: ByteClass[] = [BACKSLASH, ...also].map((b) => classOf([b]));
  for (const j of which) {
    const c = classOf(rarest(needles[j], () => true).bytes);
    if (!classes.some((x) => x.mask === c.mask && x.pattern === c.pattern)) classes.push(c);
  }
  const cost = (cs: ByteClass[]) => CLASS_COST * cs.length + HIT_COST * bytesFreq([...new Set(cs.flatMap(members))]);
  while (classes.length > 1) {
    let best: { cost: number; next: ByteClass[] } | undefined;
    for (let a = 0; a < classes.length; a++) {
      for (let b = a + 1; b < classes.length; b++) {
        const next = classes.filter((_, i) => i !== a && i !== b);
        next.push(widen(classes[a], members(classes[b])));
        const c = cost(next);
        if (!best || c < best.cost) best = { cost: c, next };
      }
    }
    if (classes.length <= MAX_CLASSES && best!.cost >= cost(classes)) break;
    classes = best!.next;
  }
  // anchors among the covered bytes: each flagged byte is compared with every needle anchored at it, so spread
  // the needles (the rarest byte, weighed by the needles already there)
  const covered = new Set(classes.flatMap(members));
  const load = new Map<number, number>();
  const anchors = new Map<number, number>();
  for (const j of [...which].sort((a, b) => anchorChoices(needles[a]).length - anchorChoices(needles[b]).length || a - b)) {
    const weigh = (c: { bytes: number[] }) => bytesFreq(c.bytes) * (1 + (load.get(c.bytes[0]) ?? 0));
    const ch = anchorChoices(needles[j]).filter((c) => c.bytes.every((b) => covered.has(b))).reduce((a, c) => (weigh(c) < weigh(a) ? c : a));
    load.set(ch.bytes[0], (load.get(ch.bytes[0]) ?? 0) + 1);
    anchors.set(j, ch.at);
  }
  // flagged bytes: each compares the needles anchored at it
  const flagged = [...covered].reduce((a, b) => a + FREQ[b] * (1 + [...which].filter((j) => anchorByte(needles[j], anchors.get(j)!).includes(b)).length), 0);
  return { needles: [...which].sort((a, b) => a - b), classes, anchors, cost: CLASS_COST * classes.length + HIT_COST * flagged };
}

const anchorByte = (n: Needle, at: number) => anchorChoices(n)[at].bytes;

/** The expected cost per byte of searching records for these needles (their own group). */
const searchCost = (ns: Needle[]) => (ns.length === 0 ? 0 : group(ns, ns.map((_, i) => i), []).cost);

const rarestAnchors = new WeakMap<Needle, number[]>();
function rarestAnchor(n: Needle): number[] {
  let a = rarestAnchors.get(n);
  if (!a) rarestAnchors.set(n, (a = anchorChoices(n).reduce((x, c) => (bytesFreq(c.bytes) < bytesFreq(x.bytes) ? c : x)).bytes));
  return a;
}

/**
 * What adding needles to those searched already adds to the expected cost per byte (the cost model above: a
 * class test for an anchor byte not flagged yet, a look-up per flagged byte and per needle anchored at it).
 */
function marginalCost(adds: Needle[], have: Needle[]): number {
  const load = new Map<number, number>();
  for (const n of have) for (const b of rarestAnchor(n)) load.set(b, (load.get(b) ?? 0) + 1);
  let cost = 0;
  for (const n of adds) {
    for (const b of rarestAnchor(n)) {
      const k = load.get(b) ?? 0;
      cost += (k === 0 ? CLASS_COST + HIT_COST * FREQ[b] : 0) + HIT_COST * FREQ[b];
      load.set(b, k + 1);
    }
  }
  return cost;
}

// ── key-like needles: a token that is also a key of the records the rules read matches every such record ──
/** The member names (and runs of them) of the paths the rules' fields are read at, in these shapes. */
function keyTokens(rules: SequenceRule[], shapes: Shape[]): Set<string> {
  const fields = new Set<string>();
  const walk = (e: Expr) => {
    if ("all" in e || "any" in e) ("all" in e ? e.all : e.any).forEach(walk);
    else if ("not" in e) walk(e.not);
    else if ("fieldFn" in e) fields.add(e.field).add(e.other);
    else {
      // every other predicate names its field under its operator's key, written first
      const v = (e as Record<string, unknown>)[Object.keys(e)[0]];
      if (typeof v === "string") fields.add(v);
    }
  };
  for (const r of rules) for (const s of r.stages) walk(s.when);
  const tokens = new Set<string>();
  for (const f of fields) {
    for (const s of shapes) {
      for (const a of aliasesOf(s, f)) {
        if (!("path" in a)) continue;
        const segs = a.path.split(".");
        for (let i = 0; i < segs.length; i++) for (let j = i + 1; j <= segs.length; j++) tokens.add(segs.slice(i, j).join(".").toLowerCase());
      }
    }
  }
  return tokens;
}

/** Bytes a fragment is short of being a selective needle (a short run of letters is in most records). */
const shortness = (n: Needle) => (n.quoted ? 0 : Math.max(0, 8 - n.bytes.length));
/** The longer a fragment the rarer (its bytes, up to 16); a quoted token is as rare as the longest. */
const rareBytes = (c: Clause) => c.reduce((x, n) => x + (n.quoted ? 16 : Math.min(16, n.bytes.length)), 0) / c.length;
const shortBytes = (c: Clause) => c.reduce((x, n) => x + shortness(n), 0);

export interface Prefilter {
  /**
   * Per stage of every rule, its clauses (primary first) — or, with more than MAX_STAGES stages, per row that
   * several stages share; undefined when the prefilter is off.
   */
  stages?: Clause[][];
  needles: Needle[];
  groups: Group[];
  slash: boolean;
}

/** Derives the prefilter of a rule set (shapes: how each record shape reads a field). */
export function derivePrefilter(rules: SequenceRule[], shapes: Shape[]): Prefilter {
  const off: Prefilter = { needles: [], groups: [], slash: false };
  const keyish = keyTokens(rules, shapes);
  const ecsKeys = [...keyTokens(rules, shapes.slice(0, 1))];
  // a quoted needle that is also a key name of the fields the rules read, or a fragment of a key name of ECS
  // documents: every record of that kind holds it (a guard's member names are what tells its shape apart)
  const weakness = new Map<string, boolean>();
  const weak = (n: Needle) => {
    let w = weakness.get(key(n));
    if (w === undefined) {
      const t = Buffer.from(n.bytes).toString("latin1").toLowerCase();
      weakness.set(key(n), (w = n.quoted ? keyish.has(t) : ecsKeys.some((k) => k.includes(t))));
    }
    return w;
  };
  const isKeyish = (c: Clause) => c.some(weak);
  const order: ClauseOrder = {
    bySize,
    better: (a, b) => Number(isKeyish(a)) - Number(isKeyish(b)) || shortBytes(a) - shortBytes(b) || a.length - b.length || rareBytes(b) - rareBytes(a) || clauseCost(a) - clauseCost(b),
  };
  const reqs = rules.flatMap((r) => r.stages.map((s) => stageRequirement(s.when, shapes, order)));
  // a stage no record of any shape can satisfy needs no clause; a stage without a requirement turns it off
  const found = reqs.filter((c): c is StageClause[] => c !== "never");
  if (found.length === 0 || found.some((c) => c.length === 0)) return off;
  const cnfs = found.map((st) => st.map((x) => x.clause));
  const padded = new Map(found.flat().map((x) => [x.clause, x.padded]));
  // one primary clause per stage, searched in every record: not a key name of the fields the rules read (every
  // record of that kind holds it), then no short fragments (they are in most records), then the fewest new
  // needles (shared across stages first), then the fewest needles, then longer fragments, then the rarest
  // anchors, then the latest in the stage (rules put their broad filters first)
  const chosen = new Map<string, Needle>();
  let stages: Clause[][] = cnfs.map((cnf) => {
    const rank = (c: Clause, i: number) => [isKeyish(c) ? 1 : 0, shortBytes(c), c.filter((n) => !chosen.has(key(n))).length, c.length, -rareBytes(c), clauseCost(c), -i];
    const ranks = cnf.map(rank);
    const before = (a: number[], b: number[]) => {
      const d = a.findIndex((x, k) => x !== b[k]);
      return d >= 0 && a[d] < b[d];
    };
    const bi = ranks.reduce((best, r, i) => (before(r, ranks[best]) ? i : best), 0);
    for (const n of cnf[bi]) chosen.set(key(n), n);
    return [cnf[bi]];
  });
  const own = chosen.size > MAX_NEEDLES ? Infinity : searchCost([...chosen.values()]);
  if (chosen.size > MAX_NEEDLES || own > MAX_SEARCH_COST) {
    // many rules: one clause per stage chosen so that together they are cheap to search (prefilter-fit.ts)
    const weigh = (adds: Needle[], have: Needle[]) => marginalCost(adds, have) + adds.filter((n) => weak(n) || shortness(n) > 0).length * WEAK_COST;
    const quality = (c: Clause) => [isKeyish(c) ? 1 : 0, shortBytes(c), c.length, -rareBytes(c), clauseCost(c)];
    const fit = fitPrimaries(cnfs, MAX_NEEDLES, weigh, quality);
    const needed = fit && [...new Map(fit.flat().map((n) => [key(n), n])).values()];
    if (needed && searchCost(needed) < own) {
      chosen.clear();
      for (const n of needed) chosen.set(key(n), n);
      stages = fit.map((c) => [c]);
    }
  }
  // a search that costs about what it saves is not worth it (and 64 needles at most fit the table)
  if (chosen.size > MAX_NEEDLES || searchCost([...chosen.values()]) > MAX_SEARCH_COST) return off;
  const primaryFragments = new Set([...chosen.values()].filter((n) => !n.quoted).map(key));
  // further clauses, checked only in records that hold a primary needle, while the table has room: first those
  // that most shapes imply on their own (a clause padded with other shapes' guards tells less), then the
  // smallest (they cost the fewest needles)
  cnfs.forEach((cnf, s) => {
    // (a further clause brings no fragment of its own: the second step finds quoted needles after quotes, at a
    // cost per quote, but each fragment through an anchor byte, at a cost per byte of its class)
    const rest = cnf
      .filter((c) => c !== stages[s][0] && !isKeyish(c) && c.every((n) => n.quoted || primaryFragments.has(key(n))))
      .sort((a, b) => padded.get(a)! - padded.get(b)! || bySize(a, b));
    for (const c of rest) {
      const fresh = c.filter((n) => !chosen.has(key(n)));
      if (stages[s].length >= MAX_CLAUSES || chosen.size + fresh.length > MAX_NEEDLES) continue;
      // (a clause that one already chosen implies always holds when that one does: it tells nothing)
      if (stages[s].some((x) => x.every((n) => c.some((m) => implies(n, m))))) continue;
      for (const n of c) chosen.set(key(n), n);
      stages[s].push(c);
    }
  });
  const needles = [...chosen.values()];
  if (needles.reduce((a, n) => a + ((n.bytes.length + 7) & ~7), 0) > BYTES_CAP) return off;
  const index = new Map(needles.map((n, i) => [key(n), i]));
  // more stages than the engine's rows: stages that share a primary share a row, and so on (prefilter-fit.ts)
  stages = mergeRows(stages, MAX_STAGES, index);
  const primaries = [...new Set(stages.map((st) => st[0].map((n) => index.get(key(n))!)).flat())];
  const anchored = needles.map((n, i) => (n.quoted ? -1 : i)).filter((i) => i >= 0);
  const groups = [group(needles, primaries, []), group(needles, anchored, [QUOTE])];
  return { stages, needles, groups, slash: needles.some((n) => n.bytes.includes(0x2f)) };
}

const ANY: ByteClass = { mask: 0xff, pattern: 0xff };

/** The bytes that may follow a byte of class c of group g where the search must stop to look (a hull). */
function nextClass(pf: Prefilter, g: Group, c: ByteClass): ByteClass {
  const inClass = (b: number) => (b | c.mask) === c.pattern;
  const next: number[] = [];
  if (inClass(BACKSLASH)) next.push(0x75, ...(pf.slash ? [0x2f] : []));
  if (inClass(QUOTE) && g === pf.groups[1]) return ANY; // group 1: quotes delimit tokens
  for (const j of g.needles) {
    const n = pf.needles[j];
    const at = g.anchors.get(j)!;
    const here = n.ci && isLetter(n.bytes[at]) ? [n.bytes[at] | 0x20, n.bytes[at] & ~0x20] : [n.bytes[at]];
    if (!here.some(inClass)) continue;
    if (at + 1 < n.bytes.length) {
      const b = n.bytes[at + 1];
      next.push(...(n.ci && isLetter(b) ? [b | 0x20, b & ~0x20] : [b]));
    } else if (n.quoted) next.push(QUOTE, BACKSLASH);
    else return ANY;
  }
  return next.length ? classOf(next) : ANY;
}

/** The prefilter section of the program (see the layout above). */
export function prefilterWords(rules: SequenceRule[], shapes: Shape[]): number[] {
  const pf = derivePrefilter(rules, shapes);
  if (!pf.stages) return [MAGIC, 0];
  const words: number[] = [MAGIC, 1, pf.slash ? 1 : 0, pf.needles.length];
  const index = new Map(pf.needles.map((n, i) => [key(n), i]));
  for (const n of pf.needles) {
    words.push(n.bytes.length, (n.quoted ? QUOTED : 0) | (n.ci ? CI : 0));
    for (let i = 0; i < n.bytes.length; i += 4) words.push(n.bytes[i] | ((n.bytes[i + 1] ?? 0) << 8) | ((n.bytes[i + 2] ?? 0) << 16) | ((n.bytes[i + 3] ?? 0) * 2 ** 24));
  }
  const maskWords = (is: number[]) => {
    let lo = 0, hi = 0;
    for (const i of is) {
      if (i < 32) lo = (lo | (1 << i)) >>> 0;
      else hi = (hi | (1 << (i - 32))) >>> 0;
    }
    return [lo, hi];
  };
  for (const g of pf.groups) {
    words.push(...maskWords(g.needles), g.classes.length);
    for (const c of g.classes) {
      const next = nextClass(pf, g, c);
      words.push(c.mask, c.pattern, next.mask, next.pattern);
    }
    for (const j of g.needles) words.push(g.anchors.get(j)!);
  }
  words.push(pf.stages.length);
  for (const st of pf.stages) {
    words.push(st.length);
    for (const c of st) words.push(...maskWords(c.map((n) => index.get(key(n))!)));
  }
  return words;
}
