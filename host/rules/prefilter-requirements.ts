// What a stage of a rule requires of a record's bytes, over every record shape: the literal prefilter's input
// (prefilter.ts builds the engine's table from it). A record is read through the first shape whose guard holds,
// so a candidate of a stage is, for some shape, a record whose guard holds (read through shape 0, as the engine
// does) and whose fields, as that shape reads them, satisfy the stage's predicate. Per shape, the requirement is a
// conjunction of clauses (sets of needles of which one must be in the record); over the shapes it is their
// disjunction, which implies every union of one clause per shape.
//
// Per shape, a predicate on a field follows the field's aliases there (the first one present is read):
// - a path: the record's own JSON value — `==`/`in` values as quoted tokens ("exec"; inside a JSON text carried
//   in a string, \"exec\"), `like` and string-function values as unquoted fragments, `exists` the names of the
//   path's members as fragments (a guard's `process_exec`);
// - a value derived from a substring of one of the record's strings (a basename, split arguments, what follows a
//   scheme): every value as an unquoted fragment;
// - a constant (the sensor shapes' event.action "exec", the raw audit Event's event.dataset): the leaf is decided
//   here, true or false, and requires nothing;
// - a computed value (a boolean, a time) or anything not modelled here: no requirement.
// A value a JSON number or literal could match (`0`, `true`), or one JSON can only write escaped, is never required
// as a quoted token. A shape whose guard and predicate cannot both hold drops out; a shape that requires nothing
// turns the stage's requirement off.

import type { Expr } from "./model.js";
import { aliasesOf, expandDerived, type Alias, type Shape } from "./shapes.js";

export interface Needle {
  bytes: Uint8Array;
  quoted: boolean;
  ci: boolean;
  /** Its identity (needleKey), its text and that text lowercased: computed once (a pack asks millions of times). */
  key: string;
  text: string;
  folded: string;
}
export type Clause = Needle[];

const MAX_CLAUSES = 8; // clauses an `or` keeps (the smallest)
const MAX_QUOTED = 63; // longer quoted needles are searched as plain fragments
const MAX_FRAGMENT = 64; // a longer fragment is searched by its first 64 bytes (a record holding it holds those)
const MAX_CLAUSE = 64; // a clause of more needles than the engine's table holds is never chosen: not derived
const MIN_MEMBER = 4; // shorter member names make no useful fragment
const BACKSLASH = 0x5c;
const enc = new TextEncoder();
const dec = new TextDecoder();

export const needleKey = (n: Needle) => n.key;
function needle(bytes: Uint8Array, quoted: boolean, ci: boolean): Needle {
  const text = dec.decode(bytes);
  return { bytes, quoted, ci, key: `${quoted ? "q" : "f"}${ci ? "i" : "s"}:${Buffer.from(bytes).toString("latin1")}`, text, folded: fold(text) };
}
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** A byte a needle may not hold: JSON can only spell it escaped. */
const unspellable = (b: number) => b === 0x22 || b === BACKSLASH || b < 0x20;
const NUMBER_LIKE = /^\s*[-+]?(\d|\.\d|infinity|nan)/i;

/** Needles made so far, by spelling (every shape asks for the same values again). */
const made = new Map<string, Needle | undefined>();

export function needleOf(text: string, quoted: boolean, ci: boolean): Needle | undefined {
  const k = `${quoted ? "q" : "f"}${ci ? "i" : "s"}${text}`;
  if (made.has(k)) return made.get(k);
  const n = makeNeedle(text, quoted, ci);
  if (made.size > 1 << 16) made.clear();
  made.set(k, n);
  return n;
}

