// The literal prefilter, derived from the rules the program runs (never listed by hand): the JSON string tokens
// a record must contain to be a candidate of some stage. compile.ts appends its table to the program;
// assembly/prefilter.ts evaluates it before a record is scanned.
//
// Per stage, the requirement is a conjunction of clauses, each a set of needles of which one must be present:
// - `all` joins its children's clauses; `any` of children with clauses A1…Am, B1…Bn gives the clauses
//   Ai ∪ Bj (the few smallest; a child without a requirement leaves the `any` without one); `not` and every
//   other operator give none;
// - `==`/`in`/`in~` on a field that no shape reads as a constant need one of the values, as a quoted token
//   ("exec" — or \"exec\" inside a JSON text carried in a string); a value a JSON number or literal could
//   match (`0`, `true`, …), or one holding a quote, backslash or control byte, gives none;
// - `like`/`like~`/`:` need, per pattern, its longest literal run between wildcards (not quoted).
// A record matches a needle only as it is spelled in JSON without escapes: a `\u` (and `\/` when a needle holds
// a `/`) anywhere in it may spell one, so the engine then decodes the record and looks again. A stage with no
// requirement turns the prefilter off (every record takes the full path).
//
// The engine looks for needles in two steps. Group 0 — one clause per stage, the cheapest to search — is
// searched in every record, through one anchor byte per needle. Only a record holding one of them is searched
// for every needle of every clause (group 1): quoted needles as the text between two quotes (a cost per quote,
// whatever the number of needles), the others through anchor bytes.
//
// Table (u32 words, appended after the rules):
//   'PPFL' | enabled (0: nothing follows) | flags (1: `\/` counts as an escape)
//   needles: n ≤ 64, n × (len, flags (1 quoted (len ≤ 63), 2 ASCII case-insensitive, stored lowercase),
//            bytes padded to 4)
//   groups: 2 × (needle mask lo, hi, classes c ≤ 4, c × (mask, pattern, next mask, next pattern), anchor offset
//     per needle in the mask)
//     group 0: the primary needles; group 1: the needles not quoted (the quoted ones are found between quotes)
//     a class {b : (b | mask) == pattern} is one word-at-a-time test; the backslash is in a class of each
//     group, the quote in one of group 1. The next class holds every byte that may follow a byte of the class
//     where it matters (the needle's next byte, `u` or `/` after a backslash): the v128 search tests both
//   stages: s, s × (clauses k ≤ 8, k × (needle mask lo, hi))

import type { Expr, SequenceRule } from "./model.js";
import type { Shape } from "./shapes.js";

const MAGIC = 0x4c465050; // 'PPFL'
const MAX_NEEDLES = 64;
const MAX_CLAUSES = 8;
const MAX_CLASSES = 4;
const MAX_QUOTED = 63; // longer quoted needles are searched as plain fragments
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const QUOTED = 1;
const CI = 2;

export interface Needle {
  bytes: Uint8Array;
  quoted: boolean;
  ci: boolean;
}
type Clause = Needle[];

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
  for (let c = 0x30; c <= 0x39; c++) f[c] = 1.5;
  const punct: [string, number][] = [['"', 10], [":", 4], [",", 3], [" ", 5], ["/", 2], [".", 2], ["-", 2], ["_", 1.5], ["{", 1], ["}", 1], ["[", 0.3], ["]", 0.3], ["\\", 0.5], ["=", 0.5], ["@", 0.2]];
  for (const [ch, v] of punct) f[ch.charCodeAt(0)] = v;
  return f.map((v) => v / 100);
})();
// cost model (interpreted instructions per byte of record): a class test per word, a look-up per flagged byte
const CLASS_COST = 0.9;
const HIT_COST = 50;
const enc = new TextEncoder();
const key = (n: Needle) => `${n.quoted ? "q" : "f"}${n.ci ? "i" : "s"}:${Buffer.from(n.bytes).toString("latin1")}`;
const isLetter = (b: number) => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;
/** A byte a needle may not hold: JSON can only spell it escaped. */
const unspellable = (b: number) => b === 0x22 || b === BACKSLASH || b < 0x20;
const NUMBER_LIKE = /^\s*[-+]?(\d|\.\d|infinity|nan)/i;

