// Argument lists a sensor writes as one string, split back into arguments. The string is a JSON string body, read
// as it is in the record (escapes and all): arguments are separated by literal spaces, and an escaped quote (\")
// is a quote — no escape sequence holds a space or a bare quote, so every token is itself a valid JSON string body.
//
// QUOTE_NONE   every space separates (Falco's proc.args / proc.cmdline: a plain join, so an argument holding a
//              space comes back as several)
// QUOTE_SPACED Tetragon's join: each argument is written as " \"a b\"" when it holds a space, else as " a" — or as
//              "a" when it comes first — so an argument holding a space starts after a space with a quote and ends
//              at a quote followed by a space or the end. (An argument holding a quote followed by a space, or
//              starting with a quote, cannot be told apart: it is read the way the join would have written it.)
// One iteration at a time (module state); no allocation.

// @ts-ignore: decorator
@inline export const QUOTE_NONE: u32 = 0;
// @ts-ignore: decorator
@inline export const QUOTE_SPACED: u32 = 1;
// @ts-ignore: decorator
@inline const SPACE: u8 = 0x20;
// @ts-ignore: decorator
@inline const BACKSLASH: u8 = 0x5C;
// @ts-ignore: decorator
@inline const QUOTE: u8 = 0x22;

export let tokOff: usize = 0;
export let tokLen: usize = 0;
let at: usize = 0; // next position
let end: usize = 0;
let mode: u32 = QUOTE_NONE;
let first = true;
let done = true;

/** Starts splitting the JSON string body [p, p+n). */
export function tokensBegin(p: usize, n: usize, quoting: u32): void {
  at = p;
  end = p + n;
  mode = quoting;
  first = true;
  done = n == 0; // an empty string holds no argument
}

@inline function nextSpace(p: usize): usize {
  while (p < end && load<u8>(p) != SPACE) p++;
  return p;
}

/** An escaped quote at p (the backslash) — never the second half of an escaped backslash: `\\"` is no body. */
@inline function escapedQuote(p: usize): bool {
  return p + 1 < end && load<u8>(p) == BACKSLASH && load<u8>(p + 1) == QUOTE;
}

/** The closing escaped quote of a quoted argument whose text starts at p: followed by a space or the end. */
function closingQuote(p: usize): usize {
  while (p + 1 < end) {
    if (escapedQuote(p) && (p + 2 == end || load<u8>(p + 2) == SPACE)) return p;
    p++;
  }
  return 0;
}

/** The next argument in tokOff/tokLen (may be empty); false at the end. */
export function tokensNext(): bool {
  if (done) return false;
  if (first) {
    first = false;
    // Tetragon's first argument is written without a leading space unless it holds one
    if (mode == QUOTE_NONE || load<u8>(at) != SPACE) return bare();
  }
  if (at >= end) {
    done = true;
    return false;
  }
  at++; // the separating space
  if (mode == QUOTE_SPACED && escapedQuote(at)) {
    const close = closingQuote(at + 2);
    if (close != 0) {
      tokOff = at + 2;
      tokLen = close - tokOff;
      at = close + 2;
      if (at >= end) done = true;
      return true;
    }
  }
  return bare();
}

function bare(): bool {
  const e = nextSpace(at);
  tokOff = at;
  tokLen = e - at;
  at = e;
  if (at >= end) done = true;
  return true;
}
