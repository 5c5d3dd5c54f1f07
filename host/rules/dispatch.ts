// The dispatch index, built when rules are compiled: which stages a record can possibly match, from the values of
// a few fields read once per record — so a record is evaluated only against those stages, and the cost of a pack
// grows with the stages a record could meet rather than with the number of rules (assembly/dispatch.ts).
//
// From each stage's predicate (as the engine evaluates it: derived fields expanded) the compiler takes what it
// requires: that some field holds one of a few values, or starts with one of a few prefixes. `f == v`, `f in (…)`
// and `like` patterns give one (a pattern without wildcards is a value; one that starts with at least three
// literal bytes, such as "python*", a prefix; `startsWith` a prefix; ASCII case-folded for `in~`, `like~`, `:`
// and `~` functions); `and` keeps each child's; `or` needs one from
// every branch and gives their union — possibly over several fields (`process.name in (…) or process.args in
// (…)`: one of the names in the name, or one of the arguments in the arguments); `not` and every other test give
// none. A requirement is sound because the engine reads each field exactly as the stage's own test does (the
// first alias present in the record's shape, any element of an array, a number or boolean by its text, escapes
// decoded) — a record that could make the test true holds one of the values. Each stage is filed under the
// values of one requirement (the one of least expected hits, planDispatch); a stage without one is evaluated for
// every record.
//
// section (after the rules): fields n ≤ 16, n × (field, flags: 1 = ASCII case-folded, prefix lengths k ≤ 16,
//   k × length)                                         ordinal: stages in evaluation order — rule by rule, and
//   groups g, g × (count, count × stage ordinal)       within a rule its last stage first, as EQL evaluates them
//   entries e, e × (field index | 0x100 for a prefix, string, group)
//   always: count, count × stage ordinal

import type { Expr } from "./model.js";

export const MAX_DISPATCH_FIELDS = 16;
export const MAX_PREFIX_LENGTHS = 16;
const MIN_PREFIX = 3;
const MAX_VALUE = 4096; // assembly/dispatch.ts FOLD_CAP
const CI = 1;
const PREFIX = 0x100;

/**
 * A requirement: the record holds one of the values in at least one of these fields (with its folding) — a
 * disjunction of atoms. Values are "=v" (the whole value) or "^p" (a prefix). Several requirements of one stage all
 * hold; any one of them can file it.
 */
type Option = Map<string, Set<string>>;

const keyOf = (field: string, ci: boolean) => `${ci ? "i" : "s"}\u0000${field}`;
const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const bytes = (s: string) => Buffer.byteLength(s);

/** A like pattern as an atom value: "=v" without wildcards, "^p" for a literal start of MIN_PREFIX bytes, else none. */
function patternValue(p: string, ci: boolean): string | undefined {
  const w = p.search(/[*?]/);
  const text = ci ? lower(p) : p;
  if (w < 0) return "=" + text;
  const head = text.slice(0, w);
  return bytes(head) >= MIN_PREFIX ? "^" + head : undefined;
}

/** The single-field atom a leaf gives, if any (values past MAX_VALUE bytes give none: the engine never folds them). */
function atom(e: Expr): [string, string[]] | undefined {
  const all = (f: string, ci: boolean, vs: (string | undefined)[]): [string, string[]] | undefined =>
    vs.length > 0 && vs.every((v) => v !== undefined && bytes(v) <= MAX_VALUE + 1) ? [keyOf(f, ci), vs as string[]] : undefined;
  if ("eq" in e) return all(e.eq, false, e.values.map((v) => "=" + v));
  if ("eqCi" in e) return all(e.eqCi, true, e.values.map((v) => "=" + lower(v)));
  if ("like" in e) return all(e.like, e.insensitive === true, e.patterns.map((p) => patternValue(p, e.insensitive === true)));
  if ("prefix" in e) return all(e.prefix, e.insensitive === true, e.values.map((v) => (bytes(v) >= MIN_PREFIX ? "^" + (e.insensitive ? lower(v) : v) : undefined)));
  return undefined;
}