function needleOf(text: string, quoted: boolean, ci: boolean): Needle | undefined {
  if (text === "") return undefined;
  if (quoted && (NUMBER_LIKE.test(text) || ["true", "false", "null"].includes(text.toLowerCase()))) return undefined;
  const bytes = enc.encode(ci ? text.replace(/[A-Z]/g, (c) => c.toLowerCase()) : text);
  if (bytes.some(unspellable)) return undefined;
  return { bytes, quoted: quoted && bytes.length <= MAX_QUOTED, ci };
}

/** Literal runs of a like pattern (`*` and `?` are wildcards), longest first. */
function fragments(pattern: string): string[] {
  return pattern.split(/[*?]/).filter((s) => s !== "").sort((a, b) => enc.encode(b).length - enc.encode(a).length);
}

const hasExactly = (e: object, ...keys: string[]) => {
  const own = Object.keys(e).filter((k) => (e as Record<string, unknown>)[k] !== undefined);
  return own.every((k) => keys.includes(k)) && own.length >= 1;
};

/** The stage's requirement: clauses that must all hold ([] = none). Unknown operators give none. */
function requirement(e: Expr, constantField: (f: string) => boolean): Clause[] {
  if ("all" in e && hasExactly(e, "all")) return e.all.flatMap((x) => requirement(x, constantField));
  if ("any" in e && hasExactly(e, "any")) {
    const kids = e.any.map((x) => requirement(x, constantField));
    if (kids.length === 0 || kids.some((k) => k.length === 0)) return [];
    // (A1 ∧ A2) ∨ (B1 ∧ B2) implies every Ai ∨ Bj: keep the smallest few of these clauses
    let unions: Clause[] = [[]];
    for (const k of kids) {
      const options = [...k].sort(bySize).slice(0, MAX_CLAUSES);
      unions = unions.flatMap((u) => options.map((c) => dedupe([...u, ...c]))).sort(bySize).slice(0, MAX_CLAUSES);
    }
    return unions;
  }
  const values = (field: string, vs: string[], ci: boolean): Clause[] => {
    if (constantField(field)) return [];
    const ns = vs.map((v) => needleOf(v, true, ci));
    return ns.length > 0 && ns.every((n) => n) ? [dedupe(ns as Needle[])] : [];
  };
  if ("eq" in e && hasExactly(e, "eq", "values")) return values(e.eq, e.values, false);
  if ("eqCi" in e && hasExactly(e, "eqCi", "values")) return values(e.eqCi, e.values, true);
  if ("like" in e && hasExactly(e, "like", "patterns", "insensitive")) {
    const ci = e.insensitive === true;
    const ns = e.patterns.map((p) => fragments(p).map((f) => needleOf(f, false, ci)).find((n) => n));
    return ns.length > 0 && ns.every((n) => n) ? [dedupe(ns as Needle[])] : [];
  }
  return []; // not, exists, isTrue, cmp, prefix, and anything added later
}

