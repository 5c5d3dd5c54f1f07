// --metrics HOST:PORT: Prometheus text, read from the correlator and the transport on each scrape. Totals are
// typed `counter` and named `podprobe_<name>_total`; values that go up and down (state in use, connection
// state, bytes in flight) are gauges named `podprobe_<name>`. Every metric has its # HELP line.

import { createServer, type Server } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import { COUNTER_NAMES, type Stats } from "../counters.js";
import { listenOn } from "./startup.js";
import type { Address } from "./address.js";

/** Engine counters that are levels, not totals. */
export const GAUGES = new Set(["keys_active", "sources_active", "state_bytes", "max_state_bytes", "forward_queued_bytes", "forward_connected", "http_inflight_bytes"]);

const HELP: Record<string, string> = {
  records_in: "Records read.",
  records_out: "Records written (alert records not included).",
  invalid: "Records that are not valid JSON objects; passed through unchanged.",
  oversize: "Records larger than max_record_bytes; passed through unchanged.",
  candidates_stage1: "Candidates of a rule's first stage that reached matching.",
  candidates_stage2: "Candidates of a rule's later stages that reached matching.",
  no_key: "Candidates without their join key.",
  no_time: "Candidates without a parseable event time.",
  late: "Candidates older than the watermark; passed untagged.",
  matches: "Sequences (and single-event matches) found.",
  alerts: "Alert records written.",
  tag_conflict: "Candidates that already carried a podprobe member; they take part in no sequence.",
  held: "Records held back by hold_ms.",
  keys_active: "Keys with buffered candidates.",
  keys_evicted: "Keys evicted at max_keys (least recently used).",
  ring_overwrites: "Candidates overwritten in a full per-key ring.",
  state_bytes: "Bytes of correlation state in use.",
  keys_overflow: "Key combinations of a record past max_keys_per_record.",
  summaries_lost: "Partner summaries overwritten before their match (peer is then {}).",
  held_early: "Held records released before hold_ms because the hold arena was full.",
  sources_active: "Sources holding the watermark back (a candidate within source_idle_ms).",
  sources_dropped: "Sources forgotten at max_sources.",
  embedded_invalid: "Log lines whose embedded audit Event is no valid JSON object (e.g. truncated); passed through unchanged.",
  args_truncated: "Sensor exec events whose arguments the sensor marked as truncated (Tetragon truncArgs).",
  prefilter_skipped: "Records holding none of the literals the rules require: passed on without inspection.",
  prefilter_escaped: "Records whose escapes could spell a required literal: decoded and searched again, or inspected.",
  max_state_bytes: "The max_state_bytes cap.",
  forward_queued_bytes: "Socket mode: bytes queued toward downstream.",
  forward_connected: "Socket mode: 1 while connected to downstream.",
  forward_reconnects: "Socket mode: connection attempts to downstream after the first.",
  http_batches: "HTTP mode: batches processed.",
  http_retries: "HTTP mode: retries of a batch downstream.",
  http_rejected_busy: "HTTP mode: batches answered 503 because too many bytes were in flight.",
  http_rejected_too_large: "HTTP mode: batches answered 413 (body or decoded body over the cap).",
  http_rejected_corrupt: "HTTP mode: batches answered 400 (a body that does not decode).",
  http_rejected_encoding: "HTTP mode: batches answered 415 (an encoding podprobe cannot decode).",
  http_downstream_failures: "HTTP mode: batches downstream did not accept in time.",
  http_inflight_bytes: "HTTP mode: decoded bytes of batches in flight.",
};

export function metricsRegistry(stats: () => Stats, extra: Record<string, () => number> = {}): Registry {
  const registry = new Registry();
  const read: Record<string, () => number> = {};
  for (const name of [...COUNTER_NAMES, "max_state_bytes"] as (keyof Stats)[]) read[name] = () => stats()[name];
  Object.assign(read, extra);
  for (const [name, value] of Object.entries(read)) {
    const help = HELP[name] ?? name.replace(/_/g, " ") + ".";
    if (GAUGES.has(name)) {
      new Gauge({ name: `podprobe_${name}`, help, registers: [registry], collect() { this.set(value()); } });
    } else {
      new Counter({
        name: `podprobe_${name}_total`,
        help,
        registers: [registry],
        collect() {
          // the total is the engine's own: set it, as a counter that is only ever read
          this.reset();
          this.inc(value());
        },
      });
    }
  }
  return registry;
}

export async function serveMetrics(address: Address, option: string, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics" && req.url !== "/") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await listenOn(server, address, option);
  return server;
}
