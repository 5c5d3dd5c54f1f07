// The dispatch index, built when rules are compiled: which stages a record can possibly match, from the values of
// a few fields read once per record — so a record is evaluated only against those stages, and the cost of a pack
// grows with the stages a record could meet rather than with the number of rules (assembly/dispatch.ts).
//
// From each stage's predicate (as the engine evaluates it: derived fields expanded) the compiler takes what it
// requires: a field that must hold one of a few values. `f == v`, `f in (…)`, and `like` patterns without
// wildcards give one (ASCII case-folded for `in~`, `like~` and `:`); `and` keeps each child's, `or` keeps a field
// every branch requires (the union of their values); `not` and every other test give none. A requirement is
// sound because the engine reads the field exactly as the stage's own test does (the first alias present in
// the record's shape, any element of an array, a number or boolean by its text, escapes decoded) — a record
// that could make the test true holds one of the values. Each stage is filed under one requirement: the one whose
// values are shared by the fewest other stages; a stage without one is evaluated for every record.
//
// section (after the rules): fields n ≤ 16, n × (field, flags: 1 = ASCII case-folded)
//   groups g, g × (count, count × stage ordinal)       ordinal: stages in evaluation order — rule by rule, and
//   entries e, e × (field index, string, group)         within a rule its last stage first, as EQL evaluates them
//   always: count, count × stage ordinal

import type { Expr } from "./model.js";

export const MAX_DISPATCH_FIELDS = 16;
const CI = 1;

/** field (with its folding) → the values it must hold; absent: no requirement. */
type Req = Map<string, Set<string>>;

const keyOf = (field: string, ci: boolean) => `${ci ? "i" : "s"}\u0000${field}`;
const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const literal = (p: string) => !p.includes("*") && !p.includes("?");

function requirement(e: Expr): Req {
  if ("all" in e) {
    const acc: Req = new Map();
    for (const k of e.all) {
      for (const [f, vs] of requirement(k)) {
        const have = acc.get(f);
        // both must hold; either alone is a sound requirement: keep the narrower
        if (!have || vs.size < have.size) acc.set(f, vs);
      }
    }
    return acc;
  }
  if ("any" in e) {
    if (e.any.length === 0) return new Map();
    const kids = e.any.map(requirement);
    const acc: Req = new Map();
    for (const [f, vs] of kids[0]) {
      if (kids.every((k) => k.has(f))) acc.set(f, new Set(kids.flatMap((k) => [...k.get(f)!])));
    }
    return acc;
  }
  if ("eq" in e) return new Map([[keyOf(e.eq, false), new Set(e.values)]]);
  if ("eqCi" in e) return new Map([[keyOf(e.eqCi, true), new Set(e.values.map(lower))]]);
  if ("like" in e && e.patterns.length > 0 && e.patterns.every(literal)) {
    return e.insensitive ? new Map([[keyOf(e.like, true), new Set(e.patterns.map(lower))]]) : new Map([[keyOf(e.like, false), new Set(e.patterns)]]);
  }
  return new Map();
}

export interface DispatchPlan {
  fields: { field: string; ci: boolean }[];
  /** Per dispatch field and value, the stage ordinals filed under it. */
  entries: { field: number; value: string; stages: number[] }[];
  always: number[];
}

/**
 * The index for these stage predicates (per rule, per stage; ordinals number the stages rule by rule, each rule's
 * last stage first).
 */
export function planDispatch(whens: Expr[][]): DispatchPlan {
  const stages: { ordinal: number; req: Req }[] = [];
  let ordinal = 0;
  for (const rule of whens) {
    for (let s = rule.length - 1; s >= 0; s--) stages.push({ ordinal: ordinal++, req: requirement(rule[s]) });
  }
  // how many stages name each (field, value): a record holding it is evaluated against them
  const shared = new Map<string, number>();
  for (const st of stages) for (const [f, vs] of st.req) for (const v of vs) shared.set(`${f}\u0001${v}`, (shared.get(`${f}\u0001${v}`) ?? 0) + 1);
  const cost = (f: string, vs: Set<string>) => [...vs].reduce((a, v) => a + shared.get(`${f}\u0001${v}`)!, 0);
  const choose = (req: Req, allowed?: Set<string>) => {
    let best: string | undefined;
    for (const [f, vs] of req) {
      if (allowed && !allowed.has(f)) continue;
      if (best === undefined || cost(f, vs) < cost(best, req.get(best)!) || (cost(f, vs) === cost(best, req.get(best)!) && f < best)) best = f;
    }
    return best;
  };
  let chosen = stages.map((st) => choose(st.req));
  const uses = new Map<string, number>();
  for (const f of chosen) if (f !== undefined) uses.set(f, (uses.get(f) ?? 0) + 1);
  if (uses.size > MAX_DISPATCH_FIELDS) {
    // each field read costs every record a lookup: keep the fields most stages are filed under
    const kept = new Set([...uses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_DISPATCH_FIELDS).map(([f]) => f));
    chosen = stages.map((st) => choose(st.req, kept));
  }
  const fieldKeys = [...new Set(chosen.filter((f): f is string => f !== undefined))].sort();
  const fieldIndex = new Map(fieldKeys.map((f, i) => [f, i]));
  const entries = new Map<string, { field: number; value: string; stages: number[] }>();
  const always: number[] = [];
  stages.forEach((st, i) => {
    const f = chosen[i];
    if (f === undefined) {
      always.push(st.ordinal);
      return;
    }
    for (const v of st.req.get(f)!) {
      const key = `${f}\u0001${v}`;
      if (!entries.has(key)) entries.set(key, { field: fieldIndex.get(f)!, value: v, stages: [] });
      entries.get(key)!.stages.push(st.ordinal);
    }
  });
  return {
    fields: fieldKeys.map((k) => ({ field: k.slice(2), ci: k[0] === "i" })),
    entries: [...entries.values()],
    always,
  };
}

/** The dispatch section's words (field and string ids from the program's interners). */
export function dispatchWords(plan: DispatchPlan, field: (name: string) => number, str: (s: string) => number): number[] {
  const words: number[] = [plan.fields.length];
  for (const f of plan.fields) words.push(field(f.field), f.ci ? CI : 0);
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
      groupWords.push(e.stages.length, ...e.stages);
    }
    entryWords.push(e.field, str(e.value), g);
  }
  words.push(groupCount, ...groupWords, plan.entries.length, ...entryWords, plan.always.length, ...plan.always);
  return words;
}
