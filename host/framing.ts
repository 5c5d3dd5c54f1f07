// NDJSON framing for the engine: cuts a byte stream into batches of whole lines (at most `batchBytes`, and
// always room for one max-size record), keeps a partial last line for the next chunk, and lets lines over
// max_record_bytes pass straight through without buffering them (counted as oversize by the caller).

const NL = 10;
export const EMPTY: Buffer = Buffer.alloc(0);

/** A copy of buf[a, b) (Buffer#slice would be a view of the caller's memory). */
const copy = (buf: Uint8Array, a: number, b = buf.length): Buffer => Buffer.from(buf.subarray(a, b));

export interface FramerSink {
  /**
   * Runs whole lines (or, at the end, a last line without newline) through the engine; `head`, when given, is
   * the start of the first line (the partial line carried from the previous chunk), to be put before `lines`.
   */
  batch(lines: Uint8Array, head?: Uint8Array): Uint8Array;
  /** A piece of an oversize line; `complete` once its end (newline or end of input) was seen. */
  oversize(piece: Uint8Array, complete: boolean): Uint8Array;
}

export function concat(parts: Uint8Array[]): Buffer {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return Buffer.isBuffer(parts[0]) ? parts[0] : Buffer.from(parts[0].buffer, parts[0].byteOffset, parts[0].length);
  // parts that lie end to end in one buffer (the engine's reused output) are one view of it
  const first = parts[0];
  let end = first.byteOffset + first.length;
  for (let i = 1; i < parts.length && end >= 0; i++) {
    const p = parts[i];
    end = p.length === 0 ? end : p.buffer === first.buffer && p.byteOffset === end ? end + p.length : -1;
  }
  if (end >= 0) return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
  return Buffer.concat(parts);
}

export class Framer {
  private carry: Uint8Array = EMPTY; // a partial line, never longer than maxRecordBytes
  private streaming = false; // inside an oversize line

  constructor(private readonly sink: FramerSink, private readonly maxRecordBytes: number, batchBytes: number) {
    this.batchBytes = Math.max(batchBytes, maxRecordBytes + 1);
  }
  private readonly batchBytes: number;

  /** A partial line (or the rest of an oversize one) is waiting for more bytes. */
  get holdsPartialLine(): boolean {
    return this.carry.length > 0 || this.streaming;
  }

  /** Feeds a chunk; returns the engine's output for every complete line. */
  push(chunk: Uint8Array, final: boolean): Buffer {
    const outs: Uint8Array[] = [];
    let buf = chunk;
    let start = 0;
    if (this.carry.length > 0) {
      // the carried partial line goes in as the batch's head: the chunk itself is not copied (a batch may then
      // hold batchBytes of the chunk plus the carried line, at most maxRecordBytes)
      const cut = chunk.lastIndexOf(NL, Math.min(chunk.length, this.batchBytes) - 1);
      if (cut >= 0) {
        outs.push(this.sink.batch(chunk.subarray(0, cut + 1), this.carry));
        start = cut + 1;
      } else buf = concat([this.carry, chunk]);
      this.carry = EMPTY;
    }
    if (this.streaming) {
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        outs.push(this.sink.oversize(copy(buf, 0), final));
        if (final) this.streaming = false;
        return concat(outs);
      }
      outs.push(this.sink.oversize(copy(buf, 0, nl + 1), true));
      this.streaming = false;
      start = nl + 1;
    }
    while (start < buf.length) {
      const limit = Math.min(buf.length, start + this.batchBytes);
      const cut = buf.lastIndexOf(NL, limit - 1);
      if (cut >= start) {
        outs.push(this.sink.batch(buf.subarray(start, cut + 1)));
        start = cut + 1;
        continue;
      }
      if (limit === buf.length && buf.length - start <= this.maxRecordBytes) {
        // a partial last line: wait for the rest, or, at the end, a record without newline
        if (final) outs.push(this.sink.batch(buf.subarray(start)));
        else this.carry = copy(buf, start);
        break;
      }
      // a line over max_record_bytes: pass it through as it comes
      const nl = buf.indexOf(NL, start);
      if (nl < 0) {
        outs.push(this.sink.oversize(copy(buf, start), final));
        this.streaming = !final;
        break;
      }
      outs.push(this.sink.oversize(copy(buf, start, nl + 1), true));
      start = nl + 1;
    }
    return concat(outs);
  }
}
