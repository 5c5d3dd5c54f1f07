// Fitting a large rule pack's prefilter into the engine's table: at most MAX_NEEDLES needles (the search keeps a
// 64-bit mask of the needles found) and at most MAX_STAGES rows of clauses, with a search cheap enough to pay for
// itself. prefilter.ts first lets every stage pick the clause that passes the fewest records; with a few rules
// those fit. A pack of hundreds names hundreds of process names, paths and arguments, and its stages outnumber
// the rows. Both reductions here are sound — a record some stage can match always passes:
//
// - fitPrimaries: each stage still gets one of its own clauses (any clause of a stage's requirement holds in
//   every candidate of it), chosen by a greedy weighted cover: the clause that lets the most stages be covered
//   per search cost it adds (the caller's cost model: a new anchor byte, more look-ups, a needle most records
//   hold); then each stage takes the best clause the chosen needles allow.
// - mergeRows: stages with the same primary clause share a row (with the further clauses all of them have); rows
//   beyond the cap are merged into the row of the needle most of their primaries hold: the merged row requires
//   one needle of the union of their primaries — implied by each of them — and the clauses every one of them has.
//
// Nothing is dropped: when no choice fits, the caller turns the prefilter off (every record takes the full path).

import { needleKey as key, clauseKey, type Clause, type Needle } from "./prefilter-requirements.js";

/** Lexicographic order of rank vectors: negative when a comes first. */
const byRank = (a: number[], b: number[]) => {
  const d = a.findIndex((x, k) => x !== b[k]);
  return d < 0 ? 0 : a[d] - b[d];
};

/**
 * One clause per stage (cnfs: each stage's clauses, none empty) so that together they are cheap to search and
 * need at most `cap` needles: a greedy weighted cover — the clause that lets the most stages be covered per cost
 * it adds (weigh: what adding needles to those chosen adds to the search), then each stage takes the best clause
 * (rank, lower first) the chosen needles hold. Undefined when the cover does not fit.
 */
export function fitPrimaries(cnfs: Clause[][], cap: number, weigh: (adds: Needle[], have: Needle[]) => number, rank: (c: Clause) => number[]): Clause[] | undefined {
  const needles = new Map<string, Needle>();
  const ranks = new Map<Clause, number[]>();
  const rankOf = (c: Clause) => {
    let r = ranks.get(c);
    if (!r) ranks.set(c, (r = rank(c)));
    return r;
  };
  // each stage's clauses as sorted needle keys (a clause's needles: one of them must be in the record)
  const options = cnfs.map((cnf) =>
    cnf.map((c) => {
      for (const n of c) needles.set(key(n), n);
      return { keys: [...new Set(c.map(key))].sort(), clause: c };
    }),
  );
  const chosen = new Set<string>();
  const have: Needle[] = [];
  const covered = new Array<boolean>(cnfs.length).fill(false);
  for (;;) {
    // the uncovered stages by what each of their clauses still misses
    const bySet = new Map<string, { ks: string[]; stages: Set<number>; clause: Clause }>();
    for (let s = 0; s < cnfs.length; s++) {
      if (covered[s]) continue;
      const miss = options[s].map((o) => ({ ks: o.keys.filter((k) => !chosen.has(k)), clause: o.clause }));
      if (miss.some((m) => m.ks.length === 0)) {
        covered[s] = true;
        continue;
      }
      for (const m of miss) {
        const mk = m.ks.join(SEP);
        const e = bySet.get(mk);
        if (!e) bySet.set(mk, { ks: m.ks, stages: new Set([s]), clause: m.clause });
        else {
          e.stages.add(s);
          if (byRank(rankOf(m.clause), rankOf(e.clause)) < 0) e.clause = m.clause;
        }
      }
    }
    if (bySet.size === 0) break;
    // the candidate that covers the most stages per cost (the stages missing it or a part of it: every subset of
    // up to four needles is looked up; a larger set counts its own stages only), then the better clause
    let best: { ks: string[]; clause: Clause; gain: number } | undefined;
    for (const e of bySet.values()) {
      if (chosen.size + e.ks.length > cap) continue;
      let stages = e.stages;
      if (e.ks.length > 1 && e.ks.length <= 4) {
        stages = new Set();
        for (let m = 1; m < 1 << e.ks.length; m++) {
          const sub = bySet.get(e.ks.filter((_, i) => m & (1 << i)).join(SEP));
          if (sub) for (const s of sub.stages) stages.add(s);
        }
      }
      const gain = stages.size / Math.max(1e-9, weigh(e.ks.map((k) => needles.get(k)!), have));
      if (!best || gain > best.gain || (gain === best.gain && byRank(rankOf(e.clause), rankOf(best.clause)) < 0)) best = { ks: e.ks, clause: e.clause, gain };
    }
    if (!best) return undefined;
    for (const k of best.ks) {
      chosen.add(k);
      have.push(needles.get(k)!);
    }
  }
  // each stage: its best clause among those the chosen needles hold
  return options.map((os) => os.filter((o) => o.keys.every((k) => chosen.has(k))).map((o) => o.clause).sort((a, b) => byRank(rankOf(a), rankOf(b)))[0]);
}

const SEP = "\u0001";

/**
 * At most `cap` rows of clauses whose disjunction each stage's clauses imply (stages: per stage its clauses,
 * the primary first; index: a needle's place in the table). Stages with the same primary share a row, and rows
 * beyond the cap are merged by a needle their primaries share.
 */
export function mergeRows(stages: Clause[][], cap: number, index: Map<string, number>): Clause[][] {
  if (stages.length <= cap) return stages;
  /** The clauses every row of a set holds (the primary first: the union of theirs). */
  const join = (rows: Clause[][]): Clause[] => {
    const primary = new Map<string, Clause[number]>();
    for (const r of rows) for (const n of r[0]) primary.set(key(n), n);
    const common = rows[0].slice(1).filter((c) => rows.every((r) => r.slice(1).some((d) => clauseKey(d) === clauseKey(c))));
    return [[...primary.values()], ...common];
  };
  const byPrimary = new Map<string, Clause[][]>();
  for (const st of stages) {
    const k = clauseKey(st[0]);
    const same = byPrimary.get(k);
    if (same) same.push(st);
    else byPrimary.set(k, [st]);
  }
  let rows = [...byPrimary.values()].map(join);
  if (rows.length <= cap) return rows;
  // more distinct primaries than rows: each row joins the bucket of its primary's needle that most primaries
  // hold (there are at most `cap` needles, so at most `cap` buckets)
  const holders = new Map<string, number>();
  for (const r of rows) for (const n of r[0]) holders.set(key(n), (holders.get(key(n)) ?? 0) + 1);
  const buckets = new Map<string, Clause[][]>();
  for (const r of rows) {
    const k = r[0].map(key).reduce((a, b) => (holders.get(b)! > holders.get(a)! || (holders.get(b) === holders.get(a) && index.get(b)! < index.get(a)!) ? b : a));
    const same = buckets.get(k);
    if (same) same.push(r);
    else buckets.set(k, [r]);
  }
  rows = [...buckets.values()].map(join);
  if (rows.length > cap) throw new Error("prefilter: more rows than needles"); // (cannot happen: cap >= needles)
  return rows;
}
