// The sensor examples agree with each other and with podprobe's sensor shapes: the Falco rule outputs every
// field the Falco shape reads, and an alert it would write is read as an interactive exec; Falco, Tetragon and
// Tracee write to the files the Fluent Bit and Vector configs tail; the Fluent Bit filter takes exactly the inputs
// that can carry candidates; Vector's parse step hands the sensors' lines to podprobe intact (Tracee's
// nanosecond integer included).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { expect, test } from "vitest";
import { SEED_RULE } from "../host/index.js";
import { SENSOR_SHAPES, type Alias, type Shape } from "../host/rules/shapes.js";
import { PROFILES } from "../host/rules/profiles.js";
import { run, s2raw } from "./helpers.js";
import { savedEvents, sensorLine, traceeLegacyExec } from "./sensors.js";
import { compile, newEvent, toJson, parseJson, type Value } from "./vrl.js";

const ex = (p: string) => fileURLToPath(new URL(`../examples/${p}`, import.meta.url));
const yaml = (p: string) => parse(readFileSync(ex(p), "utf8"));

/** Every record path a shape reads for the fields the seed rule and the process summary use. */
function pathsRead(shape: Shape): Set<string> {
  const fields = new Set<string>(["@timestamp", "orchestrator.resource.name", "process.interactive", ...PROFILES.process.summary.map((s) => s.field ?? s.name)]);
  const walk = (e: unknown) => {
    if (e && typeof e === "object") for (const [k, v] of Object.entries(e)) (typeof v === "string" && !["values", "patterns"].includes(k) ? fields.add(v) : walk(v));
  };
  walk(SEED_RULE.stages[0].when);
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const a of shape.aliases(f) as Alias[]) {
      if ("path" in a) out.add(a.path);
      else if ("derive" in a) {
        for (const [k, v] of Object.entries(a)) {
          if (k === "derive" || k === "separator" || k === "key" || k === "equals" || k === "member" || k === "quoting") continue;
          if (typeof v === "string") visit(v);
          else if (Array.isArray(v)) v.forEach((x) => typeof x === "string" && visit(x));
          else walk2(v);
        }
      }
    }
  };
  const walk2 = (e: unknown) => {
    if (e && typeof e === "object") for (const [k, v] of Object.entries(e)) (typeof v === "string" && !["values", "patterns"].includes(k) ? visit(v) : walk2(v));
  };
  [...fields].forEach(visit);
  return out;
}

const falcoShape = SENSOR_SHAPES.find((s) => s.name === "falco-alert")!;

test("the Falco rule outputs every field podprobe's Falco shape reads (but the fallbacks for older outputs)", () => {
  const [rule] = yaml("falco/podprobe-exec.yaml");
  const outputFields = new Set([...String(rule.output).matchAll(/%([a-z0-9_.]+(?:\[\d+\])?)/g)].map((m) => m[1]));
  const read = [...pathsRead(falcoShape)].filter((p) => p.startsWith("output_fields.")).map((p) => p.slice("output_fields.".length));
  expect(read.length).toBeGreaterThan(10);
  // older rules' outputs are read too: the command line instead of the arguments, evt.time instead of `time`
  const fallbacks = ["proc.cmdline", "evt.time"];
  for (const f of read) if (!fallbacks.includes(f)) expect(outputFields, f).toContain(f);
  expect(rule.condition).toMatch(/proc\.tty != 0/);
  expect(rule.condition).toMatch(/evt\.res = SUCCESS/);
  expect(rule.condition).toMatch(/evt\.type in \(execve, execveat\)/);
  expect(rule.condition).toMatch(/container\.id != host/);
});