function union(options: Option[]): Option {
  const u: Option = new Map();
  for (const o of options) for (const [f, vs] of o) u.set(f, new Set([...(u.get(f) ?? []), ...vs]));
  return u;
}

/**
 * The requirements of a predicate: `and` keeps each child's; `or` needs one from every branch and gives their
 * union (each branch's cheapest); `not` and other tests give none. cost: what an option costs (see planDispatch).
 */
function requirements(e: Expr, cost: (o: Option) => number): Option[] {
  if ("all" in e) return e.all.flatMap((k) => requirements(k, cost));
  if ("any" in e) {
    if (e.any.length === 0) return [];
    const best: Option[] = [];
    for (const k of e.any) {
      const opts = requirements(k, cost);
      if (opts.length === 0) return [];
      best.push(opts.reduce((a, b) => (cost(b) < cost(a) ? b : a)));
    }
    return [union(best)];
  }
  const a = atom(e);
  return a ? [new Map([[a[0], new Set(a[1])]])] : [];
}

/** Every atom's field and values in a predicate (to learn how often the rules name each value). */
function atoms(e: Expr, out: (f: string, vs: string[]) => void): void {
  if ("all" in e) e.all.forEach((k) => atoms(k, out));
  else if ("any" in e) e.any.forEach((k) => atoms(k, out));
  else if ("not" in e) atoms(e.not, out);
  else {
    const a = atom(e);
    if (a) out(a[0], a[1]);
  }
}

export interface DispatchPlan {
  /** Fields read per record, with the prefix lengths looked up in each. */
  fields: { field: string; ci: boolean; prefixLengths: number[] }[];
  /** Per dispatch field and value (or prefix), the stage ordinals filed under it. */
  entries: { field: number; value: string; prefix: boolean; stages: number[] }[];
  always: number[];
}

/**
 * The index for these stage predicates (per rule, per stage; ordinals number the stages rule by rule, each rule's
 * last stage first). How often a record holds a value is not known when rules are compiled; the rules tell:
 * a value many of them name is taken to be common in the records (`event.action == "exec"`, `event.type ==
 * "start"`), one few name to be rare (most process names, arguments). A value's share of a field is the share of
 * the field's mentions that name it, and a stage is filed under its requirement of least share (added up over
 * its atoms and values).
 */
