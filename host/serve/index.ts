// `podprobe serve`: the Vector sidecar. Socket mode (tcp:// or unix:// on both sides) or HTTP mode
// (http:// on both sides), optional Prometheus metrics, graceful SIGTERM.

import type { Server } from "node:http";
import { createCorrelator, type Correlator } from "../correlator.js";
import { OptionError, type CorrelatorOptions } from "../options.js";
import { parseAddress, type Address } from "./address.js";
import { startSocketMode } from "./socket.js";
import { startHttpMode } from "./http.js";
import { metricsRegistry, serveMetrics } from "./metrics.js";

export interface ServeOptions {
  listen: string;
  forward: string;
  metrics?: string;
  maxInflightBytes?: number;
  retryTimeoutMs?: number;
  /** Where to say what is happening (stderr in the CLI). */
  log?: (line: string) => void;
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

export async function serve(s: ServeOptions, options: CorrelatorOptions, spelling: (k: string) => string = (k) => k): Promise<Serving> {
  const listen = parseAddress(s.listen, "--listen");
  const forward = parseAddress(s.forward, "--forward");
  const inflight = s.maxInflightBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(inflight) || inflight < 1024) throw new OptionError("--max-inflight-bytes", inflight, "must be an integer ≥ 1024");
  const http = listen.kind === "http" || forward.kind === "http";
  if (http && (listen.kind !== "http" || forward.kind !== "http")) {
    throw new OptionError("--forward", s.forward, "HTTP mode needs http:// on both --listen and --forward");
  }
  if (http && (options.holdMs ?? 0) > 0) {
    throw new OptionError(spelling("holdMs"), options.holdMs, "is not available in HTTP mode: a batch is acknowledged when delivered, and held records would leave later, outside that acknowledgement");
  }
  const c = createCorrelator({ ...options }, spelling);
  let metricsServer: Server | undefined;
  let addressOf: () => string;
  let stop: (t: number) => Promise<boolean>;
  let extra: Record<string, () => number> = {};
  let idle = () => true;
  if (http) {
    const h = await startHttpMode(c, listen as Extract<Address, { kind: "http" }>, forward as Extract<Address, { kind: "http" }>, {
      maxInflightBytes: inflight,
      maxBodyBytes: Math.max(inflight, 1024),
      retryTimeoutMs: s.retryTimeoutMs ?? 30_000,
    });
    addressOf = () => {
      const a = h.server.address();
      return typeof a === "object" && a ? `http://${a.address}:${a.port}` : String(a);
    };
    stop = h.shutdown;
    extra = { http_batches: () => h.stats.batches, http_retries: () => h.stats.retries, http_rejected_busy: () => h.stats.rejected_busy, http_downstream_failures: () => h.stats.downstream_failures, http_inflight_bytes: () => h.stats.inflight_bytes };
  } else {
    const m = await startSocketMode(c, listen as Extract<Address, { kind: "tcp" | "unix" }>, forward as Extract<Address, { kind: "tcp" | "unix" }>, inflight);
    addressOf = () => {
      const a = m.server.address();
      return typeof a === "object" && a ? `tcp://${a.address}:${a.port}` : `unix://${a}`;
    };
    stop = m.shutdown;
    idle = () => m.forwarder.queuedBytes === 0 && m.forwarder.isConnected;
    extra = { forward_queued_bytes: () => m.forwarder.queuedBytes, forward_connected: () => Number(m.forwarder.isConnected), forward_reconnects: () => m.forwarder.reconnects };
  }
  if (s.metrics) {
    const ma = parseAddress(s.metrics.includes("://") ? s.metrics : `tcp://${s.metrics}`, "--metrics");
    if (ma.kind === "unix") throw new OptionError("--metrics", s.metrics, "expected host:port");
    metricsServer = await serveMetrics(ma.host, ma.port, metricsRegistry(() => c.stats(), extra));
  }
  s.log?.(`podprobe serve: ${http ? "HTTP" : "socket"} mode, listening on ${addressOf()}, forwarding to ${forward.text}`);
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
      if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
      return ok;
    },
  };
}