test("an alert the Falco rule would write for `kubectl exec -t … curl` is the seed rule's stage 1", () => {
  const [rule] = yaml("falco/podprobe-exec.yaml");
  const argv = ["curl", "-sk", "https://kubernetes.default.svc/api/v1/namespaces/default/secrets"];
  const value: Record<string, unknown> = {
    "evt.type": "execve", "evt.res": "SUCCESS", "proc.name": "curl", "proc.exe": "curl", "proc.exepath": "/usr/bin/curl",
    "proc.args": argv.slice(1).join(" "), "proc.cmdnargs": 2, "proc.args[0]": argv[1], "proc.args[1]": argv[2], "proc.args[2]": "", "proc.args[3]": "",
    "proc.pid": 4242, "proc.pname": "bash", "proc.cwd": "/", "proc.tty": 34816, "user.name": "root",
    "container.full_id": "c".repeat(64), "container.id": "c".repeat(12), "container.name": "app", "container.image.repository": "alpine",
    "k8s.pod.name": "web-1", "k8s.ns.name": "shop",
  };
  const output_fields = Object.fromEntries([...String(rule.output).matchAll(/%([a-z0-9_.]+(?:\[\d+\])?)/g)].map((m) => [m[1], value[m[1]] ?? null]));
  const alert = { hostname: "node-1", output: "tty exec in container | …", priority: "Informational", rule: rule.rule, source: "syscall", tags: rule.tags, time: "2026-01-21T10:00:00.000000000Z", output_fields };
  const r = run([alert, s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.400000000Z" })]);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.events[0]).toMatchObject({ "process.name": "curl", "process.args": argv, "container.id": "c".repeat(64), interactive_source: "falco:proc.tty" });
});

test("Falco, Tetragon and Tracee write where the Fluent Bit and Vector configs read", () => {
  const falco = yaml("falco/values.yaml").falco;
  expect(falco).toMatchObject({ json_output: true, json_include_output_fields_property: true, rule_matching: "all", file_output: { enabled: true, keep_alive: true } });
  const tetragon = yaml("tetragon/values.yaml");
  expect(tetragon.tetragon.exportAllowList).toContain("PROCESS_EXEC");
  const traceeOld = yaml("tracee/config-v0.24.yaml").output;
  const traceeNew = yaml("tracee/config-main.yaml");
  expect(traceeOld.options["parse-arguments"]).toBe(true);
  expect(traceeNew.enrichment).toMatchObject({ container: { enabled: true }, "decoded-data": true });
  expect(yaml("tracee/podprobe-exec-policy.yaml").spec).toEqual({ scope: ["container"], rules: [{ event: "sched_process_exec" }] });
  const files = {
    tetragon: `${tetragon.exportDirectory}/${tetragon.tetragon.exportFilename}`,
    falco: falco.file_output.filename,
    tracee: traceeNew.output.destinations[0].path,
  };
  expect(traceeOld.json.files).toEqual([files.tracee]);
  const fb = yaml("fluent-bit/sensors.yaml").pipeline;
  const vec = yaml("vector/vector-sensors.yaml");
  for (const [sensor, file] of Object.entries(files)) {
    expect(fb.inputs.find((i: any) => i.path === file), sensor).toMatchObject({ name: "tail", tag: `podprobe.${sensor}`, parser: "json" });
    expect(vec.sources[sensor], sensor).toMatchObject({ type: "file", include: [file] });
  }
});

test("Fluent Bit: one wasm filter over exactly the inputs that can carry candidates, one tag per input", () => {
  const c = yaml("fluent-bit/sensors.yaml").pipeline;
  const [f] = c.filters;
  expect(c.filters).toHaveLength(1);
  expect(f).toMatchObject({ name: "wasm", event_format: "json", function_name: "podprobe_filter" });
  const re = new RegExp(f.match_regex);
  const tags = c.inputs.map((i: any) => i.tag);
  expect(new Set(tags).size).toBe(tags.length);
  for (const i of c.inputs) expect(re.test(i.tag.replace("*", "x")), i.tag).toBe(i.tag.startsWith("podprobe."));
  expect(tags.filter((t: string) => !t.includes("*"))).toEqual(["podprobe.tetragon", "podprobe.falco", "podprobe.tracee", "podprobe.audit"]);
});

test("Vector: the file lines of every sensor reach podprobe as the records they are, Tracee's nanoseconds exact", () => {
  const c = yaml("vector/vector-sensors.yaml");
  const parseStep = c.transforms.parse_json_lines;
  expect(parseStep.inputs.sort()).toEqual(["apiserver_audit", "falco", "tetragon", "tracee"]);
  expect(c.sinks.to_podprobe.inputs).toEqual(["parse_json_lines"]);
  expect(c.sinks.elasticsearch.inputs.sort()).toEqual(["container_logs", "own_time"]);
  const program = compile(parseStep.source);
  const t = "2026-01-21T10:00:00.123456789Z";
  const lines = [...savedEvents().map((s) => s.line), sensorLine(traceeLegacyExec({ pod: "web-1", ns: "shop", time: t, binary: "/usr/bin/curl", argv: ["curl", "-k", "https://x"], pid: 7 }), t)];
  const through = lines.map((l) => {
    const { event, error } = program.run(newEvent({ message: l, file: "/var/log/x", host: "node-1", source_type: "file" }));
    expect(error).toBeUndefined();
    return toJson(event.value as Value);
  });
  through.forEach((l, i) => expect(parseJson(l), `line ${i}`).toEqual(parseJson(lines[i])));
  expect(through[through.length - 1]).toContain('"timestamp":1768989600123456789');
  // and podprobe reads them as it reads the sensor's own lines
  const audit = JSON.stringify(s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.500000000Z" }));
  expect(run([...through, audit]).stats.matches).toBe(1);
  expect(c.transforms.own_time.source).toMatch(/from_unix_timestamp!\(\.timestamp, unit: "nanoseconds"\)/);
});
