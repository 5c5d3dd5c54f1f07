// examples/vector: the four Vector configs hold in Vector 0.57.0. Each option is read from the YAML; where Vector's
// behaviour decides the outcome, a small model of it (from Vector's sources, cited per function) runs the configs'
// own VRL (test/vrl.ts) and the real podprobe engine: every record shape reaches podprobe intact and Elasticsearch
// with its own time and no field Vector made up; acknowledgements reach exactly the sources the README promises
// at-least-once for; the http sinks wait longer than podprobe's worst case. A real `vector validate` runs too when
// a `vector` binary is on PATH (skipped, with a message, when not).
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { s1, s2ecs, s2raw, SMALL, T0, ts } from "./helpers.js";
import { compile, fromJs, newEvent, parseJson, toJson, type Event, type Value } from "./vrl.js";
import { falcoExec, isoNs, nsOf, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec } from "./sensors.js";

const path = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const FILES = ["vector-socket.yaml", "vector-http.yaml", "vector-agent-kafka.yaml", "vector-aggregator.yaml"] as const;
type Config = Record<string, any>;
const text = (f: string) => readFileSync(path(`examples/vector/${f}`), "utf8");
const load = (f: string): Config => parse(text(f));

const components = (c: Config) => [
  ...Object.entries(c.sources ?? {}).map(([id, v]) => ({ id, kind: "source" as const, ...(v as Config) })),
  ...Object.entries(c.transforms ?? {}).map(([id, v]) => ({ id, kind: "transform" as const, ...(v as Config) })),
  ...Object.entries(c.sinks ?? {}).map(([id, v]) => ({ id, kind: "sink" as const, ...(v as Config) })),
];

// ---------- acknowledgements, as src/config/mod.rs propagate_acknowledgements walks them ----------

/** Whether a source type can acknowledge (`can_acknowledge()` in src/sources/<type>). */
const CAN_ACKNOWLEDGE: Record<string, boolean> = { file: true, kafka: true, http_server: true, kubernetes_logs: false, socket: false };

/** Sources that sinks with acknowledgements on (the sink's setting, else the global one) reach through transforms. */
function acknowledgedSources(c: Config): Set<string> {
  const out = new Set<string>();
  const walk = (id: string) => {
    if (c.sources?.[id]) out.add(id);
    else for (const i of c.transforms?.[id]?.inputs ?? []) walk(i);
  };
  for (const sink of Object.values<Config>(c.sinks ?? {})) {
    if (sink.acknowledgements?.enabled ?? c.acknowledgements?.enabled ?? false) for (const i of sink.inputs) walk(i);
  }
  return out;
}

// ---------- serve's answer time in HTTP mode ----------

/** A default of `podprobe serve`: a named export when serve has one, else the literal in its source. */
async function serveDefault(exportName: string, literal: RegExp, what: string): Promise<number> {
  const mods = [await import("../host/serve/http.js"), await import("../host/serve/index.js")] as Record<string, unknown>[];
  for (const m of mods) if (typeof m[exportName] === "number") return m[exportName] as number;
  const found = new Set<number>();
  for (const dir of ["host/serve", "host"]) {
    for (const f of readdirSync(path(dir)).filter((n) => n.endsWith(".ts"))) {
      for (const m of readFileSync(path(`${dir}/${f}`), "utf8").matchAll(literal)) found.add(Number(m[1].replace(/_/g, "")));
    }
  }
  expect([...found], `serve's ${what}: export ${exportName} from host/serve, or keep one literal matching ${literal}`).toHaveLength(1);
  return [...found][0];
}

// ---------- how Vector moves a record from a source to the sinks ----------

const READ_TIME = "2026-01-21T10:00:09.000000000Z"; // the file source's read time
const RECEIVE_TIME = "2026-01-21T10:00:30.000000000Z"; // a source's receive time after podprobe
const KAFKA_TIME = "2026-01-21T10:00:20.000Z"; // the Kafka message time
const FILE_MAX_LINE_BYTES = 102_400; // the file source's default max_line_bytes (generated/file.cue)

const setIfMissing = (e: Event, key: string, v: Value) => {
  if (!e.value.has(key)) e.value.set(key, v);
};

