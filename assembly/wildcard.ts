// EQL `like` / `like~` patterns over plain bytes: `*` any run (also empty), `?` one character (one UTF-8
// sequence), everything else literal; `~` compares ASCII letters case-insensitively. Iterative, with one
// backtrack point per `*` (the usual greedy matcher), so cost stays linear-ish and no stack follows the input.

@inline function lower(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

/** Length of the UTF-8 sequence starting with lead byte c (1 for ASCII and stray bytes). */
@inline function seqLen(c: u32): usize {
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

export function wildcardMatch(s: usize, n: usize, p: usize, m: usize, insensitive: bool): bool {
  let i: usize = 0; // in s
  let j: usize = 0; // in p
  let starJ: isize = -1;
  let starI: usize = 0;
  while (i < n) {
    if (j < m) {
      const pc = <u32>load<u8>(p + j);
      if (pc == 0x2A) {
        starJ = <isize>j;
        j++;
        starI = i;
        continue;
      }
      const sc = <u32>load<u8>(s + i);
      if (pc == 0x3F) {
        i += seqLen(sc);
        j++;
        continue;
      }
      if (pc == sc || (insensitive && lower(pc) == lower(sc))) {
        i++;
        j++;
        continue;
      }
    }
    if (starJ < 0) return false;
    // let the last `*` take one more character
    j = <usize>starJ + 1;
    starI += seqLen(<u32>load<u8>(s + starI));
    i = starI;
  }
  while (j < m && load<u8>(p + j) == 0x2A) j++;
  return j == m && i == n;
}

/** Byte equality ignoring ASCII case. */
export function equalsIgnoreCase(a: usize, b: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) if (lower(<u32>load<u8>(a + i)) != lower(<u32>load<u8>(b + i))) return false;
  return true;
}
