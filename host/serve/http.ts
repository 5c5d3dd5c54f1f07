// HTTP mode, for at-least-once delivery: accepts Vector `http` sink batches (POST, newline-delimited JSON)
// and answers each only after its processed records were accepted (2xx) by Vector's `http_server` source
// downstream. With acknowledgements on both sides, a batch is acknowledged upstream only once downstream has
// it. While downstream is down the request is retried with backoff; if it stays down past retry_timeout the
// upstream gets 503 and Vector retries the batch. retry_timeout is a deadline for the whole delivery: every
// downstream POST is cut at DOWNSTREAM_TIMEOUT_MS or at the deadline, whichever comes first, so a batch is
// answered within retry_timeout (plus the time to process it) however downstream behaves. Bytes in flight are capped: beyond the cap, 503 at once.
// Bodies are decoded (decode.ts) as they arrive and counted against the same cap: a body that decodes to more
// than the cap gets 413, a corrupt one 400, an encoding podprobe cannot decode 415.

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createDecoder, ENCODINGS } from "./decode.js";
import { listenOn } from "./startup.js";
import type { Correlator } from "../correlator.js";
import type { Address } from "./address.js";

export interface HttpModeOptions {
  maxInflightBytes: number;
  maxBodyBytes: number;
  retryTimeoutMs: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called when downstream starts failing (with why) and when it answers again (undefined). */
  downstream?: (failing: string | undefined) => void;
}

export interface HttpMode {
  server: Server;
  stats: HttpStats;
  shutdown(timeoutMs: number): Promise<boolean>;
}

export interface HttpStats {
  batches: number;
  retries: number;
  rejected_busy: number;
  rejected_too_large: number;
  rejected_corrupt: number;
  rejected_encoding: number;
  downstream_failures: number;
  inflight_bytes: number;
}

/** How long serve retries a batch downstream before answering 503 upstream, unless --retry-timeout-ms says. */
export const DEFAULT_RETRY_TIMEOUT_MS = 30_000;
/** The longest one downstream POST may take, answer included (cut sooner at the batch's deadline). */
export const DOWNSTREAM_TIMEOUT_MS = 30_000;

type Forwarded = { status: number } | { error: string };

/** One POST, answered within timeoutMs (counted from now, whatever the socket does) or failed. */
function post(url: URL, body: Buffer, timeoutMs: number): Promise<Forwarded> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (r: Forwarded) => {
      clearTimeout(timer);
      resolve(r);
    };
    const req = httpRequest(url, { method: "POST", headers: { "content-type": "application/x-ndjson", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => done({ status: res.statusCode ?? 0 }));
      res.on("error", (e) => done({ error: e.message }));
    });
    timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (e) => done({ error: e.message }));
    req.end(body);
  });
}

/** Retries that may succeed later: no answer, 408, 429 and 5xx. Other 4xx are final. */
const retriable = (r: Forwarded) => "error" in r || r.status === 408 || r.status === 429 || r.status >= 500;

type Body = { body: Buffer } | { status: 400 | 413 | 415 | 503; message: string; headers?: Record<string, string> } | "aborted";

/**
 * Reads and decodes a request body. Decoded bytes are reserved in `inflight` as they arrive (the caller
 * releases body.length when done): beyond `maxInflight` for this body alone, 413; beyond it with the other
 * requests' bytes, 503. The raw (compressed) body is capped by `maxRaw`.
 */