function makeNeedle(text: string, quoted: boolean, ci: boolean): Needle | undefined {
  if (text === "") return undefined;
  if (quoted && (NUMBER_LIKE.test(text) || ["true", "false", "null"].includes(text.toLowerCase()))) return undefined;
  let bytes = enc.encode(ci ? fold(text) : text);
  if (bytes.some(unspellable)) return undefined;
  if (quoted && bytes.length <= MAX_QUOTED) return needle(bytes, quoted, ci);
  if (bytes.length > MAX_FRAGMENT) {
    // cut at a character boundary (implies() compares decoded text)
    let end = MAX_FRAGMENT;
    while ((bytes[end] & 0xc0) === 0x80) end--;
    bytes = bytes.slice(0, end);
  }
  return needle(bytes, false, ci);
}

/** Literal runs of a like pattern (`*` and `?` are wildcards), longest first. */
function fragments(pattern: string): string[] {
  return pattern.split(/[*?]/).filter((s) => s !== "").sort((a, b) => enc.encode(b).length - enc.encode(a).length);
}

// ── needles that imply one another ─────────────────────────────────────────────────────────────────────
const textOf = (n: Needle) => n.text;
const foldedOf = (n: Needle) => n.folded;
/** Where `a` is in a record, so is `b` (a quoted token holds its text; a fragment holds every part of it). */
export function implies(a: Needle, b: Needle): boolean {
  const ta = textOf(a);
  const tb = textOf(b);
  if (b.quoted) return a.quoted && (b.ci ? foldedOf(a) === tb : !a.ci && ta === tb);
  return b.ci ? foldedOf(a).includes(tb) : !a.ci && ta.includes(tb);
}

/**
 * The needles of c that a needle may imply, indexed: only a quoted needle of the same text (in some case) or a
 * fragment can be implied, so a look-up compares with those alone (packs list hundreds of quoted values).
 */
function impliable(c: Clause): (n: Needle) => number[] {
  const quoted = new Map<string, number[]>();
  const frags: number[] = [];
  c.forEach((m, j) => {
    if (!m.quoted) frags.push(j);
    else {
      const same = quoted.get(foldedOf(m));
      if (same) same.push(j);
      else quoted.set(foldedOf(m), [j]);
    }
  });
  return (n) => (n.quoted ? [...(quoted.get(foldedOf(n)) ?? []), ...frags] : frags);
}

/** One of each, none implied by another of the clause (a ∨ b is b when a implies b), in a stable order. */
export function simplify(c: Clause): Clause {
  const m = new Map<string, Needle>();
  for (const n of c) m.set(needleKey(n), n);
  const ns = [...m.values()];
  const near = impliable(ns);
  const kept = ns.filter((a, i) => !near(a).some((j) => j !== i && implies(a, ns[j]) && (!implies(ns[j], a) || j < i)));
  return kept.sort((a, b) => (needleKey(a) < needleKey(b) ? -1 : 1));
}
export const clauseKey = (c: Clause) => c.map(needleKey).join("\u0001");

// ── three-valued requirements ──────────────────────────────────────────────────────────────────────────
/** exact: the predicate always (true) or never (false) holds in this shape; else clauses it implies. */
interface Req {
  exact?: boolean;
  clauses: Clause[];
}
const TRUE: Req = { exact: true, clauses: [] };
const FALSE: Req = { exact: false, clauses: [] };
const NONE: Req = { clauses: [] };

/** Unions of one clause of each CNF (they are implied by the CNFs' disjunction), the smallest few. */
function unions(cnfs: Clause[][], bySize: (a: Clause, b: Clause) => number): Clause[] {
  let out: Clause[] = [[]];
  for (const k of cnfs) {
    const options = [...k].sort(bySize).slice(0, MAX_CLAUSES);
    out = out.flatMap((u) => options.map((c) => simplify([...u, ...c]))).filter((c) => c.length <= MAX_CLAUSE).sort(bySize).slice(0, MAX_CLAUSES);
    if (out.length === 0) return [];
  }
  return out;
}

function and(kids: Req[]): Req {
  if (kids.some((k) => k.exact === false)) return FALSE;
  if (kids.every((k) => k.exact === true)) return TRUE;
  return { clauses: kids.flatMap((k) => k.clauses) };
}

