// The prefilter's stage requirements: per stage (a row of the table), clauses that must all hold, each a set of
// needles of which one must be in the record. Filled by prefilter.ts from the program; the search of group 1
// (needles.ts) asks after each needle it finds whether some stage now holds, and stops there.
//
// Table: per stage one u8 clause count (clauseCounts), and per stage and clause a u64 needle mask (clauses,
// MAX_CLAUSES rows per stage).

// @ts-ignore: decorator
@inline export const MAX_STAGES: i32 = 64;
// @ts-ignore: decorator
@inline export const MAX_CLAUSES: i32 = 8;

let stageCount = 0;
const clauseCounts: usize = heap.alloc(<usize>MAX_STAGES);
const clauses: usize = heap.alloc(<usize>(MAX_STAGES * MAX_CLAUSES) * 8);

export function setStageCount(n: i32): void {
  stageCount = n;
}

export function setClauseCount(s: i32, k: i32): void {
  store<u8>(clauseCounts + <usize>s, <u8>k);
}

export function setClause(s: i32, c: i32, mask: u64): void {
  store<u64>(clauses + <usize>(s * MAX_CLAUSES + c) * 8, mask);
}

/** Some stage has a needle of every one of its clauses in `found`. */
export function someStageHolds(found: u64): bool {
  for (let s = 0; s < stageCount; s++) {
    const k = <i32>load<u8>(clauseCounts + <usize>s);
    let ok = true;
    for (let c = 0; c < k && ok; c++) ok = (load<u64>(clauses + <usize>(s * MAX_CLAUSES + c) * 8) & found) != 0;
    if (ok) return true;
  }
  return false;
}
