// --metrics ADDR: the counters as Prometheus text (podprobe_<name>), read from the correlator on each scrape.

import { createServer, type Server } from "node:http";
import { Gauge, Registry } from "prom-client";
import { COUNTER_NAMES, type Stats } from "../counters.js";

const HELP: Partial<Record<keyof Stats, string>> = {
  records_in: "records read",
  records_out: "records written (alert records not included)",
  matches: "sequences found",
  alerts: "alert records written",
  state_bytes: "bytes of correlation state in use",
  keys_active: "keys with buffered candidates",
};

export function metricsRegistry(stats: () => Stats, extra: Record<string, () => number> = {}): Registry {
  const registry = new Registry();
  const names = [...COUNTER_NAMES, "max_state_bytes"] as (keyof Stats)[];
  for (const name of names) {
    new Gauge({
      name: `podprobe_${name}`,
      help: HELP[name] ?? name.replace(/_/g, " "),
      registers: [registry],
      collect() {
        this.set(stats()[name]);
      },
    });
  }
  for (const [name, read] of Object.entries(extra)) {
    new Gauge({ name: `podprobe_${name}`, help: name.replace(/_/g, " "), registers: [registry], collect() { this.set(read()); } });
  }
  return registry;
}

export function serveMetrics(host: string, port: number, registry: Registry): Promise<Server> {
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
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
