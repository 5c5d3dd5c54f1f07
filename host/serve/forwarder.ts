// Socket mode's way downstream: one connection to Vector's socket source (tcp or unix), reconnected with
// backoff. Output waits in a bounded queue while the connection is down or slow; above the high-water mark
// the caller pauses its inputs (backpressure) until the queue drains below the low-water mark.

import { createConnection, type Socket } from "node:net";
import { EventEmitter } from "node:events";
import type { Address } from "./address.js";

export interface ForwarderOptions {
  maxQueueBytes: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Forwarder extends EventEmitter {
  private socket: Socket | undefined;
  private connected = false;
  private queue: Buffer[] = [];
  private queued = 0;
  private backoff: number;
  private closing = false;
  private timer: NodeJS.Timeout | undefined;
  reconnects = 0;

  constructor(private readonly to: Extract<Address, { kind: "tcp" | "unix" }>, private readonly opts: ForwarderOptions) {
    super();
    this.backoff = opts.minBackoffMs ?? 50;
    this.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** True while the queue is over its cap: the caller should stop reading input. */
  get full(): boolean {
    return this.queued >= this.opts.maxQueueBytes;
  }

  private connect(): void {
    if (this.closing) return;
    const to = this.to;
    const s = to.kind === "unix" ? createConnection(to.path) : createConnection(to.port, to.host);
    this.socket = s;
    s.setNoDelay(true);
    s.on("connect", () => {
      this.connected = true;
      this.backoff = this.opts.minBackoffMs ?? 50;
      this.emit("connected");
      this.pump();
    });
    s.on("drain", () => this.pump());
    let error: NodeJS.ErrnoException | undefined;
    s.on("error", (e) => (error = e));
    s.on("close", () => {
      const was = this.connected;
      this.connected = false;
      this.socket = undefined;
      if (was) this.emit("disconnected");
      else if (!this.closing) this.emit("unreachable", error?.code ?? error?.message ?? "closed");
      if (this.closing) return;
      this.reconnects++;
      this.timer = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 5000);
    });
    // the socket source never talks back; reading keeps a half-close visible
    s.on("data", () => {});
    s.on("end", () => s.destroy());
  }

  send(buf: Buffer): void {
    if (buf.length === 0) return;
    this.queue.push(buf);
    this.queued += buf.length;
    this.pump();
  }

  private pump(): void {
    const s = this.socket;
    if (!s || !this.connected) return;
    while (this.queue.length > 0) {
      const b = this.queue.shift()!;
      this.queued -= b.length;
      if (!s.write(b)) break;
    }
    if (this.queued < this.opts.maxQueueBytes / 2) this.emit("drained");
    if (this.queue.length === 0 && s.writableLength === 0) this.emit("idle");
  }

  /**
   * Resolves once everything queued was handed to the connection (or timeoutMs passed); at once when nothing
   * is queued, connected or not.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.queue.length === 0 && (!this.connected || (this.socket?.writableLength ?? 0) === 0)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.end();
  }
}
