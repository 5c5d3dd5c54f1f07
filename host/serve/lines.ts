// Per-connection line framing for serve mode: many connections feed one correlator, so each keeps its own
// partial last line and hands over only whole lines.

const NL = 10;

export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);

  /** Whole lines of carry + chunk (ending with a newline), or an empty buffer. */
  push(chunk: Buffer): Buffer {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = data.lastIndexOf(NL);
    if (cut < 0) {
      this.carry = Buffer.from(data);
      return Buffer.alloc(0);
    }
    this.carry = Buffer.from(data.subarray(cut + 1));
    return data.subarray(0, cut + 1);
  }

  /** At the end of a connection: a last line without newline, newline-terminated (framing needs one). */
  end(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest.length ? Buffer.concat([rest, Buffer.of(NL)]) : rest;
  }

  get pending(): number {
    return this.carry.length;
  }
}