/** `any`: holds when one child holds. */
function or(kids: Req[], bySize: (a: Clause, b: Clause) => number): Req {
  return kids.some((k) => k.exact === true) ? TRUE : either(kids, bySize);
}

/** Exactly one of the outcomes happens (which alias of a field is read). */
function oneOf(outcomes: Req[], bySize: (a: Clause, b: Clause) => number): Req {
  return outcomes.every((k) => k.exact === true) ? TRUE : either(outcomes, bySize);
}

/** What one of several requirements (none known to hold) requires: one clause from each that may hold. */
function either(reqs: Req[], bySize: (a: Clause, b: Clause) => number): Req {
  const live = reqs.filter((k) => k.exact !== false);
  if (live.length === 0) return FALSE;
  if (live.some((k) => k.clauses.length === 0)) return NONE;
  return { clauses: unions(live.map((k) => k.clauses), bySize) };
}

// ── leaves ─────────────────────────────────────────────────────────────────────────────────────────────
/** Every leaf operator and its keys (an operator grown other options is not understood, and requires nothing). */
const LEAVES: Record<string, string[]> = {
  eq: ["values"],
  eqCi: ["values"],
  like: ["patterns", "insensitive"],
  prefix: ["values", "insensitive"],
  suffix: ["values", "insensitive"],
  contains: ["values", "insensitive"],
  exists: [],
  isTrue: [],
  isFalse: [],
  regex: ["patterns", "insensitive"],
  cidr: ["blocks"],
  cmp: ["rel", "value"],
  length: ["rel", "value"],
  substring: ["start", "end", "values"],
};

/** The leaf's operator and field, when it is one this file understands. */
function leafOf(e: Expr): { op: string; field: string } | undefined {
  const keys = Object.keys(e).filter((k) => (e as Record<string, unknown>)[k] !== undefined);
  const op = keys[0];
  const field = (e as Record<string, unknown>)[op];
  if (!(op in LEAVES) || typeof field !== "string" || !keys.slice(1).every((k) => LEAVES[op].includes(k))) return undefined;
  return { op, field };
}

function wildcard(v: string, p: string, ci: boolean): boolean {
  const re = new RegExp("^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]") + "$", ci ? "i" : "");
  return re.test(v);
}

/** The leaf on a field that reads as the string constant v: decided here, or undefined when not modelled. */
function onConstant(e: Expr, op: string, v: string): boolean | undefined {
  const x = e as { values?: string[]; patterns?: string[]; insensitive?: boolean };
  const f = (s: string) => (x.insensitive ? fold(s) : s);
  if (op === "eq") return x.values!.includes(v);
  if (op === "eqCi") return x.values!.some((w) => fold(w) === fold(v));
  if (op === "exists") return true;
  if (op === "isTrue") return v === "true";
  if (op === "like") return x.patterns!.some((p) => wildcard(v, p, x.insensitive === true));
  if (op === "prefix") return x.values!.some((w) => f(v).startsWith(f(w)));
  if (op === "suffix") return x.values!.some((w) => f(v).endsWith(f(w)));
  if (op === "contains") return x.values!.some((w) => f(v).includes(f(w)));
  return undefined;
}

type Spelled = "token" | "substring" | "none";
const WORST: Record<Spelled, number> = { token: 0, substring: 1, none: 2 };
const worst = (xs: Spelled[]): Spelled => xs.reduce<Spelled>((a, b) => (WORST[b] > WORST[a] ? b : a), "token");

/** How the values of a field (every alias) can appear in a record of this shape. */
function fieldSpelling(shape: Shape, field: string, depth: number): Spelled {
  const as = aliasesOf(shape, field);
  return as.length === 0 ? "none" : worst(as.map((a) => aliasSpelling(shape, a, depth)));
}

