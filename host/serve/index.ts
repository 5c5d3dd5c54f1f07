// `podprobe serve`: the Vector sidecar. Socket mode (tcp:// or unix:// on both sides) or HTTP mode
// (http:// on both sides), optional Prometheus metrics, graceful SIGTERM. Every option and address is checked
// before anything is opened; a failure while opening closes what was already open and names the cause.

import type { Server } from "node:http";
import { createCorrelator, type Correlator } from "../correlator.js";
import { OptionError, HOST_OPTION_SPECS, checkHostOptions, type CorrelatorOptions } from "../options.js";
import { parseAddress, type Address } from "./address.js";
import { startSocketMode } from "./socket.js";
import { DEFAULT_RETRY_TIMEOUT_MS, startHttpMode } from "./http.js";
import { metricsRegistry, serveMetrics } from "./metrics.js";
import { ChangeLog } from "./changes.js";

export interface ServeOptions {
  listen: string;
  forward: string;
  metrics?: string;
  maxInflightBytes?: number;
  retryTimeoutMs?: number;
  /** Where to say what is happening (stderr in the CLI). */
  log?: (line: string) => void;
  /** Least time between two log lines about downstream's connection (default 10 s). */
  logIntervalMs?: number;
}

export interface Serving {
  correlator: Correlator;
  mode: "socket" | "http";
  address: () => string;
  metricsAddress?: () => string;
  /** Socket mode: nothing queued or unsent toward downstream (always true in HTTP mode). */
  forwarderIdle(): boolean;
  shutdown(timeoutMs?: number): Promise<boolean>;
}

const closeServer = (s: Server | { close(cb: () => void): unknown }) => new Promise<void>((r) => s.close(() => r()));

