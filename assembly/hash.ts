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

export function hashBytes(seed: u64, p: usize, n: usize): u64 {
  let h: u64 = seed ^ (<u64>n * P1);
  const end = p + n;
  while (p + 8 <= end) {
    h = (h ^ (load<u64>(p) * P2)) * P1;
    h = (h << 31) | (h >> 33);
    p += 8;
  }
  let tail: u64 = 0;
  let shift: u64 = 0;
  while (p < end) {
    tail |= (<u64>load<u8>(p)) << shift;
    shift += 8;
    p++;
  }
  h = (h ^ (tail * P3)) * P1;
  return mix64(h);
}

@inline export function hashCombine(a: u64, b: u64): u64 {
  return mix64(a ^ (b + P1 + (a << 6) + (a >> 2)));
}