/** The events a file source makes of a file's lines (src/sources/file.rs; longer lines are discarded). */
function fileSource(src: Config, lines: string[]): Event[] {
  return lines
    .filter((l) => Buffer.byteLength(l) <= (src.max_line_bytes ?? FILE_MAX_LINE_BYTES))
    .map((l) => newEvent({ message: l, file: src.include[0], host: "node-1", source_type: "file", timestamp: READ_TIME }));
}

/** Events from component `from` through the remap transforms that take it, to each sink: sink id → events. */
function flow(c: Config, from: string, events: Event[], into = new Map<string, Event[]>()): Map<string, Event[]> {
  for (const comp of components(c)) {
    if (!(comp.inputs ?? []).includes(from)) continue;
    if (comp.kind === "sink") {
      into.set(comp.id, [...(into.get(comp.id) ?? []), ...events]);
    } else {
      expect(comp.type, comp.id).toBe("remap");
      const program = compile(comp.source);
      const out = events.map((e) => {
        const r = program.run(e);
        expect(r.error, `${comp.id} on ${toJson(e.value).slice(0, 200)}`).toBeUndefined();
        return r.event;
      });
      flow(c, comp.id, out, into);
    }
  }
  return into;
}

/** The bytes a sink writes for a batch (src/sinks/http/encoder.rs, lib/codecs/src/encoding/config.rs). */
function encode(sink: Config, events: Event[]): string {
  expect(sink.encoding?.codec, "codec").toBe("json");
  const records = events.map((e) => toJson(e.value));
  const method = sink.framing?.method;
  if (sink.type === "http") return method === "newline_delimited" ? records.join("\n") : `[${records.join(",")}]`; // json default: one array
  return records.map((r) => r + "\n").join(""); // a stream sink's json default is newline-delimited
}

/** The events a source makes of podprobe's output (decoding, framing and the fields the source adds). */
function returnSource(src: Config, bytes: string): Event[] {
  expect(src.decoding?.codec).toBe("json");
  expect(src.framing?.method).toBe("newline_delimited");
  const events = bytes
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => newEvent(parseJson(l) as Map<string, Value>));
  for (const e of events) {
    // legacy namespace: source_type and timestamp only where missing (lib/vector-core/src/config/mod.rs
    // insert_standard_vector_source_metadata)
    setIfMissing(e, "source_type", src.type);
    setIfMissing(e, "timestamp", RECEIVE_TIME);
    if (src.type === "socket") {
      // the peer of a unix socket has no path: "(unnamed)" where `host` is missing (src/sources/util/unix_stream.rs)
      const key = src.host_key ?? "host";
      if (key !== "") setIfMissing(e, key, src.mode === "unix_stream" ? "(unnamed)" : "127.0.0.1:40000");
    } else if (src.type === "http_server") {
      const key = src.path_key ?? "path"; // inserted where missing (src/sources/http_server.rs)
      if (key !== "") setIfMissing(e, key, "/");
      if (src.host_key) e.value.set(src.host_key, "127.0.0.1");
    } else throw new Error(`no model of a ${src.type} source`);
  }
  return events;
}

/** The kafka source (src/sources/kafka.rs, legacy namespace): decoded message plus overwritten fields. */
function kafkaSource(src: Config, messages: { key: string | null; body: string }[]): Event[] {
  const codec = src.decoding?.codec ?? "bytes"; // the source's default decoding
  expect(["json", "bytes"]).toContain(codec);
  return messages.map(({ key, body }) => {
    // bytes: the message at the legacy message key (lib/codecs/src/decoding/format/bytes.rs)
    const e = newEvent(codec === "json" ? (parseJson(body) as Map<string, Value>) : new Map<string, Value>([["message", body]]));
    e.value.set("source_type", "kafka");
    const fields: [string, string, Value][] = [["key_field", "message_key", key], ["timestamp", "timestamp", KAFKA_TIME], ["topic_key", "topic", src.topics[0]], ["partition_key", "partition", 0n], ["offset_key", "offset", 1n], ["headers_key", "headers", new Map()]];
    for (const [option, def, v] of fields) {
      const k = option === "timestamp" ? def : (src[option] ?? def);
      if (k !== "") e.value.set(k, v);
    }
    return e;
  });
}

/** The documents the elasticsearch sink writes in data_stream mode (src/sinks/elasticsearch/config.rs: sync_fields,
 *  then remap_timestamp renames `timestamp` to `@timestamp`, replacing it). */
