// IP addresses and CIDR blocks for EQL cidrmatch(), read as Elasticsearch reads them (strict dotted quads without
// leading zeros, IPv6 with one optional `::` and an optional dotted-quad tail), as 16-byte ranges: an IPv4
// address is its IPv4-mapped IPv6 form (::ffff:a.b.c.d), as an `ip` field indexes it, so an IPv4 block also
// matches the mapped spelling. The engine's parser (assembly/cidr.ts) follows the same rules.

/** 16 bytes, or undefined when the text is not an address. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(":")) return parseIpv6(text);
  const v4 = parseIpv4(text);
  if (!v4) return undefined;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === "0") || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let head = text;
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    head = text.slice(0, lastColon + 1) + "0:0"; // the IPv4 tail stands for two groups
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const total = left.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...left, ...Array(8 - total).fill("0"), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(all[i])) return undefined;
    const v = parseInt(all[i], 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** An address or block as its inclusive 16-byte range; undefined when it is neither. */
export function parseCidr(text: string): { lo: Uint8Array; hi: Uint8Array } | undefined {
  const slash = text.indexOf("/");
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  if (slash < 0) return { lo: addr, hi: addr };
  const bits = text.slice(slash + 1);
  const v4 = !text.slice(0, slash).includes(":");
  if (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > (v4 ? 32 : 128)) return undefined;
  const prefix = Number(bits) + (v4 ? 96 : 0);
  const lo = addr.slice();
  const hi = addr.slice();
  for (let bit = prefix; bit < 128; bit++) {
    const m = 0x80 >> (bit & 7);
    lo[bit >> 3] &= ~m;
    hi[bit >> 3] |= m;
  }
  return { lo, hi };
}

/** The blob the engine's cidrmatch op reads: n × (16-byte low, 16-byte high). */
export function cidrBlob(blocks: string[]): Uint8Array {
  const out = new Uint8Array(blocks.length * 32);
  blocks.forEach((b, i) => {
    const r = parseCidr(b);
    if (!r) throw new Error(`cidrmatch: ${JSON.stringify(b)} is not an address or CIDR block`);
    out.set(r.lo, i * 32);
    out.set(r.hi, i * 32 + 16);
  });
  return out;
}
