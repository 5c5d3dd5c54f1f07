// EQL `regex` / `regex~`: runs an automaton the host compiled (host/rules/regex.ts) over a value's UTF-8 bytes,
// one table lookup per byte, stopping early when no match is possible. JSON escapes are decoded on the fly, so
// values of any length are matched without a copy. The automaton is a program string:
//
//   +0   u16 states | u16 classes | u16 start | u16 0
//   +8   u8[256]  class of each byte
//   +264 accept bits (one per state, padded to 4 bytes)
//   +264+A u16[states × classes]  next state; DEAD = no match possible

import { hex4, withSurrogate, pairedLen } from "./strings";

// @ts-ignore: decorator
@inline const DEAD: u32 = 0xFFFF;
// @ts-ignore: decorator
@inline const CLASS_MAP: usize = 8;
// @ts-ignore: decorator
@inline const ACCEPT: usize = 264;

@inline function acceptBytes(states: u32): usize {
  return ((<usize>states + 7) / 8 + 3) & ~3;
}

/** The automaton at (a, n) is well-formed: sizes agree, classes and transitions in range. Run once at load. */
export function checkAutomaton(a: usize, n: usize): bool {
  if (n < ACCEPT) return false;
  const states = <u32>load<u16>(a);
  const classes = <u32>load<u16>(a, 2);
  const start = <u32>load<u16>(a, 4);
  if (states == 0 || classes == 0 || classes > 256 || start >= states) return false;
  const table = ACCEPT + acceptBytes(states);
  if (n != table + <usize>states * <usize>classes * 2) return false;
  for (let b: usize = 0; b < 256; b++) if (<u32>load<u8>(a + CLASS_MAP + b) >= classes) return false;
  for (let i: usize = 0; i < <usize>states * <usize>classes; i++) {
    const t = <u32>load<u16>(a + table + i * 2);
    if (t != DEAD && t >= states) return false;
  }
  return true;
}

let rxTable: usize = 0;
let rxClasses: usize = 0;
let rxMap: usize = 0;
let rxState: u32 = 0;

@inline function step(b: u32): bool {
  rxState = <u32>load<u16>(rxTable + (<usize>rxState * rxClasses + <usize>load<u8>(rxMap + <usize>b)) * 2);
  return rxState != DEAD;
}

/** Feeds a code point as UTF-8. */
function stepCodePoint(cp: u32): bool {
  if (cp < 0x80) return step(cp);
  if (cp < 0x800) return step(0xC0 | (cp >> 6)) && step(0x80 | (cp & 0x3F));
  if (cp < 0x10000) return step(0xE0 | (cp >> 12)) && step(0x80 | ((cp >> 6) & 0x3F)) && step(0x80 | (cp & 0x3F));
  return step(0xF0 | (cp >> 18)) && step(0x80 | ((cp >> 12) & 0x3F)) && step(0x80 | ((cp >> 6) & 0x3F)) && step(0x80 | (cp & 0x3F));
}

/** The automaton at a accepts the whole value (p, n): plain bytes, or a validated JSON string body (esc). */
export function regexMatch(a: usize, p: usize, n: usize, esc: bool): bool {
  const states = <u32>load<u16>(a);
  rxClasses = <usize>load<u16>(a, 2);
  rxMap = a + CLASS_MAP;
  rxTable = a + ACCEPT + acceptBytes(states);
  rxState = <u32>load<u16>(a, 4);
  const end = p + n;
  let i = p;
  while (i < end) {
    const c = <u32>load<u8>(i);
    if (!esc || c != 0x5C) {
      if (!step(c)) return false;
      i++;
      continue;
    }
    // a JSON escape (the scan validated it)
    const e = <u32>load<u8>(i + 1);
    i += 2;
    let out: u32 = e;
    if (e == 0x6E) out = 0x0A;
    else if (e == 0x74) out = 0x09;
    else if (e == 0x72) out = 0x0D;
    else if (e == 0x62) out = 0x08;
    else if (e == 0x66) out = 0x0C;
    else if (e == 0x75) {
      i += 4;
      const cp = withSurrogate(<u32>hex4(i - 4), i, end); // (a surrogate pair, as the decoder reads it)
      i += pairedLen;
      if (!stepCodePoint(cp)) return false;
      continue;
    }
    if (!step(out)) return false;
  }
  return (load<u8>(a + ACCEPT + (<usize>rxState >> 3)) & (1 << (rxState & 7))) != 0;
}
