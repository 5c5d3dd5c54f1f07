// Stand-ins for Vector's components on loopback: a `socket` source (collects newline-delimited JSON), a
// `socket` sink (writes it), an `http_server` source (answers 2xx, or fails on demand) and an `http` sink
// (POSTs newline-delimited batches).
import { createServer as netServer, createConnection, type Server as NetServer, type Socket } from "node:net";
import { createServer as httpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";
import { serve, type ServeOptions, type Serving } from "../host/serve/index.js";
import type { CorrelatorOptions } from "../host/index.js";
import { SMALL, T0 } from "./helpers.js";

/** `podprobe serve` for one test (fake clock, small state), shut down when the test ends. */
export async function startServe(s: ServeOptions, extra: CorrelatorOptions = {}): Promise<Serving> {
  const running = await serve(s, { ...SMALL, clock: () => T0 + 10_000, ...extra } as CorrelatorOptions);
  onTestFinished(() => running.shutdown(1000).then(() => undefined));
  return running;
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Vector `socket` source: newline-delimited JSON in, one event per line. */
export class SocketSource {
  lines: string[] = [];
  server!: NetServer;
  sockets = new Set<Socket>();
  private carry = "";
  constructor(readonly where: { port?: number; path?: string } = {}) {}
  async start(): Promise<this> {
    this.server = netServer((s) => {
      this.sockets.add(s);
      s.setEncoding("utf8");
      s.on("data", (d: string) => {
        const all = this.carry + d;
        const parts = all.split("\n");
        this.carry = parts.pop()!;
        for (const l of parts) this.lines.push(l);
      });
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => {});
    });
    await new Promise<void>((r) => (this.where.path ? this.server.listen(this.where.path, r) : this.server.listen(this.where.port ?? 0, "127.0.0.1", r)));
    this.where.port = this.where.path ? undefined : (this.server.address() as AddressInfo).port;
    return this;
  }
  get url(): string {
    return this.where.path ? `unix://${this.where.path}` : `tcp://127.0.0.1:${this.where.port}`;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Vector `socket` sink: writes each event as a JSON line. */
export function socketSink(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = u.protocol === "unix:" ? createConnection(u.pathname) : createConnection(Number(u.port), u.hostname);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Vector `http_server` source: takes NDJSON POSTs; `mode` decides the answer. */
export class HttpSource {
  batches: string[][] = [];
  /** ok: 200; fail: 503; drop: close the connection mid-request, no answer; hang: read the body, never answer. */
  mode: "ok" | "fail" | "drop" | "hang" = "ok";
  server!: HttpServer;
  port = 0;
  async start(port = 0): Promise<this> {
    this.server = httpServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (b) => parts.push(b));
      if (this.mode === "drop") {
        req.socket.destroy();
        return;
      }
      req.on("end", () => {
        if (this.mode === "hang") return;
        if (this.mode === "fail") {
          res.writeHead(503).end();
          return;
        }
        this.batches.push(Buffer.concat(parts).toString("utf8").split("\n").filter(Boolean));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }
  get lines(): string[] {
    return this.batches.flat();
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Vector `http` sink: one POST per batch, newline-delimited JSON. */
export async function httpSink(url: string, lines: string[]): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") + "\n" });
  await res.arrayBuffer();
  return res.status;
}
