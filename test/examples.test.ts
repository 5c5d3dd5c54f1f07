// examples/: the shipper configs parse and are wired to podprobe as the README says. Real `vector` and
// `fluent-bit` binaries validate them too when on PATH (skipped, with a message, when not).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";

const ex = (p: string) => fileURLToPath(new URL(`../examples/${p}`, import.meta.url));
const yaml = (p: string) => parse(readFileSync(ex(p), "utf8"));
const onPath = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim();

test("fluent-bit.yaml: one wasm filter over all podprobe inputs, json events, podprobe_filter", () => {
  const c = yaml("fluent-bit/fluent-bit.yaml");
  const [f] = c.pipeline.filters;
  expect(f).toMatchObject({ name: "wasm", event_format: "json", function_name: "podprobe_filter" });
  expect(f.wasm_path).toMatch(/podprobe-fluent-bit\.wasm$/);
  const re = new RegExp(f.match_regex);
  for (const i of c.pipeline.inputs) expect(re.test(i.tag.replace("*", "x"))).toBe(true);
  const classic = readFileSync(ex("fluent-bit/fluent-bit.conf"), "utf8");
  expect(classic).toMatch(/Function_Name\s+podprobe_filter/);
  expect(classic).toMatch(/Event_Format\s+json/);
});

describe("vector configs", () => {
  test("socket mode: json + newline_delimited on both podprobe-facing components, paths as in the serve line", () => {
    const c = yaml("vector/vector-socket.yaml");
    const text = readFileSync(ex("vector/vector-socket.yaml"), "utf8");
    const sink = c.sinks.to_podprobe;
    const source = c.sources.from_podprobe;
    expect(sink).toMatchObject({ type: "socket", encoding: { codec: "json" }, framing: { method: "newline_delimited" } });
    expect(source).toMatchObject({ type: "socket", decoding: { codec: "json" }, framing: { method: "newline_delimited" } });
    expect(text).toContain(`--listen unix://${sink.path}`);
    expect(text).toContain(`--forward unix://${source.path}`);
    expect(c.sinks.elasticsearch.inputs).toEqual(["from_podprobe"]);
  });
  test("HTTP mode: acknowledgements on the sink, the source and the Elasticsearch sink", () => {
    const c = yaml("vector/vector-http.yaml");
    const text = readFileSync(ex("vector/vector-http.yaml"), "utf8");
    expect(c.sinks.to_podprobe).toMatchObject({ type: "http", method: "post", encoding: { codec: "json" }, framing: { method: "newline_delimited" }, acknowledgements: { enabled: true } });
    expect(c.sources.from_podprobe).toMatchObject({ type: "http_server", acknowledgements: { enabled: true } });
    expect(c.sinks.elasticsearch.acknowledgements.enabled).toBe(true);
    expect(text).toContain(`--listen ${c.sinks.to_podprobe.uri.replace(/\/$/, "")}`);
    expect(text).toContain(`--forward http://${c.sources.from_podprobe.address}/`);
  });
  test("beyond one node: agents key Kafka by the route field; aggregators drop it before podprobe", () => {
    const a = yaml("vector/vector-agent-kafka.yaml");
    const g = yaml("vector/vector-aggregator.yaml");
    expect(a.sinks.kafka.key_field).toBe("_podprobe_route");
    expect(g.transforms.drop_route_key.source).toContain("del(._podprobe_route)");
    expect(g.sinks.to_podprobe.inputs).toEqual(["drop_route_key"]);
  });

  const vector = onPath("vector");
  test.skipIf(!vector)(`vector validate accepts every config${vector ? "" : " (skipped: no vector on PATH)"}`, () => {
    for (const f of ["vector-socket.yaml", "vector-http.yaml", "vector-agent-kafka.yaml", "vector-aggregator.yaml"]) {
      const r = spawnSync(vector, ["validate", "--no-environment", ex(`vector/${f}`)], { encoding: "utf8" });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });
});