/** How the values read through one alias can appear in the record: its own JSON value, inside a string, or not. */
function aliasSpelling(shape: Shape, a: Alias, depth: number): Spelled {
  if ("path" in a) return "token";
  if ("constant" in a || depth > 8) return "none";
  switch (a.derive) {
    case "basename":
    case "after":
    case "split":
      return worst(["substring", ...(a.derive === "split" && a.head ? [fieldSpelling(shape, a.head, depth + 1)] : [])]);
    case "when":
    case "select":
    case "member":
      return fieldSpelling(shape, a.of, depth + 1);
    case "list":
      return worst([a.head, ...a.items].filter((x): x is string => x !== undefined).map((x) => fieldSpelling(shape, x, depth + 1)));
    default:
      return "none"; // a computed boolean, a time
  }
}

/** The leaf when its field is present and spelled so. */
function valueReq(e: Expr, op: string, spelled: Spelled): Req {
  if (spelled === "none") return NONE;
  const x = e as { values?: string[]; patterns?: string[]; insensitive?: boolean };
  const all = (ns: (Needle | undefined)[]): Req => (ns.length > 0 && ns.length <= MAX_CLAUSE && ns.every((n) => n) ? { clauses: [simplify(ns as Needle[])] } : NONE);
  const quoted = spelled === "token";
  if (op === "eq" || op === "eqCi") return all(x.values!.map((v) => needleOf(v, quoted, op === "eqCi")));
  if (op === "like") return all(x.patterns!.map((p) => fragments(p).map((f) => needleOf(f, false, x.insensitive === true)).find((n) => n)));
  if (op === "prefix" || op === "suffix" || op === "contains") return all(x.values!.map((v) => needleOf(v, false, x.insensitive === true)));
  return NONE; // exists on a derived value, booleans, comparisons, regex, cidrmatch, length, substring
}

/** `exists` on a path: each of its member names (long enough to be worth it) is in the record. */
function memberNames(a: { path: string; underscoreFrom?: number }): Req {
  // (past underscoreFrom a dot of the path may be an underscore in the record: those names are left out)
  const fixed = a.underscoreFrom === undefined ? a.path : a.path.slice(0, a.underscoreFrom);
  const names = a.path.split(".").filter((s, i, all) => all.slice(0, i + 1).join(".").length <= fixed.length);
  const clauses = names.map((s) => needleOf(s, false, false)).filter((n): n is Needle => n !== undefined && n.bytes.length >= MIN_MEMBER).map((n) => [n]);
  return { clauses };
}

/** Leaves already derived, per shape and leaf text (a pack repeats `event.type == "start"` in every rule). */
const leaves = new WeakMap<Shape, { bySize: unknown; known: Map<string, Req> }>();

function leafReq(e: Expr, shape: Shape, bySize: (a: Clause, b: Clause) => number): Req {
  let cache = leaves.get(shape);
  if (!cache || cache.bySize !== bySize) leaves.set(shape, (cache = { bySize, known: new Map() }));
  const known = cache.known;
  // (a 64-bit integer as an object: no string spells it)
  const k = JSON.stringify(e, (_, v) => (typeof v === "bigint" ? { bigint: v.toString() } : v));
  let r = known.get(k);
  if (!r) known.set(k, (r = deriveLeaf(e, shape, bySize)));
  return r;
}

function deriveLeaf(e: Expr, shape: Shape, bySize: (a: Clause, b: Clause) => number): Req {
  const leaf = leafOf(e);
  if (!leaf) return NONE;
  const outcomes: Req[] = [];
  let decided = false;
  for (const a of aliasesOf(shape, leaf.field)) {
    if ("constant" in a) {
      const v = onConstant(e, leaf.op, a.constant);
      outcomes.push(v === undefined ? NONE : v ? TRUE : FALSE);
      decided = true; // a constant is always present: later aliases are never read
      break;
    }
    if ("path" in a && leaf.op === "exists") outcomes.push(memberNames(a));
    else outcomes.push(valueReq(e, leaf.op, aliasSpelling(shape, a, 0)));
  }
  // no alias present: every leaf operator is false on an absent field
  if (!decided) outcomes.push(FALSE);
  return oneOf(outcomes, bySize);
}

