// HTTP mode's request bodies: Content-Encoding identity, gzip, deflate (zlib-wrapped, as Vector's
// `compression: zlib` sends it, or raw) and zstd, decoded as they stream in, so that the decoded size is
// checked against the byte cap chunk by chunk and a compression bomb is stopped long before it is inflated.
// Node 20's zlib has no zstd: the pure-JavaScript fzstd decodes it, behind a walker over the frame headers
// that refuses a frame whose window would make the decoder allocate more than MAX_ZSTD_WINDOW.

import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from "node:zlib";
import { Decompress } from "fzstd";

/** zstd's levels 1-19 use windows of at most 8 MiB; larger ones (--long, --ultra) are refused. */
export const MAX_ZSTD_WINDOW = 8 * 1024 * 1024;
export const ENCODINGS = ["gzip", "deflate", "zstd"];

export interface Decoder {
  write(chunk: Buffer): void;
  end(): void;
  destroy(): void;
}

export interface DecoderSink {
  data(b: Buffer): void;
  end(): void;
  /** A corrupt body (400), or a frame too large to decode (413). */
  error(message: string, status: 400 | 413): void;
}

/** A decoder for the Content-Encoding header's value, or a string naming the unsupported encoding. */
export function createDecoder(header: string | undefined, sink: DecoderSink, maxDecoded: number): Decoder | string {
  const enc = (header ?? "").trim().toLowerCase();
  if (enc === "" || enc === "identity") return passThrough(sink);
  if (enc === "gzip" || enc === "x-gzip") return zlibDecoder(createGunzip(), "gzip", sink);
  if (enc === "deflate") return deflateDecoder(sink);
  if (enc === "zstd") return zstdDecoder(sink, Math.min(MAX_ZSTD_WINDOW, maxDecoded), maxDecoded);
  return enc;
}

function passThrough(sink: DecoderSink): Decoder {
  return { write: (b) => sink.data(b), end: () => sink.end(), destroy: () => {} };
}

function zlibDecoder(z: Gunzip | Inflate | InflateRaw, name: string, sink: DecoderSink): Decoder {
  let failed = false;
  z.on("data", (b: Buffer) => sink.data(b));
  z.on("end", () => sink.end());
  z.on("error", (e) => {
    if (failed) return;
    failed = true;
    sink.error(`the body is not valid ${name}: ${e.message}`, 400);
  });
  return {
    write: (b) => void z.write(b),
    end: () => z.end(),
    destroy: () => {
      failed = true;
      z.destroy();
    },
  };
}

/** HTTP's deflate is zlib-wrapped (RFC 9110); some clients send raw deflate: the first two bytes tell. */
function deflateDecoder(sink: DecoderSink): Decoder {
  let inner: Decoder | undefined;
  let head = Buffer.alloc(0);
  const start = (b: Buffer) => {
    const zlibHeader = b.length >= 2 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && ((b[0] << 8) | b[1]) % 31 === 0;
    inner = zlibDecoder(zlibHeader ? createInflate() : createInflateRaw(), "deflate", sink);
  };
  return {
    write(b) {
      if (inner) return inner.write(b);
      head = Buffer.concat([head, b]);
      if (head.length < 2) return;
      start(head);
      inner!.write(head);
    },
    end() {
      if (!inner) {
        if (head.length === 0) return sink.end();
        start(head);
        inner!.write(head);
      }
      inner!.end();
    },
    destroy: () => inner?.destroy(),
  };
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Walks zstd frames (RFC 8878) as bytes arrive, without decoding: checks each frame header's window (or, for a
 * single-segment frame, its content size) before the decoder sees it, since the decoder allocates that much.
 */
class ZstdFrameWalker {
  private need = 4; // bytes wanted for the current header
  private head: number[] = [];
  private skip = 0; // bytes of block content or a skippable frame to pass over
  private state: "magic" | "fhd" | "header" | "skippable" | "block" | "checksum" = "magic";
  private checksum = false;
  constructor(private readonly maxWindow: number, private readonly maxContent: number) {}

