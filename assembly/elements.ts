// Iteration over the elements of an array value [off, off+len) that the scan already validated: each element as
// a slot would describe it (strings: body span and escape flag). One iteration at a time (module state).

import { T_NONE, T_STRING, T_NUMBER, T_ARRAY, T_TRUE, T_FALSE, T_NULL, T_ESC, nextElement, skipWs, lastStringEscaped } from "./scan";

export let elOff: usize = 0;
export let elLen: usize = 0;
export let elType: u32 = T_NONE;
let elNext: usize = 0;
let elEnd: usize = 0;

export function elementsBegin(off: usize, len: usize): void {
  elNext = skipWs(off + 1, off + len);
  elEnd = off + len - 1; // the closing bracket
}

/** Advances to the next element; false at the end. Sets elOff/elLen/elType like a slot. */
export function elementsNext(): bool {
  if (elNext >= elEnd) return false;
  const v = elNext;
  const after = nextElement(v, elEnd);
  const c = <u32>load<u8>(v);
  if (c == 0x22) {
    elType = T_STRING | (lastStringEscaped() ? T_ESC : 0);
    elOff = v + 1;
    elLen = after - v - 2;
  } else {
    elType = c == 0x74 ? T_TRUE : c == 0x66 ? T_FALSE : c == 0x6E ? T_NULL : c == 0x5B ? T_ARRAY : c == 0x7B ? <u32>7 : T_NUMBER;
    elOff = v;
    elLen = after - v;
  }
  let q = skipWs(after, elEnd);
  if (q < elEnd && load<u8>(q) == 0x2C) q = skipWs(q + 1, elEnd);
  elNext = q;
  return true;
}

export function elementOff(): usize {
  return elOff;
}
export function elementLen(): usize {
  return elLen;
}
export function elementType(): u32 {
  return elType;
}