function dedupe(ns: Needle[]): Needle[] {
  const m = new Map<string, Needle>();
  for (const n of ns) m.set(key(n), n);
  return [...m.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/** The rarest anchor a needle offers: its bytes (both cases of a letter when case-insensitive). */
function anchorChoices(n: Needle): { at: number; bytes: number[] }[] {
  return [...n.bytes].map((b, at) => ({ at, bytes: n.ci && isLetter(b) ? [b | 0x20, b & ~0x20] : [b] }));
}
const bytesFreq = (bs: number[]) => bs.reduce((a, b) => a + FREQ[b], 0);
const needleCost = (n: Needle) => Math.min(...anchorChoices(n).map((c) => bytesFreq(c.bytes)));
const clauseCost = (c: Clause) => c.reduce((a, n) => a + needleCost(n), 0);
const bySize = (a: Clause, b: Clause) => a.length - b.length || clauseCost(a) - clauseCost(b);

// ── byte classes ───────────────────────────────────────────────────────────────────────────────────────
interface ByteClass {
  mask: number;
  pattern: number;
}
const members = (c: ByteClass) => Array.from({ length: 256 }, (_, b) => b).filter((b) => (b | c.mask) === c.pattern);
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
  return { needles: [...which].sort((a, b) => a - b), classes, anchors };
}

// ── key-like needles: a token that is also a key of the records the rules read matches every such record ──
function keyTokens(rules: SequenceRule[], shapes: Shape[]): Set<string> {
  const fields = new Set<string>();
  const walk = (e: Expr) => {
    for (const [k, v] of Object.entries(e)) {
      if (["eq", "eqCi", "like", "prefix", "exists", "isTrue", "cmp"].includes(k) && typeof v === "string") fields.add(v);
      else if (k === "all" || k === "any") (v as Expr[]).forEach(walk);
      else if (k === "not") walk(v as Expr);
    }
  };
  for (const r of rules) for (const s of r.stages) walk(s.when);
  const tokens = new Set<string>();
  for (const f of fields) {
    for (const s of shapes) {
      for (const a of s.aliases(f)) {
        if (!("path" in a)) continue;
        const segs = a.path.split(".");
        for (let i = 0; i < segs.length; i++) for (let j = i + 1; j <= segs.length; j++) tokens.add(segs.slice(i, j).join(".").toLowerCase());
      }
    }
  }
  return tokens;
}

export interface Prefilter {
  /** Per stage of every rule, its clauses (primary first); undefined when the prefilter is off. */
  stages?: Clause[][];
  needles: Needle[];
  groups: Group[];
  slash: boolean;
}

/** Derives the prefilter of a rule set (shapes: how each record shape reads a field). */
export function derivePrefilter(rules: SequenceRule[], shapes: Shape[]): Prefilter {
  const constantField = (f: string) => shapes.some((s) => s.aliases(f).some((a) => "constant" in a));
  const cnfs = rules.flatMap((r) => r.stages.map((s) => requirement(s.when, constantField)));
  const off: Prefilter = { needles: [], groups: [], slash: false };
  if (cnfs.length === 0 || cnfs.some((c) => c.length === 0)) return off;
  const keyish = keyTokens(rules, shapes);
  const isKeyish = (c: Clause) => c.every((n) => keyish.has(Buffer.from(n.bytes).toString("latin1").toLowerCase()));
  // one primary clause per stage, searched in every record: not a key name of the fields the rules read (every
  // record of that kind holds it), then the fewest new needles (shared across stages first), then the rarest
  // anchors, then the latest in the stage (rules put their broad filters first)
  const chosen = new Map<string, Needle>();
  const stages: Clause[][] = cnfs.map((cnf) => {
    const rank = (c: Clause, i: number) => [isKeyish(c) ? 1 : 0, c.filter((n) => !chosen.has(key(n))).length, clauseCost(c), -i];
    const ranks = cnf.map(rank);
    const before = (a: number[], b: number[]) => {
      const d = a.findIndex((x, k) => x !== b[k]);
      return d >= 0 && a[d] < b[d];
    };
    const bi = ranks.reduce((best, r, i) => (before(r, ranks[best]) ? i : best), 0);
    for (const n of cnf[bi]) chosen.set(key(n), n);
    return [cnf[bi]];
  });
  if (chosen.size > MAX_NEEDLES) return off;
  // further clauses, checked only in records that hold a primary needle, while the table has room: the
  // smallest first (they cost the fewest needles)
  const clauseKey = (c: Clause) => c.map(key).join("\u0001");
  cnfs.forEach((cnf, s) => {
    const rest = cnf.filter((c) => c !== stages[s][0] && !isKeyish(c)).sort(bySize);
    for (const c of rest) {
      const fresh = c.filter((n) => !chosen.has(key(n)));
      if (stages[s].length >= MAX_CLAUSES || chosen.size + fresh.length > MAX_NEEDLES) continue;
      if (stages[s].some((x) => clauseKey(x) === clauseKey(c))) continue;
      for (const n of c) chosen.set(key(n), n);
      stages[s].push(c);
    }
  });
  const needles = [...chosen.values()];
  const index = new Map(needles.map((n, i) => [key(n), i]));
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
  if (inClass(QUOTE) && g.needles.length < pf.needles.length) return ANY; // group 1: quotes delimit tokens
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