  /** Feeds bytes; returns an error message for a frame that must be refused, else undefined. */
  feed(b: Buffer): { message: string; status: 400 | 413 } | undefined {
    let i = 0;
    while (i < b.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.head.push(b[i++]);
      if (this.head.length < this.need) continue;
      const h = this.head;
      this.head = [];
      const bad = this.step(h);
      if (bad) return bad;
    }
    return undefined;
  }

  private step(h: number[]): { message: string; status: 400 | 413 } | undefined {
    const u32 = (o: number) => (h[o] | (h[o + 1] << 8) | (h[o + 2] << 16) | (h[o + 3] << 24)) >>> 0;
    switch (this.state) {
      case "magic": {
        const m = u32(0);
        if (m === ZSTD_MAGIC) [this.state, this.need] = ["fhd", 1];
        else if ((m & 0xfffffff0) >>> 0 === 0x184d2a50) [this.state, this.need] = ["skippable", 4];
        else return { message: "the body is not valid zstd: bad frame magic", status: 400 };
        return undefined;
      }
      case "skippable":
        this.skip = u32(0);
        [this.state, this.need] = ["magic", 4];
        return undefined;
      case "fhd": {
        const fhd = h[0];
        const single = (fhd >> 5) & 1;
        const fcsFlag = fhd >> 6;
        const dictBytes = [0, 1, 2, 4][fhd & 3];
        const fcsBytes = fcsFlag === 0 ? single : 1 << fcsFlag;
        this.checksum = ((fhd >> 2) & 1) === 1;
        this.fhd = fhd;
        const rest = (single ? 0 : 1) + dictBytes + fcsBytes;
        if (rest === 0) return { message: "the body is not valid zstd: a single-segment frame without a size", status: 400 };
        [this.state, this.need] = ["header", rest];
        return undefined;
      }
      case "header": {
        const single = (this.fhd >> 5) & 1;
        const fcsFlag = this.fhd >> 6;
        const dictBytes = [0, 1, 2, 4][this.fhd & 3];
        const fcsBytes = fcsFlag === 0 ? single : 1 << fcsFlag;
        let window = 0;
        if (!single) {
          const wd = h[0];
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        let content = 0;
        const at = (single ? 0 : 1) + dictBytes;
        for (let k = fcsBytes - 1; k >= 0; k--) content = content * 256 + h[at + k];
        if (fcsBytes === 2) content += 256;
        if (single) window = content;
        if (window > (single ? this.maxContent : this.maxWindow)) {
          return { message: `a zstd frame needs a ${window}-byte window (at most ${single ? this.maxContent : this.maxWindow})`, status: 413 };
        }
        [this.state, this.need] = ["block", 3];
        return undefined;
      }
      case "block": {
        const bh = h[0] | (h[1] << 8) | (h[2] << 16);
        const last = bh & 1;
        const type = (bh >> 1) & 3;
        if (type === 3) return { message: "the body is not valid zstd: reserved block type", status: 400 };
        this.skip = type === 1 ? 1 : bh >>> 3;
        if (last) [this.state, this.need] = this.checksum ? ["checksum", 4] : ["magic", 4];
        return undefined;
      }
      case "checksum":
        [this.state, this.need] = ["magic", 4];
        return undefined;
    }
  }
  private fhd = 0;
}

function zstdDecoder(sink: DecoderSink, maxWindow: number, maxContent: number): Decoder {
  const walker = new ZstdFrameWalker(maxWindow, maxContent);
  let failed = false;
  const d = new Decompress((chunk) => {
    if (!failed && chunk.length) sink.data(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  });
  const fail = (message: string, status: 400 | 413) => {
    if (failed) return;
    failed = true;
    sink.error(message, status);
  };
  const push = (b: Uint8Array, final: boolean) => {
    try {
      d.push(b, final);
    } catch (e) {
      fail(`the body is not valid zstd: ${(e as Error).message}`, 400);
    }
  };
  return {
    write(b) {
      if (failed) return;
      const bad = walker.feed(b);
      if (bad) return fail(bad.message, bad.status);
      push(b, false);
    },
    end() {
      if (failed) return;
      push(new Uint8Array(0), true);
      if (!failed) sink.end();
    },
    destroy: () => void (failed = true),
  };
}