function readBody(req: IncomingMessage, maxRaw: number, maxInflight: number, inflight: { inflight_bytes: number }): Promise<Body> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let raw = 0;
    let decoded = 0;
    let settled = false;
    const finish = (b: Body) => {
      if (settled) return;
      settled = true;
      if (b === "aborted" || !("body" in b)) {
        inflight.inflight_bytes -= decoded;
        decoder !== undefined && typeof decoder !== "string" && decoder.destroy();
        // the rest of the upload is read and dropped, so that the client sees the answer, not a reset
        req.resume();
      }
      resolve(b);
    };
    const decoder = createDecoder(
      req.headers["content-encoding"],
      {
        data(b) {
          if (settled) return;
          decoded += b.length;
          inflight.inflight_bytes += b.length;
          if (decoded > maxInflight) return finish({ status: 413, message: `the body decodes to more than ${maxInflight} bytes (max_inflight_bytes)` });
          if (inflight.inflight_bytes > maxInflight) return finish({ status: 503, message: "too many bytes in flight" });
          parts.push(b);
        },
        end: () => finish({ body: parts.length === 1 ? parts[0] : Buffer.concat(parts) }),
        error: (message, status) => finish({ status, message }),
      },
      maxInflight,
    );
    if (typeof decoder === "string") {
      finish({ status: 415, message: `Content-Encoding ${JSON.stringify(decoder)} is not supported (${ENCODINGS.join(", ")} are)`, headers: { "accept-encoding": ENCODINGS.join(", ") } });
      return;
    }
    req.on("data", (b: Buffer) => {
      if (settled) return;
      raw += b.length;
      if (raw > maxRaw) return finish({ status: 413, message: `the body is larger than ${maxRaw} bytes` });
      decoder.write(b);
    });
    req.on("end", () => {
      if (!settled) decoder.end();
    });
    // a client that goes away mid-upload: nothing was processed, nothing to answer
    req.on("close", () => {
      if (!req.complete) finish("aborted");
    });
    req.on("error", () => finish("aborted"));
  });
}

export async function startHttpMode(c: Correlator, listen: Extract<Address, { kind: "http" | "tcp" }>, forward: Extract<Address, { kind: "http" }>, opts: HttpModeOptions, option = "--listen"): Promise<HttpMode> {
  const stats: HttpStats = { batches: 0, retries: 0, rejected_busy: 0, rejected_too_large: 0, rejected_corrupt: 0, rejected_encoding: 0, downstream_failures: 0, inflight_bytes: 0 };
  let failing: string | undefined;
  const downstreamState = (why: string | undefined) => {
    if (why === failing) return;
    const was = failing;
    failing = why;
    if ((was === undefined) !== (why === undefined)) opts.downstream?.(why);
  };
  let stopping = false;
  const active = new Set<Promise<void>>();

  async function deliver(body: Buffer): Promise<Forwarded> {
    const deadline = Date.now() + opts.retryTimeoutMs;
    let backoff = opts.minBackoffMs ?? 50;
    for (;;) {
      const r = await post(forward.url, body, Math.max(1, Math.min(DOWNSTREAM_TIMEOUT_MS, deadline - Date.now())));
      downstreamState("error" in r ? r.error : r.status >= 500 ? `answered ${r.status}` : undefined);
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
    if (declared > opts.maxBodyBytes) {
      // it can never fit: final (413), not "try again" (503)
      stats.rejected_too_large++;
      res.writeHead(413, { connection: "close" }).end(`podprobe: the body is larger than ${opts.maxBodyBytes} bytes (max_inflight_bytes)\n`);
      req.resume();
      return;
    }
    if (stats.inflight_bytes + declared > opts.maxInflightBytes) {
      stats.rejected_busy++;
      res.writeHead(503, { "retry-after": "1" }).end("podprobe: too many bytes in flight\n");
      req.resume();
      return;
    }
    const read = await readBody(req, opts.maxBodyBytes, opts.maxInflightBytes, stats);
    if (read === "aborted") return;
    if (!("body" in read)) {
      if (read.status === 503) stats.rejected_busy++;
      else if (read.status === 413) stats.rejected_too_large++;
      else if (read.status === 415) stats.rejected_encoding++;
      else stats.rejected_corrupt++;
      const headers: Record<string, string> = { connection: "close", ...read.headers };
      if (read.status === 503) headers["retry-after"] = "1";
      res.writeHead(read.status, headers).end(`podprobe: ${read.message}\n`);
      return;
    }
    const body = read.body;
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

  await listenOn(server, listen, option);
  return { server, stats, shutdown };
}
