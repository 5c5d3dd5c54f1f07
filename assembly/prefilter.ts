// The literal prefilter: before a record is validated and scanned, a word-at-a-time search proves most records
// cannot be a candidate of any stage — they hold none of the JSON string tokens the stages require (derived from
// the rules by host/rules/prefilter.ts; the table follows the rules in the program). Such a record passes
// untouched without being validated (option validate = "candidates").
//
// 1. Search group 0 (one clause per stage) for its needles and for escapes; none → not a candidate.
// 2. A record holding one: search group 1 (every needle of every clause), note which were found, and test
//    each stage's clauses (all must have a needle present).
// An escape that can spell a needle (`\u`, and `\/` when a needle holds a `/`) may hide one: the record's
// escapes are then decoded into scratch and step 2 runs there (a second level of escapes there, as in an audit
// Event carried inside a string, sends the record the full way).

import { rd } from "./program";
import { search0, search1, found, hit, stoppedAtEscape } from "./needles";
import { setClass, setClasses, setNeedle, setSlashEscapes, slashEscapes, clearAnchors, setAnchor, setToken, covers, nextCovered, anchorCovered, nLen, needleBytes, MAX_CLASSES, MAX_NEEDLES, BYTES_CAP, CI, SLACK } from "./needle-tables";
import { decodeEscape, decodedLen, nextBackslash } from "./strings";
import { bump, C_PREFILTER_ESCAPED } from "./counters";
import { someStageHolds, setStageCount, setClauseCount, setClause, MAX_STAGES, MAX_CLAUSES } from "./clauses";

// @ts-ignore: decorator
@inline const MAGIC: u32 = 0x4C465050; // 'PPFL'
// @ts-ignore: decorator
@inline export const SCRATCH_BYTES: usize = 65536; // larger records with escapes take the full path

export let prefilterLoaded = false;
let phase2 = false;
const scratch: usize = heap.alloc(SCRATCH_BYTES + SLACK);

function mask64(): u64 {
  const lo = <u64>rd();
  return lo | (<u64>rd() << 32);
}

/**
 * Reads the prefilter section (layout: host/rules/prefilter.ts); false when it is malformed. A section that
 * says "off" (some stage requires no literal) leaves prefilterLoaded false: every record takes the full path.
 */
export function loadPrefilter(): bool {
  prefilterLoaded = false;
  if (rd() != MAGIC) return false;
  if (rd() == 0) return true;
  setSlashEscapes((rd() & 1) != 0);
  const needleCount = <i32>rd();
  if (needleCount < 1 || needleCount > MAX_NEEDLES) return false;
  let used: usize = 0;
  for (let j = 0; j < needleCount; j++) {
    const len = <usize>rd();
    const flags = rd();
    const padded = (len + 7) & ~7;
    if (len == 0 || used + padded > BYTES_CAP) return false;
    setNeedle(j, len, flags, used);
    const dst = needleBytes + used;
    memory.fill(dst, 0, padded);
    memory.fill(dst + BYTES_CAP, 0, padded);
    for (let i: usize = 0; i < len; i += 4) {
      const w = rd();
      for (let k: usize = 0; k < 4 && i + k < len; k++) {
        const c = (w >> <u32>(k << 3)) & 0xFF;
        store<u8>(dst + i + k, <u8>c);
        if ((flags & CI) != 0 && c - 0x61 < 26) store<u8>(dst + BYTES_CAP + i + k, 0x20);
      }
    }
    used += padded;
  }
  clearAnchors();
  for (let g = 0; g < 2; g++) {
    const m = mask64();
    const n = <i32>rd();
    if (n < 1 || n > MAX_CLASSES) return false;
    for (let i = 0; i < n; i++) {
      const cm = rd();
      const cp = rd();
      const nm = rd();
      setClass(g, i, <u8>cm, <u8>cp, <u8>nm, <u8>rd());
    }
    setClasses(g, n);
    // the search is sound only if its classes cover the backslash (followed by u, or / when it matters), (group
    // 1) the quote, and every anchor
    if (!covers(g, 0x5C) || !nextCovered(g, 0x5C, 0x75) || (slashEscapes && !nextCovered(g, 0x5C, 0x2F))) return false;
    if (g == 1 && (!covers(g, 0x22) || !nextCovered(g, 0x22, 0x100))) return false;
    for (let j = 0; j < needleCount; j++) {
      if ((m & (<u64>1 << <u64>j)) == 0) {
        // group 1 finds a quoted needle after a quote (by its first two bytes), every other through an anchor
        if (g == 1 && !setToken(j)) return false;
        continue;
      }
      const at = <usize>rd();
      if (at >= nLen(j)) return false;
      setAnchor(g, j, at);
      if (!anchorCovered(g, j)) return false;
    }
  }
  const stageCount = <i32>rd();
  if (stageCount < 1 || stageCount > MAX_STAGES) return false;
  setStageCount(stageCount);
  phase2 = false;
  for (let s = 0; s < stageCount; s++) {
    const k = <i32>rd();
    if (k < 1 || k > MAX_CLAUSES) return false;
    if (k > 1) phase2 = true;
    setClauseCount(s, k);
    for (let c = 0; c < k; c++) setClause(s, c, mask64());
  }
  prefilterLoaded = true;
  return true;
}

/**
 * The first position in [q, end) where a group-0 needle or an escape is (stoppedAtEscape: which), or end — in the
 * v128 build, whose batch path calls it; the SWAR search (Fluent Bit, one record per call) may return a later one
 * among the same 64 bytes, which a single record's decision does not mind.
 */
export function firstEvent(lo: usize, q: usize, end: usize): usize {
  return search0(lo, q, end);
}

/** Decodes every escape of [p, end) into scratch (runs between backslashes are copied in bulk); its length. */
function decodeAll(p: usize, end: usize): usize {
  let d = scratch;
  while (p < end) {
    const b = nextBackslash(p, end);
    memory.copy(d, p, b - p);
    d += b - p;
    if (b >= end) break;
    p = decodeEscape(b, end, d);
    d += decodedLen;
  }
  return d - scratch;
}

/**
 * False when the record [p, end) cannot be a candidate of any stage: for every stage, some clause has no needle
 * in it, and no escape could spell one. Needs SLACK bytes of room after end.
 */
export function mayBeCandidate(p: usize, end: usize): bool {
  if (search0(p, p, end) >= end) return false;
  // (the needle group 0 stopped at counts for group 1 too: with it, a stage may hold early)
  const first = hit;
  if (!stoppedAtEscape) {
    if (!phase2) return true;
    search1(p, p, end, first);
    if (!stoppedAtEscape) return someStageHolds(found);
  }
  // an escape may spell a needle: look again at the decoded text
  bump(C_PREFILTER_ESCAPED);
  if (end - p > SCRATCH_BYTES) return true;
  const n = decodeAll(p, end);
  search1(scratch, scratch, scratch + n, first);
  return stoppedAtEscape || someStageHolds(found);
}
