// stdout for the filter: waits for `drain` under backpressure with one listener at a time (removed when it
// fires or the stream fails), keeps one `error` listener for the stream's life, and treats a reader that went
// away (EPIPE, as with `| head -1`) as the end of the job: nothing more is written and the command exits 0.

export class Output {
  /** The reader closed the pipe: a quiet end. */
  closed = false;
  /** Any other write failure: an I/O error (exit 1). */
  failed: Error | undefined;
  private readonly waiting = new Set<() => void>();
  private onClose: (() => void) | undefined;

  constructor(private readonly s: NodeJS.WritableStream & { writableNeedDrain?: boolean }) {
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") {
        if (!this.closed) this.onClose?.();
        this.closed = true;
      } else this.failed ??= e;
      for (const w of [...this.waiting]) w();
    });
  }

  /** Called once when the reader goes away. */
  onClosed(f: () => void): void {
    this.onClose = f;
  }

  private get done(): boolean {
    return this.closed || this.failed !== undefined;
  }

  /** Writes b; resolves when the stream can take more (at once unless it is over its high-water mark). */
  async write(b: Uint8Array): Promise<void> {
    if (this.done || b.length === 0) return;
    if (this.s.write(b)) return;
    await this.drain();
  }

  /**
   * Writes b and resolves once the stream is done with its bytes (they were handed to the system, or the stream
   * failed): for output in a buffer that is reused afterwards.
   */
  async writeAndRelease(b: Uint8Array): Promise<void> {
    if (this.done || b.length === 0) return;
    await new Promise<void>((resolve) => {
      const finish = () => {
        this.waiting.delete(finish);
        resolve();
      };
      this.waiting.add(finish);
      this.s.write(b, finish);
    });
  }

  /** Resolves when everything written was handed to the system (or the stream failed). */
  async flushed(): Promise<void> {
    if (!this.done && this.s.writableNeedDrain) await this.drain();
  }

  private drain(): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        this.s.off("drain", finish);
        this.waiting.delete(finish);
        resolve();
      };
      this.waiting.add(finish);
      this.s.on("drain", finish);
    });
  }
}
