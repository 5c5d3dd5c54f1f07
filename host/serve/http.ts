// HTTP mode, for at-least-once delivery: accepts Vector `http` sink batches (POST, newline-delimited JSON)
// and answers each only after its processed records were accepted (2xx) by Vector's `http_server` source
// downstream. With acknowledgements on both sides, a batch is acknowledged upstream only once downstream has
// it. While downstream is down the request is retried with backoff; if it stays down past retry_timeout the
// upstream gets 503 and Vector retries the batch. Bytes in flight are capped: beyond the cap, 503 at once.

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import type { Correlator } from "../correlator.js";
import type { Address } from "./address.js";

export interface HttpModeOptions {
  maxInflightBytes: number;
  maxBodyBytes: number;
  retryTimeoutMs: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface HttpMode {
  server: Server;
  stats: { batches: number; retries: number; rejected_busy: number; downstream_failures: number; inflight_bytes: number };
  shutdown(timeoutMs: number): Promise<boolean>;
}

type Forwarded = { status: number } | { error: string };

function post(url: URL, body: Buffer): Promise<Forwarded> {
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/x-ndjson", "content-length": body.length }, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        res.on("error", (e) => resolve({ error: e.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ error: e.message }));
    req.end(body);
  });
}

/** Retries that may succeed later: no answer, 408, 429 and 5xx. Other 4xx are final. */
const retriable = (r: Forwarded) => "error" in r || r.status === 408 || r.status === 429 || r.status >= 500;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on("data", (b: Buffer) => {
      n += b.length;
      if (n > limit) {
        resolve("too-large");
        req.destroy();
        return;
      }
      parts.push(b);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    // a client that goes away mid-upload: nothing was processed, nothing to answer
    req.on("close", () => resolve("aborted"));
    req.on("error", () => resolve("aborted"));
  });
}

export function startHttpMode(c: Correlator, listen: Extract<Address, { kind: "http" | "tcp" }>, forward: Extract<Address, { kind: "http" }>, opts: HttpModeOptions): Promise<HttpMode> {
  const stats = { batches: 0, retries: 0, rejected_busy: 0, downstream_failures: 0, inflight_bytes: 0 };
  let stopping = false;
  const active = new Set<Promise<void>>();

  async function deliver(body: Buffer): Promise<Forwarded> {
    const deadline = Date.now() + opts.retryTimeoutMs;
    let backoff = opts.minBackoffMs ?? 50;
    for (;;) {
      const r = await post(forward.url, body);
      if (!retriable(r) || Date.now() + backoff > deadline) return r;
      stats.retries++;
      await new Promise((res) => setTimeout(res, backoff));
      backoff = Math.min(backoff * 2, opts.maxBackoffMs ?? 2000);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    if (stopping) {
      res.writeHead(503, { "retry-after": "1" }).end();
      return;
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (stats.inflight_bytes + declared > opts.maxInflightBytes) {
      stats.rejected_busy++;
      res.writeHead(503, { "retry-after": "1" }).end("podprobe: too many bytes in flight\n");
      req.resume();
      return;
    }
    const raw = await readBody(req, opts.maxBodyBytes);
    if (raw === "aborted") return;
    if (raw === "too-large") {
      res.writeHead(413).end();
      return;
    }
    let body = raw;
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(raw);
    stats.inflight_bytes += body.length;
    try {
      // a batch is whole lines; one without a final newline still ends its last record
      const lines = body.length && body[body.length - 1] !== 10 ? Buffer.concat([body, Buffer.of(10)]) : body;
      const out = c.write(lines);
      stats.batches++;
      if (out.length === 0) {
        res.writeHead(200).end();
        return;
      }
      const r = await deliver(out);
      if ("error" in r || r.status < 200 || r.status >= 300) {
        stats.downstream_failures++;
        const status = "error" in r || retriable(r) ? 503 : r.status;
        res.writeHead(status, { "retry-after": "1" }).end(`podprobe: downstream ${"error" in r ? r.error : `answered ${r.status}`}\n`);
        return;
      }
      res.writeHead(200).end();
    } finally {
      stats.inflight_bytes -= body.length;
    }
  }

  const server = createServer((req, res) => {
    const p = handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
    active.add(p);
    void p.finally(() => active.delete(p));
  });

  const shutdown = async (timeoutMs: number) => {
    stopping = true;
    const closed = new Promise<void>((r) => server.close(() => r()));
    const done = Promise.all([...active]).then(() => true);
    const ok = await Promise.race([done, new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
    const held = c.end();
    if (held.length) await deliver(held);
    server.closeAllConnections();
    await closed;
    return ok;
  };

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve({ server, stats, shutdown }));
  });
}
