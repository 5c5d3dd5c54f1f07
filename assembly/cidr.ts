// EQL cidrmatch(): reads a value as an IP address the way Elasticsearch does (host/rules/cidr.ts has the same
// rules: dotted quads without leading zeros, IPv6 with one optional `::` and an optional dotted-quad tail) into a
// 16-byte form (IPv4 as ::ffff:a.b.c.d) and tests it against the rule's ranges. A value that is not an address
// never matches. The ranges are a program string: n × (16-byte low, 16-byte high), inclusive.

// @ts-ignore: decorator
@inline const ADDR: usize = 16;
// @ts-ignore: decorator
@inline const RANGE: usize = 32;
const addr: usize = heap.alloc(ADDR);
const groups: usize = heap.alloc(16); // up to 8 u16 groups of an IPv6 address

@inline function hexDigit(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** A dotted quad in [p, end) into dst (4 bytes). */
function parseV4(p: usize, end: usize, dst: usize): bool {
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (p >= end || load<u8>(p) != 0x2E) return false;
      p++;
    }
    const start = p;
    let v: u32 = 0;
    while (p < end && <u32>load<u8>(p) - 0x30 < 10 && p - start < 3) {
      v = v * 10 + (<u32>load<u8>(p) - 0x30);
      p++;
    }
    const digits = p - start;
    if (digits == 0 || v > 255 || (digits > 1 && load<u8>(start) == 0x30)) return false;
    store<u8>(dst + <usize>part, <u8>v);
  }
  return p == end;
}

/** IPv6 text in [p, end) into addr. */
function parseV6(p: usize, end: usize): bool {
  // a dotted-quad tail stands for the last two groups
  let tailAt: usize = 0;
  for (let q = end; q > p; q--) {
    const c = load<u8>(q - 1);
    if (c == 0x3A) break;
    if (c == 0x2E) {
      let s = q - 1;
      while (s > p && load<u8>(s - 1) != 0x3A) s--;
      tailAt = s;
      break;
    }
  }
  const groupsEnd = tailAt != 0 ? tailAt : end;
  const maxGroups = tailAt != 0 ? 6 : 8;
  let n = 0; // groups read
  let skipAt = -1; // group index where :: stands
  let i = p;
  if (i + 1 < groupsEnd && load<u8>(i) == 0x3A && load<u8>(i + 1) == 0x3A) {
    skipAt = 0;
    i += 2;
  } else if (i < groupsEnd && load<u8>(i) == 0x3A) return false;
  while (i < groupsEnd) {
    let v: u32 = 0;
    let digits = 0;
    while (i < groupsEnd && digits < 5) {
      const h = hexDigit(<u32>load<u8>(i));
      if (h < 0) break;
      v = (v << 4) | <u32>h;
      digits++;
      i++;
    }
    if (digits == 0 || digits > 4 || n >= maxGroups) return false;
    store<u16>(groups + <usize>n * 2, <u16>v);
    n++;
    if (i == groupsEnd) break;
    if (load<u8>(i) != 0x3A) return false;
    i++;
    if (i < groupsEnd && load<u8>(i) == 0x3A) {
      if (skipAt >= 0) return false;
      skipAt = n;
      i++;
    } else if (i == groupsEnd && tailAt == 0) return false; // a trailing single ':'
  }
  if (skipAt >= 0 ? n >= maxGroups : n != maxGroups) return false;
  // expand: groups before the skip, zeros, groups after
  memory.fill(addr, 0, ADDR);
  const before = skipAt >= 0 ? skipAt : n;
  for (let g = 0; g < before; g++) store<u16>(addr + <usize>g * 2, bswap<u16>(load<u16>(groups + <usize>g * 2)));
  const after = n - before;
  const to = maxGroups - after;
  for (let g = 0; g < after; g++) store<u16>(addr + <usize>(to + g) * 2, bswap<u16>(load<u16>(groups + <usize>(before + g) * 2)));
  if (tailAt != 0) return parseV4(tailAt, end, addr + 12);
  return true;
}

/** The text (plain bytes) as an address in addr; false when it is not one. */
function parseAddress(p: usize, n: usize): bool {
  const end = p + n;
  for (let i = p; i < end; i++) if (load<u8>(i) == 0x3A) return parseV6(p, end);
  memory.fill(addr, 0, 10);
  store<u16>(addr + 10, 0xFFFF);
  return parseV4(p, end, addr + 12);
}

/** Bytewise order of the 16-byte addresses at a and b. */
@inline function cmp16(a: usize, b: usize): i32 {
  const x = bswap<u64>(load<u64>(a));
  const y = bswap<u64>(load<u64>(b));
  if (x != y) return x < y ? -1 : 1;
  const u = bswap<u64>(load<u64>(a, 8));
  const v = bswap<u64>(load<u64>(b, 8));
  return u < v ? -1 : u > v ? 1 : 0;
}

/** The address text (plain bytes) lies in one of the ranges at (r, rn). */
export function cidrMatch(p: usize, n: usize, r: usize, rn: usize): bool {
  if (n == 0 || n > 45 || !parseAddress(p, n)) return false;
  for (let o: usize = 0; o + RANGE <= rn; o += RANGE) {
    if (cmp16(addr, r + o) >= 0 && cmp16(addr, r + o + ADDR) <= 0) return true;
  }
  return false;
}

/** The ranges at (r, rn) are well-formed: whole ranges, each low ≤ high. */
export function checkRanges(r: usize, rn: usize): bool {
  if (rn == 0 || rn % RANGE != 0) return false;
  for (let o: usize = 0; o < rn; o += RANGE) if (cmp16(r + o, r + o + ADDR) > 0) return false;
  return true;
}