function exprReq(e: Expr, shape: Shape, bySize: (a: Clause, b: Clause) => number): Req {
  const keys = Object.keys(e);
  if ("all" in e && keys.length === 1) return and(e.all.map((x) => exprReq(x, shape, bySize)));
  if ("any" in e && keys.length === 1) return or(e.any.map((x) => exprReq(x, shape, bySize)), bySize);
  if ("not" in e && keys.length === 1) {
    const r = exprReq(e.not, shape, bySize);
    return r.exact === undefined ? NONE : r.exact ? FALSE : TRUE;
  }
  return leafReq(e, shape, bySize);
}

// ── a stage over every shape ───────────────────────────────────────────────────────────────────────────
export interface ClauseOrder {
  /** The fewest needles first (an `or` keeps the smallest unions). */
  bySize: (a: Clause, b: Clause) => number;
  /** The clause that lets the fewest records through first (a shape's best clause). */
  better: (a: Clause, b: Clause) => number;
}

/** Some clause of the CNF is implied by clause c (each of its needles implies one of c's). */
function coveredBy(cnf: Clause[], c: Clause): boolean {
  const near = impliable(c);
  return cnf.some((d) => d.every((n) => near(n).some((j) => implies(n, c[j]))));
}

/**
 * Per shape, what a candidate of a stage whose predicate is `when` requires when read in that shape (its guard
 * included): clauses, [] when nothing, "never" when no record read in that shape can be one.
 */
export function shapeRequirements(when: Expr, shapes: Shape[], order: ClauseOrder): (Clause[] | "never")[] {
  // (a rule is compiled alone when its file is loaded, then with the pack: derived once per predicate)
  const known = derived.get(when);
  if (known && known.shapes === shapes && known.bySize === order.bySize) return known.reqs;
  const expanded = expandDerived(when, shapes);
  const reqs = shapes.map((shape, i) => {
    const guard = i === 0 || !shape.guard ? TRUE : exprReq(shape.guard, shapes[0], order.bySize);
    const r = and([guard, exprReq(expanded, shape, order.bySize)]);
    return r.exact === false ? "never" : r.clauses;
  });
  derived.set(when, { shapes, bySize: order.bySize, reqs });
  return reqs;
}
const derived = new WeakMap<Expr, { shapes: Shape[]; bySize: ClauseOrder["bySize"]; reqs: (Clause[] | "never")[] }>();

/** A clause of a stage over every shape; padded: how many shapes it holds only through their best clause. */
export interface StageClause {
  clause: Clause;
  padded: number;
}

/**
 * The requirement of a stage whose predicate is `when`, over every shape: clauses that must all hold ([]: none;
 * "never": no record of any shape can satisfy it). Each is a clause of some shape joined with the best clause
 * of every shape it does not cover (a shape whose requirement implies the clause needs nothing more).
 */
export function stageRequirement(when: Expr, shapes: Shape[], order: ClauseOrder): StageClause[] | "never" {
  const perShape = shapeRequirements(when, shapes, order).filter((r): r is Clause[] => r !== "never");
  if (perShape.length === 0) return "never";
  if (perShape.some((cnf) => cnf.length === 0)) return [];
  // a shape's best clause: by `better`, then the latest in the rule (rules put their broad filters first)
  const best = perShape.map((cnf) => cnf.map((c, i) => ({ c, i })).sort((a, b) => order.better(a.c, b.c) || b.i - a.i)[0].c);
  const out = new Map<string, StageClause>();
  for (const cnf of perShape) {
    for (const c of cnf) {
      const pad = perShape.map((other, s) => (coveredBy(other, c) ? [] : best[s]));
      const u = simplify([c, ...pad].flat());
      const padded = pad.filter((p) => p.length > 0).length;
      const known = out.get(clauseKey(u));
      if (!known) out.set(clauseKey(u), { clause: u, padded });
      else known.padded = Math.min(known.padded, padded);
    }
  }
  return [...out.values()];
}