function elasticsearch(sink: Config, events: Event[]): Record<string, any>[] {
  expect(sink.mode).toBe("data_stream");
  return events.map((e) => {
    const v = e.value;
    if (sink.data_stream?.sync_fields ?? true) {
      const ds = (v.get("data_stream") as Map<string, Value>) ?? new Map();
      for (const k of ["type", "dataset", "namespace"]) if (!ds.has(k)) ds.set(k, sink.data_stream[k]);
      v.set("data_stream", ds);
    }
    if (v.has("timestamp")) {
      v.set("@timestamp", v.get("timestamp")!);
      v.delete("timestamp");
    }
    return JSON.parse(toJson(v));
  });
}

/** podprobe between the two: the real engine over the bytes a sink sent (serve adds a final newline). */
function podprobe(bytes: string, received: string[]): string {
  const body = bytes.endsWith("\n") ? bytes : bytes + "\n";
  received.push(...body.split("\n").filter((l) => l !== ""));
  const c = createCorrelator({ ...SMALL, clock: () => T0 + 10_000 });
  return c.write(body).toString() + c.end().toString();
}

// ---------- the records: every shape podprobe reads, a completed sequence, and a record over 100 KiB ----------

const flatProcess = { "@timestamp": ts(0), "event.category": "process", "event.type": "start", "event.action": "exec", "host.os.type": "linux", "process.name": "wget", "process.interactive": true, "container.id": "c", "orchestrator.resource.name": "pod-f", "orchestrator.namespace": "shop", case: "flattened process event" };
const RECORDS: Record<string, any>[] = [
  { ...s1(0, { pod: "pod-a" }), case: "ECS process event" },
  flatProcess,
  { ...s2raw(500, { pod: "pod-a" }), case: "raw audit Event (completes pod-a)" },
  { ...s2ecs(700, { pod: "pod-e" }), data_stream: { type: "logs", dataset: "kubernetes.audit_logs", namespace: "default" }, case: "ECS audit document" },
  { ...s2raw(800, { pod: "pod-big" }), requestObject: { data: "x".repeat(200 * 1024) }, case: "raw audit Event of 200 KiB" },
];
/** A container log line as the kubernetes_logs source makes it (its own `timestamp`: the runtime's log time). */
const CONTAINER_LOG = { message: "GET /healthz 200", stream: "stdout", file: "/var/log/pods/shop_web-1/web/0.log", source_type: "kubernetes_logs", timestamp: "2026-01-21T09:59:59.123456789Z", kubernetes: { pod_name: "web-1", pod_namespace: "shop" }, case: "container log" };

/** The time a record should keep in Elasticsearch: its own. */
const ownTime = (r: Record<string, any>) => r["@timestamp"] ?? r.requestReceivedTimestamp ?? r.timestamp;

/** Checks what reached podprobe and what reached Elasticsearch for the given originals. */
function checkDelivery(received: string[], podprobeOut: string, docs: Record<string, any>[], originals: Record<string, any>[]) {
  // podprobe read every record intact (as the writer wrote it: same fields, same values)
  for (const o of originals) {
    const got = received.map((l) => JSON.parse(l)).find((r) => r.case === o.case);
    expect(got, `${o.case} reached podprobe`).toEqual(o);
  }
  // Elasticsearch got each one with its own time and no field Vector made up (source_type aside, the
  // data_stream fields the sink syncs, podprobe's tag)
  for (const o of originals) {
    const doc = docs.find((d) => d.case === o.case);
    expect(doc, `${o.case} reached Elasticsearch`).toBeDefined();
    expect(doc!["@timestamp"], `${o.case}: its own time`).toBe(ownTime(o));
    const allowed = new Set([...Object.keys(o), "@timestamp", "source_type", "data_stream", "podprobe"]);
    allowed.delete("timestamp");
    expect(Object.keys(doc!).filter((k) => !allowed.has(k)), `${o.case}: fields Vector added`).toEqual([]);
  }
  // the alert record keeps its time (stage 2's), and the completing record carries the tag
  const alert = podprobeOut.split("\n").filter((l) => l.includes('"kind":"alert"')).map((l) => JSON.parse(l));
  expect(alert).toHaveLength(1);
  const alertDoc = docs.find((d) => d.event?.kind === "alert");
  expect(alertDoc?.["@timestamp"]).toBe(alert[0]["@timestamp"]);
  expect(Date.parse(alertDoc?.["@timestamp"])).toBe(T0 + 500);
  expect(Object.keys(alertDoc!).filter((k) => ![...Object.keys(alert[0]), "source_type", "data_stream"].includes(k))).toEqual([]);
  expect(docs.find((d) => d.case === "raw audit Event (completes pod-a)")?.podprobe?.alerts).toHaveLength(1);
}