export function planDispatch(whens: Expr[][]): DispatchPlan {
  const mentions = new Map<string, number>();
  const fieldMentions = new Map<string, number>();
  for (const rule of whens) {
    for (const w of rule) {
      atoms(w, (f, vs) => {
        for (const v of new Set(vs)) mentions.set(`${f}\u0001${v}`, (mentions.get(`${f}\u0001${v}`) ?? 0) + 1);
        fieldMentions.set(f, (fieldMentions.get(f) ?? 0) + new Set(vs).size);
      });
    }
  }
  let allowed: Set<string> | undefined;
  const cost = (o: Option) => {
    let c = 0;
    for (const [f, vs] of o) {
      if (allowed && !allowed.has(f)) return Infinity;
      for (const v of vs) c += mentions.get(`${f}\u0001${v}`)! / fieldMentions.get(f)!;
    }
    return c;
  };
  const stages: { ordinal: number; when: Expr }[] = [];
  let ordinal = 0;
  for (const rule of whens) for (let s = rule.length - 1; s >= 0; s--) stages.push({ ordinal: ordinal++, when: rule[s] });
  const choose = () =>
    stages.map((st) => {
      const opts = requirements(st.when, cost).filter((o) => cost(o) < Infinity);
      return opts.length ? opts.reduce((a, b) => (cost(b) < cost(a) ? b : a)) : undefined;
    });
  let chosen = choose();
  const uses = new Map<string, number>();
  for (const o of chosen) for (const f of o?.keys() ?? []) uses.set(f, (uses.get(f) ?? 0) + 1);
  if (uses.size > MAX_DISPATCH_FIELDS) {
    // each field read costs every record a lookup: keep the fields most stages are filed under
    allowed = new Set([...uses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_DISPATCH_FIELDS).map(([f]) => f));
    chosen = choose();
  }
  const fieldKeys = [...new Set(chosen.flatMap((o) => [...(o?.keys() ?? [])]))].sort();
  const fieldIndex = new Map(fieldKeys.map((f, i) => [f, i]));
  // per field, the prefix lengths looked up (the most used ones; a longer prefix is shortened to one of them)
  const lengths = new Map<string, number[]>();
  for (const f of fieldKeys) {
    const uses = new Map<number, number>();
    for (const o of chosen) for (const v of o?.get(f) ?? []) if (v[0] === "^") uses.set(bytes(v.slice(1)), (uses.get(bytes(v.slice(1))) ?? 0) + 1);
    const kept = [...uses].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_PREFIX_LENGTHS - 1).map(([l]) => l);
    if (uses.size > 0 && !kept.includes(MIN_PREFIX)) kept.push(MIN_PREFIX);
    lengths.set(f, kept.sort((a, b) => a - b));
  }
  /** The prefix p as the field looks it up: cut to the longest length looked up that is not longer. */
  const cut = (f: string, p: string) => {
    const b = Buffer.from(p);
    const l = Math.max(...lengths.get(f)!.filter((x) => x <= b.length));
    return b.subarray(0, l).toString("latin1");
  };
  const entries = new Map<string, { field: number; value: string; prefix: boolean; stages: number[] }>();
  const always: number[] = [];
  stages.forEach((st, i) => {
    const o = chosen[i];
    if (!o) {
      always.push(st.ordinal);
      return;
    }
    for (const [f, vs] of o) {
      for (const v of vs) {
        const prefix = v[0] === "^";
        // a cut prefix is a byte string (latin1 keeps each byte): the program stores its bytes
        const value = prefix ? cut(f, v.slice(1)) : v.slice(1);
        const key = `${f}\u0001${prefix ? "^" : "="}${value}`;
        if (!entries.has(key)) entries.set(key, { field: fieldIndex.get(f)!, value, prefix, stages: [] });
        const list = entries.get(key)!.stages;
        if (list[list.length - 1] !== st.ordinal) list.push(st.ordinal);
      }
    }
  });
  return {
    fields: fieldKeys.map((k) => ({ field: k.slice(2), ci: k[0] === "i", prefixLengths: lengths.get(k)! })),
    entries: [...entries.values()],
    always,
  };
}

/**
 * The dispatch section's words (field and string ids from the program's interners; blob interns raw bytes, which
 * a prefix cut inside a UTF-8 sequence is).
 */
export function dispatchWords(plan: DispatchPlan, field: (name: string) => number, str: (s: string) => number, blob: (b: Uint8Array) => number): number[] {
  const words: number[] = [plan.fields.length];
  for (const f of plan.fields) words.push(field(f.field), f.ci ? CI : 0, f.prefixLengths.length, ...f.prefixLengths);
  // entries with the same stage list share a group
  const groups = new Map<string, number>();
  const groupWords: number[] = [];
  let groupCount = 0;
  const entryWords: number[] = [];
  for (const e of plan.entries) {
    const key = e.stages.join(",");
    let g = groups.get(key);
    if (g === undefined) {
      g = groupCount++;
      groups.set(key, g);
      groupWords.push(e.stages.length);
      for (const o of e.stages) groupWords.push(o);
    }
    entryWords.push(e.field | (e.prefix ? PREFIX : 0), e.prefix ? blob(Buffer.from(e.value, "latin1")) : str(e.value), g);
  }
  // (concat, not a spread: a large pack has more words than a call takes arguments)
  return words.concat([groupCount], groupWords, [plan.entries.length], entryWords, [plan.always.length], plan.always);
}
