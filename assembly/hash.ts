// 64-bit hashing of byte ranges: key identity in the state table, record fingerprints and sequence ids.
// A multiply-xorshift mix over 8-byte words; two seeds give the two independent halves of a key's identity.

// @ts-ignore: decorator
@inline const P1: u64 = 0x9E3779B97F4A7C15;
// @ts-ignore: decorator
@inline const P2: u64 = 0xC2B2AE3D27D4EB4F;
// @ts-ignore: decorator
@inline const P3: u64 = 0x165667B19E3779F9;

@inline export function mix64(h: u64): u64 {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCD;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53;
  h ^= h >> 33;
  return h;
}

@inline function step(h: u64, w: u64): u64 {
  return rotl<u64>((h ^ (w * P2)) * P1, 31);
}

export function hashBytes(seed: u64, p: usize, n: usize): u64 {
  let h: u64 = seed ^ (<u64>n * P1);
  const end = p + n;
  // four words per bound check (the same sequence of steps as one at a time)
  while (p + 32 <= end) {
    h = step(h, load<u64>(p));
    h = step(h, load<u64>(p, 8));
    h = step(h, load<u64>(p, 16));
    h = step(h, load<u64>(p, 24));
    p += 32;
  }
  while (p + 8 <= end) {
    h = step(h, load<u64>(p));
    p += 8;
  }
  // the last 0-7 bytes, little-endian, zero-padded: one masked load when 8 bytes from p lie inside memory
  let tail: u64 = 0;
  const rest = end - p;
  if (rest != 0) {
    if (p + 8 <= (<usize>memory.size() << 16)) {
      tail = load<u64>(p) & ((<u64>1 << (<u64>rest << 3)) - 1);
    } else {
      let shift: u64 = 0;
      while (p < end) {
        tail |= (<u64>load<u8>(p)) << shift;
        shift += 8;
        p++;
      }
    }
  }
  h = (h ^ (tail * P3)) * P1;
  return mix64(h);
}

@inline export function hashCombine(a: u64, b: u64): u64 {
  return mix64(a ^ (b + P1 + (a << 6) + (a >> 2)));
}
