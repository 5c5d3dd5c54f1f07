// Growable byte buffers in linear memory: the batch output, a record's tag, queued alert records and
// scratch renderings. They are created once and grow by doubling; in steady state nothing is allocated.

import { HEX } from "./hexdigits";
import { nextToEscape } from "./strings";

export class Buf {
  base: usize;
  len: usize = 0;
  cap: usize;
  // bytes elsewhere in memory (records passing unchanged) that follow the buffer's contents but are copied only
  // when something is written after them (one copy per run of records), or never (Buf.unchangedFrom)
  runPtr: usize = 0;
  runLen: usize = 0;

  constructor(cap: usize) {
    this.cap = cap;
    this.base = heap.alloc(cap);
  }

  @inline reset(): void {
    this.len = 0;
    this.runLen = 0;
  }

  /** Appends [p, p+n) by reference: the bytes must stay in place until the next write or flush. */
  defer(p: usize, n: usize): void {
    if (this.runLen != 0 && this.runPtr + this.runLen == p) {
      this.runLen += n;
      return;
    }
    this.flush();
    this.runPtr = p;
    this.runLen = n;
  }

  /** Copies the deferred bytes in. */
  flush(): void {
    const n = this.runLen;
    if (n == 0) return;
    this.runLen = 0;
    this.grow(n);
    memory.copy(this.base + this.len, this.runPtr, n);
    this.len += n;
  }

  /** True when the contents are exactly the deferred bytes [p, p+n) (nothing was written, nothing flushed). */
  @inline unchangedFrom(p: usize, n: usize): bool {
    return this.len == 0 && this.runLen == n && this.runPtr == p;
  }

  /** Room for n more bytes after the contents (the deferred bytes copied in first). */
  @inline reserve(n: usize): void {
    if (this.runLen != 0) this.flush();
    if (this.len + n > this.cap) this.grow(n);
  }

  private grow(n: usize): void {
    const need = this.len + n;
    if (need <= this.cap) return;
    let cap = this.cap << 1;
    while (cap < need) cap <<= 1;
    this.base = heap.realloc(this.base, cap);
    this.cap = cap;
  }

  @inline byte(c: u32): void {
    this.reserve(1);
    store<u8>(this.base + this.len, <u8>c);
    this.len++;
  }

  bytes(p: usize, n: usize): void {
    this.reserve(n);
    memory.copy(this.base + this.len, p, n);
    this.len += n;
  }

  /** Appends an ASCII literal of the engine's own output format (never record data). */
  ascii(s: string): void {
    const n = <usize>s.length;
    this.reserve(n);
    const src = changetype<usize>(s);
    const dst = this.base + this.len;
    for (let i: usize = 0; i < n; i++) store<u8>(dst + i, <u8>load<u16>(src + (i << 1)));
    this.len += n;
  }

  /** Appends a decimal integer. */
  dec(v: u64): void {
    this.reserve(20);
    let tmp = v;
    let digits: usize = 1;
    while (tmp >= 10) {
      tmp /= 10;
      digits++;
    }
    let p = this.base + this.len + digits;
    do {
      p--;
      store<u8>(p, <u8>(0x30 + <u32>(v % 10)));
      v /= 10;
    } while (v != 0);
    this.len += digits;
  }

  /** Appends 16 lowercase hex digits. */
  hex64(v: u64): void {
    this.reserve(16);
    const p = this.base + this.len;
    for (let i = 15; i >= 0; i--) {
      store<u8>(p + <usize>i, load<u8>(HEX + <usize>(v & 0xF)));
      v >>= 4;
    }
    this.len += 16;
  }

  /** Appends plain UTF-8 bytes as a JSON string body (no quotes): escapes quote, backslash and controls. */
  escaped(p: usize, n: usize): void {
    this.reserve(n);
    const end = p + n;
    while (p < end) {
      // runs that need no escape are copied in bulk
      const q = nextToEscape(p, end);
      if (q > p) this.bytes(p, q - p);
      if (q >= end) return;
      const c = <u32>load<u8>(q);
      p = q + 1;
      if (c == 0x22 || c == 0x5C) {
        this.byte(0x5C);
        this.byte(c);
      } else if (c < 0x20) {
        this.reserve(6);
        const d = this.base + this.len;
        store<u32>(d, 0x3030755C); // \u00
        store<u8>(d + 4, load<u8>(HEX + <usize>(c >> 4)));
        store<u8>(d + 5, load<u8>(HEX + <usize>(c & 0xF)));
        this.len += 6;
      }
    }
  }

  /** Appends a JSON string (quotes included) for plain bytes. */
  @inline quoted(p: usize, n: usize): void {
    this.byte(0x22);
    this.escaped(p, n);
    this.byte(0x22);
  }
}