export async function serve(s: ServeOptions, options: CorrelatorOptions, spelling: (k: string) => string = (k) => k): Promise<Serving> {
  checkHostOptions({ listen: s.listen, forward: s.forward, metrics: s.metrics, maxInflightBytes: s.maxInflightBytes, retryTimeoutMs: s.retryTimeoutMs }, spelling);
  const listen = parseAddress(s.listen, spelling("listen"));
  const forward = parseAddress(s.forward, spelling("forward"));
  const inflight = s.maxInflightBytes ?? 64 * 1024 * 1024;
  const spec = HOST_OPTION_SPECS.maxInflightBytes;
  if (spec.kind === "int" && (!Number.isInteger(inflight) || inflight < spec.min || inflight > spec.max)) {
    throw new OptionError(spelling("maxInflightBytes"), inflight, `must be ${spec.why}`);
  }
  const http = listen.kind === "http" || forward.kind === "http";
  if (http && (listen.kind !== "http" || forward.kind !== "http")) {
    throw new OptionError(spelling("forward"), s.forward, "HTTP mode needs http:// on both --listen and --forward");
  }
  if (http && (options.holdMs ?? 0) > 0) {
    throw new OptionError(spelling("holdMs"), options.holdMs, "is not available in HTTP mode: a batch is acknowledged when delivered, and held records would leave later, outside that acknowledgement");
  }
  if (!http && s.retryTimeoutMs !== undefined) {
    throw new OptionError(spelling("retryTimeoutMs"), s.retryTimeoutMs, "applies to HTTP mode only (socket mode does not retry: it queues while downstream is away)");
  }
  let metricsAt: Address | undefined;
  if (s.metrics !== undefined) {
    try {
      metricsAt = parseAddress(s.metrics.includes("://") ? s.metrics : `tcp://${s.metrics}`, spelling("metrics"));
    } catch {
      metricsAt = undefined;
    }
    if (!metricsAt || metricsAt.kind === "unix" || metricsAt.kind === "http") throw new OptionError(spelling("metrics"), s.metrics, "expected HOST:PORT");
  }
  const c = createCorrelator({ ...options }, spelling);
  const log = s.log ?? (() => {});

  // open: the input side first, then metrics; a failure closes what was opened
  const opened: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const close of opened.reverse()) await close().catch(() => {});
  };
  try {
    let addressOf: () => string;
    let stop: (t: number) => Promise<boolean>;
    let extra: Record<string, () => number> = {};
    let idle = () => true;
    let changes: ChangeLog;
    if (http) {
      let failingNow: string | undefined;
      changes = new ChangeLog(log, `podprobe serve: downstream ${forward.text}`, () => (failingNow ? `failing (${failingNow})` : "answering"), s.logIntervalMs);
      const h = await startHttpMode(
        c,
        listen as Extract<Address, { kind: "http" }>,
        forward as Extract<Address, { kind: "http" }>,
        {
          maxInflightBytes: inflight,
          maxBodyBytes: inflight,
          retryTimeoutMs: s.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS,
          downstream: (why) => {
            failingNow = why;
            changes.change(`podprobe serve: downstream ${forward.text} ${why ? `failing: ${why}` : "answering again"}`);
          },
        },
        spelling("listen"),
      );
      opened.push(() => closeServer(h.server));
      addressOf = () => {
        const a = h.server.address();
        return typeof a === "object" && a ? `http://${a.address}:${a.port}` : String(a);
      };
      stop = h.shutdown;
      extra = Object.fromEntries(Object.keys(h.stats).map((k) => [`http_${k}`, () => h.stats[k as keyof typeof h.stats]]));
    } else {
      let connected = () => false;
      changes = new ChangeLog(log, `podprobe serve: downstream ${forward.text}`, () => (connected() ? "connected" : "disconnected"), s.logIntervalMs);
      const m = await startSocketMode(c, listen as Extract<Address, { kind: "tcp" | "unix" }>, forward as Extract<Address, { kind: "tcp" | "unix" }>, inflight, spelling("listen"), (f) => {
        connected = () => f.isConnected;
        let reported = false; // one "not reachable" line until it connects
        f.on("connected", () => {
          reported = false;
          changes.change(`podprobe serve: downstream ${forward.text} connected`);
        });
        f.on("disconnected", () => changes.change(`podprobe serve: downstream ${forward.text} disconnected; reconnecting with backoff, output waits in the queue`));
        f.on("unreachable", (why: string) => {
          if (reported) return;
          reported = true;
          changes.change(`podprobe serve: downstream ${forward.text} not reachable (${why}); retrying with backoff, output waits in the queue`);
        });
      });
      opened.push(async () => {
        m.forwarder.close();
        await closeServer(m.server);
      });
      addressOf = () => {
        const a = m.server.address();
        return typeof a === "object" && a ? `tcp://${a.address}:${a.port}` : `unix://${a}`;
      };
      stop = m.shutdown;
      idle = () => m.forwarder.queuedBytes === 0 && m.forwarder.isConnected;
      extra = { forward_queued_bytes: () => m.forwarder.queuedBytes, forward_connected: () => Number(m.forwarder.isConnected), forward_reconnects: () => m.forwarder.reconnects };
    }
    opened.push(async () => changes.close());
    let metricsServer: Server | undefined;
    if (metricsAt) {
      metricsServer = await serveMetrics(metricsAt, spelling("metrics"), metricsRegistry(() => c.stats(), extra));
    }
    log(`podprobe serve: ${http ? "HTTP" : "socket"} mode, listening on ${addressOf()}, forwarding to ${forward.text}${metricsServer ? `, metrics on ${metricsAt!.text}` : ""}`);
    return {
      correlator: c,
      mode: http ? "http" : "socket",
      address: addressOf,
      forwarderIdle: () => idle(),
      metricsAddress: metricsServer
        ? () => {
            const a = metricsServer!.address();
            return typeof a === "object" && a ? `http://${a.address}:${a.port}/metrics` : "";
          }
        : undefined,
      async shutdown(timeoutMs = 10_000) {
        const ok = await stop(timeoutMs);
        changes.close();
        if (metricsServer) await closeServer(metricsServer);
        return ok;
      },
    };
  } catch (e) {
    await undo();
    throw e;
  }
}
