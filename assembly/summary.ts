// Candidate summaries: the rule's summary fields of a record, rendered once as a JSON object whose values are
// copied verbatim from the record, and kept in a FIFO arena so the partner of a later match can show them.
// Positions are absolute (u64), so an entry whose bytes were overwritten is detected, never misread.
//
// rendering (Buf `rendered`):  n u16 | pad u16 | 16 × (value off u16, value len u16) | {"name":value,…}
// arena item:                  length u32 | pad u32 | the record's hash u64 (for sequence ids) | rendering

import { Buf } from "./buf";
import { getField, fvType, fvOff, fvLen, fvConst, strPtr, strLen, strIsPlain } from "./program";
import { elementsBegin, elementsNext, elementOff, elementLen, elementType } from "./elements";
import { summaryCount, summaryName, summaryField, MAX_SUMMARY_FIELDS } from "./rules";
import { T_STRING, T_ARRAY, T_MASK } from "./scan";

// @ts-ignore: decorator
@inline export const SUM_HDR: usize = 4 + <usize>MAX_SUMMARY_FIELDS * 4;
export const NO_SUMMARY: u64 = u64.MAX_VALUE;

export let maxSummaryBytes: usize = 2048;
export const rendered = new Buf(4096);

let arena: usize = 0;
let arenaSize: u64 = 0;
let wc: u64 = 0; // absolute write cursor

export function initArena(bytes: usize, maxSummary: usize): void {
  arenaSize = <u64>bytes;
  arena = heap.alloc(bytes);
  wc = 0;
  maxSummaryBytes = maxSummary;
}

export function arenaUsed(): u64 {
  return wc < arenaSize ? wc : arenaSize;
}

function putValue(b: Buf): void {
  if (fvConst) b.quoted(fvOff, fvLen);
  else if ((fvType & T_MASK) == T_STRING) b.bytes(fvOff - 1, fvLen + 2);
  else b.bytes(fvOff, fvLen);
}

/** Renders the summary of rule r's stage s for the current record into `rendered`. */
export function renderSummary(r: i32, s: i32): void {
  const b = rendered;
  b.reset();
  b.reserve(SUM_HDR);
  memory.fill(b.base, 0, SUM_HDR);
  b.len = SUM_HDR;
  const json = b.len;
  b.byte(0x7B);
  const n = summaryCount(r, s);
  let written: u32 = 0;
  for (let i = 0; i < n; i++) {
    const f = summaryField(r, s, i);
    if (!getField(f)) continue;
    const name = summaryName(r, s, i);
    const mark = b.len;
    const np = strPtr(name);
    const nl = strLen(name);
    if (strIsPlain(name)) {
      // `,"name":` written at once
      b.reserve(nl + 4);
      let d = b.base + b.len;
      if (written > 0) store<u8>(d++, 0x2C);
      store<u8>(d, 0x22);
      memory.copy(d + 1, np, nl);
      store<u16>(d + 1 + nl, 0x3A22); // '":'
      b.len = d + 3 + nl - b.base;
    } else {
      if (written > 0) b.byte(0x2C);
      b.quoted(np, nl);
      b.byte(0x3A);
    }
    const vstart = b.len;
    const room = <isize>(json + maxSummaryBytes) - <isize>b.len - 1; // keep room for the closing brace
    const vlen = fvConst ? fvLen + 2 : (fvType & T_MASK) == T_STRING ? fvLen + 2 : fvLen;
    if (<isize>vlen <= room) {
      putValue(b);
    } else if ((fvType & T_MASK) == T_ARRAY && room >= 2) {
      // keep the elements that fit: a shorter array is still valid JSON
      b.byte(0x5B);
      let k = 0;
      elementsBegin(fvOff, fvLen);
      while (elementsNext()) {
        // element spans of strings are their bodies: copy the quotes too
        const str = (elementType() & T_MASK) == T_STRING;
        const off = str ? elementOff() - 1 : elementOff();
        const len = str ? elementLen() + 2 : elementLen();
        if (<isize>(b.len - vstart + len + (k > 0 ? 1 : 0) + 1) > room) break;
        if (k > 0) b.byte(0x2C);
        b.bytes(off, len);
        k++;
      }
      b.byte(0x5D);
    } else {
      b.len = mark; // the field does not fit: leave it out
      continue;
    }
    const span = b.base + 4 + <usize>i * 4;
    store<u16>(span, <u16>(vstart - json));
    store<u16>(span, <u16>(b.len - vstart), 2);
    written++;
  }
  b.byte(0x7D);
  store<u16>(b.base, <u16>n);
}

// @ts-ignore: decorator
@inline const ITEM_HDR: u64 = 16;

/** Stores `rendered` in the arena with the record's hash; returns its position. */
export function storeSummary(recHash: u64): u64 {
  const n = <u64>rendered.len;
  const total = (n + ITEM_HDR + 7) & ~7;
  if (total > arenaSize) return NO_SUMMARY;
  if ((wc % arenaSize) + total > arenaSize) wc += arenaSize - (wc % arenaSize);
  const pos = wc;
  const p = arena + <usize>(pos % arenaSize);
  store<u32>(p, <u32>n);
  store<u64>(p, recHash, 8);
  memory.copy(p + <usize>ITEM_HDR, rendered.base, <usize>n);
  wc += total;
  return pos;
}

/** Pointer to the rendering stored at pos, or 0 when it was overwritten. */
export function summaryAt(pos: u64): usize {
  if (pos == NO_SUMMARY || wc > pos + arenaSize) return 0;
  return arena + <usize>(pos % arenaSize) + <usize>ITEM_HDR;
}

/** Length of a rendering in the arena. */
export function summaryLenAt(p: usize): usize {
  return <usize>load<u32>(p - <usize>ITEM_HDR);
}

/** The hash of the record whose rendering sits in the arena at p. */
export function summaryHashAt(p: usize): u64 {
  return load<u64>(p - <usize>ITEM_HDR, 8);
}

// accessors of a rendering at p (in `rendered` or in the arena)
@inline export function sumJson(p: usize): usize {
  return p + SUM_HDR;
}
@inline export function sumValueOff(p: usize, i: i32): usize {
  return <usize>load<u16>(p + 4 + <usize>i * 4);
}
@inline export function sumValueLen(p: usize, i: i32): usize {
  return <usize>load<u16>(p + 4 + <usize>i * 4, 2);
}
