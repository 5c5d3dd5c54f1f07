// Reporting a found sequence or sample: the chain (per position, the entry of its event; 0 = the record being
// processed) is turned into the record's tag, tags for held partners, the alert record, and the partners are
// marked used. The sequence id hashes the rule, the key and every event's record.

import { Buf } from "./buf";
import { bump, C_MATCHES, C_ALERTS, C_SUMMARIES_LOST } from "./counters";
import { hashBytes, hashCombine } from "./hash";
import { ruleIdHash } from "./rules";
import { freeKey, touch } from "./state";
import { keySpent, eTime } from "./buffers";
import { summaryAt, summaryLenAt, summaryHashAt, rendered } from "./summary";
import { tagAlert, splice, alertRecord, setChain } from "./alert";
import { takeHeld, heldPtr, heldLen, heldClose, heldFlags, HF_NEWLINE, HF_EMPTY } from "./hold";
import { comboText, podOff } from "./keys";
import { markUsed } from "./partials";
import { out, tagBuf, alertBuf, alertsOn, recordHash } from "./sequence";

// @ts-ignore: decorator
@inline const SEED_ID: u64 = 0x73657175656E6365;

const partnerTag = new Buf(4096);
const keyText = new Buf(512);

// per position: the entry (0 = the current record); its summary pointer u32 | length u32
let chain: usize = 0;
let sums: usize = 0;

/** Sizes the chain for sequences of up to n positions (at init). */
export function initChain(n: i32): void {
  chain = heap.alloc(<usize>n * 4);
  sums = heap.alloc(<usize>n * 8);
}

@inline export function chainAt(i: i32): usize {
  return <usize>load<u32>(chain + (<usize>i << 2));
}
@inline export function setAt(i: i32, e: usize): void {
  store<u32>(chain + (<usize>i << 2), <u32>e);
}
@inline function sumPtr(i: i32): usize {
  return <usize>load<u32>(sums + (<usize>i << 3));
}
@inline function sumLen(i: i32): usize {
  return <usize>load<u32>(sums + (<usize>i << 3), 4);
}

/**
 * Reports the sequence in the chain (position s is the current record, at time t; n positions; the span runs from
 * t0 to t1): tags the record, releases held partners tagged, queues the alert, and marks the partners used
 * (searched: the out-of-order search found it). `combo` names the key combination whose text the tag carries.
 */
export function report(r: i32, k: u32, s: i32, n: i32, t0: i64, t1: i64, combo: i32, searched: bool): void {
  comboText(combo, keyText);
  const key = keyText.base;
  const keyLen = keyText.len;
  let h: u64 = 0;
  let lost = false;
  for (let i = 0; i < n; i++) {
    let p: usize = 0;
    let len: usize = 0;
    let rh: u64 = 0;
    if (i == s) {
      p = rendered.base;
      len = rendered.len;
      rh = recordHash();
    } else {
      const e = chainAt(i);
      p = e != 0 ? summaryAt(load<u64>(e, 8)) : 0;
      if (p != 0) {
        len = summaryLenAt(p);
        rh = summaryHashAt(p);
      } else lost = true;
    }
    store<u32>(sums + (<usize>i << 3), <u32>p);
    store<u32>(sums + (<usize>i << 3), <u32>len, 4);
    h = i == 0 ? rh : hashCombine(h, rh);
  }
  if (lost) bump(C_SUMMARIES_LOST);
  const id = hashCombine(hashCombine(ruleIdHash(r), hashBytes(SEED_ID, key, keyLen)), h);
  // the peer of a position's record is the position before it (the first position's: the second)
  const peer = s > 0 ? s - 1 : 1;
  tagAlert(tagBuf, r, id, s, key, keyLen, sumPtr(peer), sumLen(peer));
  for (let i = 0; i < n; i++) {
    if (i == s) continue;
    const e = chainAt(i);
    if (e == 0) continue;
    const ref = load<u32>(e, 28);
    if (ref != 0 && takeHeld(ref)) {
      const pi = i > 0 ? i - 1 : 1;
      partnerTag.reset();
      tagAlert(partnerTag, r, id, i, key, keyLen, sumPtr(pi), sumLen(pi));
      splice(out, heldPtr, heldLen, heldClose, (heldFlags & HF_EMPTY) != 0, partnerTag);
      if ((heldFlags & HF_NEWLINE) != 0) out.byte(0x0A);
    }
    markUsed(e, searched);
  }
  if (alertsOn) {
    for (let i = 0; i < n; i++) setChain(i, sumPtr(i), sumLen(i));
    alertRecord(alertBuf, r, n, id, key, keyLen, podOff, t0, t1);
    bump(C_ALERTS);
  }
  bump(C_MATCHES);
  // a key whose candidates all joined sequences holds nothing more (the record's own inserts, if any, recreate it)
  if (keySpent(k)) freeKey(k);
  else touch(k);
}

/** The time of the event at position i of the chain (the current record's: t). */
export function chainTime(i: i32, t: i64): i64 {
  const e = chainAt(i);
  return e == 0 ? t : eTime(e);
}