/** A node config (socket or HTTP mode): file sources and kubernetes_logs → podprobe → Elasticsearch. */
function runNode(c: Config) {
  const toSinks = new Map<string, Event[]>();
  const lines = RECORDS.map((r) => JSON.stringify(r));
  for (const [id, src] of Object.entries<Config>(c.sources)) {
    if (src.type === "file") flow(c, id, fileSource(src, id === "process_events" ? lines.slice(0, 2) : lines.slice(2)), toSinks);
    if (src.type === "kubernetes_logs") flow(c, id, [newEvent(CONTAINER_LOG)], toSinks);
  }
  const received: string[] = [];
  let out = "";
  for (const [id, events] of toSinks) out += podprobe(encode(c.sinks[id], events), received);
  const [retId, ret] = Object.entries<Config>(c.sources).find(([, s]) => s.type === "socket" || s.type === "http_server")!;
  const es = flow(c, retId, returnSource(ret, out));
  expect([...es.keys()]).toEqual(["elasticsearch"]);
  return { received, out, docs: elasticsearch(c.sinks.elasticsearch, es.get("elasticsearch")!) };
}

describe("vector configs", () => {
  test("no deprecated or undocumented option: no source-level acknowledgements, socket modes by their documented names", () => {
    for (const f of FILES) {
      const c = load(f);
      for (const comp of components(c)) {
        if (comp.kind === "source") expect(comp.acknowledgements, `${f} ${comp.id}: deprecated, no effect (generated/http_server.cue, generated/kafka.cue)`).toBeUndefined();
        if (comp.type === "http_server") expect(comp.encoding, `${f} ${comp.id}: deprecated`).toBeUndefined();
        if (comp.type === "socket") expect(["tcp", "udp", "unix_stream", "unix_datagram"], `${f} ${comp.id}`).toContain(comp.mode);
      }
    }
  });

  test("fields Vector would add to every record are switched off", () => {
    for (const f of FILES) {
      for (const comp of components(load(f))) {
        if (comp.kind !== "source") continue;
        if (comp.type === "socket") expect(comp.host_key, `${f} ${comp.id}: host "(unnamed)" clashes with ECS host`).toBe("");
        if (comp.type === "http_server") {
          expect(comp.path_key, `${f} ${comp.id}`).toBe("");
          expect(comp.host_key ?? "", `${f} ${comp.id}`).toBe("");
        }
        if (comp.type === "kafka") for (const k of ["key_field", "topic_key", "partition_key", "offset_key", "headers_key"]) expect(comp[k], `${f} ${comp.id}.${k}`).toBe("");
      }
    }
  });

  test("json + newline_delimited on both sides of podprobe; the serve lines in the comments match the addresses", () => {
    const socket = load("vector-socket.yaml");
    expect(socket.sinks.to_podprobe).toMatchObject({ type: "socket", mode: "unix_stream", encoding: { codec: "json" }, framing: { method: "newline_delimited" } });
    expect(socket.sources.from_podprobe).toMatchObject({ type: "socket", mode: "unix_stream", decoding: { codec: "json" }, framing: { method: "newline_delimited" } });
    expect(text("vector-socket.yaml")).toContain(`--listen unix://${socket.sinks.to_podprobe.path}`);
    expect(text("vector-socket.yaml")).toContain(`--forward unix://${socket.sources.from_podprobe.path}`);
    for (const f of ["vector-http.yaml", "vector-aggregator.yaml"]) {
      const c = load(f);
      const toPodprobe = Object.values<Config>(c.sinks).filter((s) => s.type === "http");
      expect(toPodprobe.length).toBeGreaterThan(0);
      for (const s of toPodprobe) {
        expect(s, f).toMatchObject({ method: "post", encoding: { codec: "json" }, framing: { method: "newline_delimited" } });
        expect(s.compression ?? "none", `${f}: compression stays off (bench/http-compression.ts)`).toBe("none");
        expect(text(f)).toContain(`--listen ${s.uri.replace(/\/$/, "")}`);
      }
      expect(c.sources.from_podprobe).toMatchObject({ type: "http_server", decoding: { codec: "json" }, framing: { method: "newline_delimited" } });
      expect(text(f)).toContain(`--forward http://${c.sources.from_podprobe.address}/`);
    }
  });

  test("delivery: acknowledgements reach exactly the sources the README promises at-least-once for", () => {
    const readme = readFileSync(path("README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Run it with Vector"), readme.indexOf("\n## ", readme.indexOf("## Run it with Vector") + 3));
    const rows = [...section.matchAll(/^\| `(vector-[\w-]+\.yaml)` \| ([^|]+) \| (at-least-once|best effort)/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(FILES.length);
    const covered = new Map<string, Set<string>>();
    for (const [, f, sources, claim] of rows) {
      const c = load(f);
      const acked = acknowledgedSources(c);
      for (const [, type] of sources.matchAll(/`(\w+)`/g)) {
        const ids = Object.entries<Config>(c.sources).filter(([, s]) => s.type === type).map(([id]) => id);
        expect(ids.length, `${f} has a ${type} source`).toBeGreaterThan(0);
        for (const id of ids) expect(acked.has(id), `${f} ${id} (${type}): ${claim}`).toBe(claim === "at-least-once");
        covered.set(f, (covered.get(f) ?? new Set()).add(type));
      }
    }
    for (const f of FILES) {
      const c = load(f);
      const acked = acknowledgedSources(c);
      for (const [id, s] of Object.entries<Config>(c.sources)) {
        // podprobe's way back into Vector is not a source of records; every other source has its row
        if (id !== "from_podprobe") expect(covered.get(f)?.has(s.type), `${f}: the README's delivery table names ${s.type}`).toBe(true);
        // no sink asks a source that cannot acknowledge ("Silent data loss could occur" at start-up)
        if (acked.has(id)) expect(CAN_ACKNOWLEDGE[s.type], `${f} ${id}`).toBe(true);
      }
      // where a record source is at-least-once, the way back from podprobe waits for Elasticsearch too
      const ret = c.sources.from_podprobe;
      if (ret?.type === "http_server") expect(acked.has("from_podprobe"), f).toBe(true);
    }
  });

  test("timeouts: Vector's http sinks wait longer than podprobe can take to answer a batch", async () => {
    const retryMs = await serveDefault("DEFAULT_RETRY_TIMEOUT_MS", /retryTimeoutMs\s*\?\?\s*([\d_]+)/g, "retry timeout default");
    // every downstream POST is cut at the batch's deadline (test/serve-http.test.ts): the worst case is the
    // retry timeout plus the time to process the batch, for which the rule keeps 10 s
    const worstMs = retryMs + 10_000;
    for (const f of ["vector-http.yaml", "vector-aggregator.yaml"]) {
      for (const [id, s] of Object.entries<Config>(load(f).sinks)) {
        if (s.type !== "http") continue;
        const timeoutSecs = s.request?.timeout_secs ?? 60; // the default (generated/http.cue)
        expect(timeoutSecs * 1000, `${f} ${id}: request.timeout_secs`).toBeGreaterThan(worstMs);
      }
      expect(text(f), `${f} states the rule`).toMatch(/request\.timeout_secs > --retry-timeout-ms \/ 1000 \+ 10/);
    }
  });

  test("every Elasticsearch sink says where records with data_stream fields go", () => {
    for (const f of FILES) {
      for (const s of Object.values<Config>(load(f).sinks)) if (s.type === "elasticsearch") expect(typeof s.data_stream?.auto_routing, f).toBe("boolean");
    }
  });

  for (const f of ["vector-socket.yaml", "vector-http.yaml"] as const) {
    test(`${f}: every record shape reaches podprobe intact and Elasticsearch with its own time`, () => {
      const { received, out, docs } = runNode(load(f));
      checkDelivery(received, out, docs, [...RECORDS, CONTAINER_LOG]);
      // Vector's file source defaults would have dropped the big audit line before podprobe
      expect(fileSource({ include: ["/x"] }, [JSON.stringify(RECORDS[4])])).toEqual([]);
    });
  }

  test("Kafka path: agent → Kafka → aggregator → podprobe → Elasticsearch keeps every record intact, keyed, with its own time", () => {
    const agent = load("vector-agent-kafka.yaml");
    const aggregator = load("vector-aggregator.yaml");
    const lines = RECORDS.map((r) => JSON.stringify(r));
    const published = new Map<string, Event[]>();
    flow(agent, "process_events", fileSource(agent.sources.process_events, lines.slice(0, 2)), published);
    flow(agent, "apiserver_audit", fileSource(agent.sources.apiserver_audit, lines.slice(2)), published);
    const kafkaSink = agent.sinks.kafka;
    const keyPath: string = kafkaSink.key_field;
    expect(keyPath.startsWith("%"), "the key comes from metadata").toBe(true);
    // the kafka sink writes each event's value alone as a message, keyed by the metadata field
    const messages = published.get("kafka")!.map((e) => ({ key: (e.metadata.get(keyPath.slice(1)) as string) ?? null, body: encode(kafkaSink, [e]).replace(/\n$/, "") }));
    expect(messages.map((m) => m.key)).toEqual(["pod-a", "pod-f", "pod-a", "pod-e", "pod-big"]);
    const toSinks = flow(aggregator, "kafka", kafkaSource(aggregator.sources.kafka, messages));
    const received: string[] = [];
    const out = podprobe(encode(aggregator.sinks.to_podprobe, toSinks.get("to_podprobe")!), received);
    const es = flow(aggregator, "from_podprobe", returnSource(aggregator.sources.from_podprobe, out));
    checkDelivery(received, out, elasticsearch(aggregator.sinks.elasticsearch, es.get("elasticsearch")!), RECORDS);
  });

  test("Kafka path: the sensors' execs meet their audit partners by key, reach podprobe intact and Elasticsearch with their own time", () => {
    const agent = load("vector-agent-kafka.yaml");
    const aggregator = load("vector-aggregator.yaml");
    const time = ts(0, 123_456_789); // nanoseconds, as the sensors write them
    const exec = (pod: string): Exec => ({ pod, ns: "shop", time, binary: "/usr/bin/curl", argv: ["curl", "-k", "https://kubernetes.default.svc/api"], pid: 4242 });
    const execs: [string, string, string][] = [
      ["tetragon", "pod-tg", sensorLine(tetragonExec(exec("pod-tg")))],
      ["falco", "pod-falco", sensorLine(falcoExec(exec("pod-falco")))],
      ["tracee", "pod-tracee", sensorLine(traceeLegacyExec(exec("pod-tracee")), time)],
      ["tracee", "pod-tracee-v1", sensorLine(traceeV1Exec(exec("pod-tracee-v1")))],
    ];
    const audits = execs.map(([, pod], i) => JSON.stringify(s2raw(500 + i, { pod, ns: "shop" })));
    const published = new Map<string, Event[]>();
    for (const source of ["tetragon", "falco", "tracee"]) {
      expect(agent.sources[source], source).toMatchObject({ type: "file", max_line_bytes: 1048576 });
      expect(agent.transforms.route_key.inputs, source).toContain(source);
      flow(agent, source, fileSource(agent.sources[source], execs.filter(([s]) => s === source).map(([, , l]) => l)), published);
    }
    flow(agent, "apiserver_audit", fileSource(agent.sources.apiserver_audit, audits), published);
    const keyPath: string = agent.sinks.kafka.key_field;
    const messages = published.get("kafka")!.map((e) => ({ key: (e.metadata.get(keyPath.slice(1)) as string) ?? null, body: encode(agent.sinks.kafka, [e]).replace(/\n$/, "") }));
    // each exec is keyed as its audit partner, by the key podprobe prints for it
    const printed = createCorrelator({ ...SMALL }).keys([...execs.map(([, , l]) => l), ...audits].join("\n") + "\n").toString().split("\n").slice(0, -1);
    expect(messages.map((m) => m.key)).toEqual(printed);
    expect(printed).toEqual([...execs.map(([, pod]) => pod), ...execs.map(([, pod]) => pod)]);
    const deliver = (agg: Config) => {
      const toSinks = flow(agg, "kafka", kafkaSource(agg.sources.kafka, messages));
      const received: string[] = [];
      const out = podprobe(encode(agg.sinks.to_podprobe, toSinks.get("to_podprobe")!), received);
      const es = flow(agg, "from_podprobe", returnSource(agg.sources.from_podprobe, out));
      return { received, out, docs: elasticsearch(agg.sinks.elasticsearch, es.get("elasticsearch")!) };
    };
    const { received, out, docs } = deliver(aggregator);
    // podprobe read each record as it was written (integers exact: Tracee's nanoseconds), and found every sequence
    const canonical = (l: string) => toJson(parseJson(l));
    expect(received.map(canonical)).toEqual([...execs.map(([, , l]) => l), ...audits].map(canonical));
    expect(out.split("\n").filter((l) => l.includes('"kind":"alert"')).map((l) => JSON.parse(l).podprobe.sequence.key).sort()).toEqual(execs.map(([, pod]) => pod).sort());
    // Elasticsearch got each exec with its own time and no field Vector made up
    execs.forEach(([sensor, pod], i) => {
      const original = JSON.parse(execs[i][2]);
      const doc = docs.find((d) => JSON.stringify(d).includes(`"${pod}"`) && !("kind" in d) && !(d.event?.kind === "alert"));
      expect(doc, `${sensor} ${pod}`).toBeDefined();
      // (Tracee ≤ v0.24's from its epoch nanoseconds: the same instant, written as Vector writes a time)
      expect(doc!["@timestamp"], `${sensor} ${pod}: its own time`).toBe(original.timestamp === undefined || original.workload ? time : isoNs(nsOf(time)));
      const allowed = new Set([...Object.keys(original), "@timestamp", "source_type", "data_stream", "podprobe"]);
      if (!original.workload) allowed.delete("timestamp"); // Tracee ≤ v0.24's integer became @timestamp
      expect(Object.keys(doc!).filter((k) => !allowed.has(k)), `${sensor} ${pod}: fields Vector added`).toEqual([]);
    });
    // decoded as JSON by the kafka source, Tracee's own timestamp would be the Kafka message time: no sequence
    const asJson = { ...aggregator, sources: { ...aggregator.sources, kafka: { ...aggregator.sources.kafka, decoding: { codec: "json" } } }, transforms: { ...aggregator.transforms, as_published: { ...aggregator.transforms.as_published, source: "del(.source_type)" } } };
    const broken = deliver(asJson);
    expect(broken.out.split("\n").filter((l) => l.includes('"kind":"alert"')).length).toBeLessThan(execs.length);
  });

  test("the model notices what the configs prevent: Vector's defaults would break these records", () => {
    // without the timestamp remap the ECS record's own @timestamp is replaced by the receive time
    const c = load("vector-socket.yaml");
    const bare = { ...c, transforms: { parse_json_lines: c.transforms.parse_json_lines }, sinks: { ...c.sinks, elasticsearch: { ...c.sinks.elasticsearch, inputs: ["from_podprobe"] } }, sources: { ...c.sources, from_podprobe: { ...c.sources.from_podprobe, host_key: undefined } } };
    const { docs } = runNode(bare);
    expect(docs.find((d) => d.case === "ECS process event")?.["@timestamp"]).toBe(RECEIVE_TIME);
    expect(docs.find((d) => d.case === "raw audit Event (completes pod-a)")?.host).toBe("(unnamed)");
    // and an http sink without framing writes a JSON array: podprobe sees one line, no record
    const h = load("vector-http.yaml");
    const arr = encode({ ...h.sinks.to_podprobe, framing: undefined }, RECORDS.slice(0, 2).map((r) => newEvent(fromJs(r) as Map<string, Value>)));
    expect(arr.startsWith("[{")).toBe(true);
    expect(arr.includes("\n")).toBe(false);
  });

  const vector = spawnSync("sh", ["-c", "command -v vector"], { encoding: "utf8" }).stdout.trim();
  test.skipIf(!vector)(`vector validate accepts every config${vector ? "" : " (skipped: no vector on PATH)"}`, () => {
    for (const f of FILES) {
      const r = spawnSync(vector, ["validate", "--no-environment", path(`examples/vector/${f}`)], { encoding: "utf8" });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });
});
