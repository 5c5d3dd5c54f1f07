// SPEC §10: `podprobe key` (and correlator.keys) prints, for every record shape, exactly the key the engine
// joins on — so agents can publish to Kafka keyed by it and aggregators shard with no coordination.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { rng } from "../host/cli/sample.js";
import { line, run, s1, s2ecs, s2raw, SMALL, T0 } from "./helpers.js";
import { compile, newEvent, toJson, type Program } from "./vrl.js";
import { falcoExec, nsOf, savedEvents, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec, type Obj } from "./sensors.js";

const shapes = (pod: string, ns: string) => ({
  "ECS process event": s1(0, { pod, ns }),
  "flattened process event": { "@timestamp": new Date(T0).toISOString(), "event.category": "process", "event.type": "start", "event.action": "exec", "host.os.type": "linux", "process.name": "wget", "process.interactive": true, "container.id": "c", "orchestrator.resource.name": pod, "orchestrator.namespace": ns },
  "raw audit Event": s2raw(100, { pod, ns }),
  "ECS audit document": s2ecs(100, { pod, ns }),
});

for (const keyMode of ["pod", "namespace-pod"] as const) {
  test(`every shape, key mode ${keyMode}: the printed key is the sequence key`, () => {
    for (const [pod, ns] of [["web-1", "shop"], ['we"ird\\pod', "n\u00e9s"]]) {
      const all = shapes(pod, ns);
      for (const [name, rec] of Object.entries(all)) {
        const c = createCorrelator({ ...SMALL, keyMode });
        const printed = c.keys(line(rec) + "\n").toString();
        const expected = keyMode === "pod" ? pod : `${ns}/${pod}`;
        expect(printed, name).toBe(JSON.stringify(expected).slice(1, -1) + "\n");
        // and the engine joins on it: pair this record with its partner of the other stage
        const stage1 = name.includes("process");
        const partner = stage1 ? s2raw(300, { pod, ns }) : s1(0, { pod, ns });
        const r = run(stage1 ? [rec, partner] : [partner, rec], { keyMode });
        expect(r.alerts.map((a) => a.podprobe.sequence.key), name).toEqual([expected]);
      }
    }
  });
}

test("records that are no candidate print an empty line; lines stay aligned with records", () => {
  const c = createCorrelator({ ...SMALL });
  const out = c.keys([line({ log: 1 }), "not json", line(s1(0, { pod: "a" })), line(s2raw(1, { decision: "allow", pod: "b" }))].join("\n") + "\n").toString();
  expect(out).toBe("\n\na\n\n");
});

// The agents route by the key the Kafka config's VRL computes (examples/vector/vector-agent-kafka.yaml, run
// here by test/vrl.ts, an interpreter of the VRL it uses): for every candidate of every shape, nested, flattened
// or mixed, with awkward key values and in both key modes, it must equal what `podprobe key` prints.
const agent = parse(readFileSync(fileURLToPath(new URL("../examples/vector/vector-agent-kafka.yaml", import.meta.url)), "utf8"));
const routeSource: string = agent.transforms.route_key.source;
const routePrograms = Object.fromEntries(
  (["pod", "namespace-pod"] as const).map((mode) => {
    expect(routeSource.match(/^key_mode = "pod"$/gm), "one key_mode line").toHaveLength(1);
    return [mode, compile(routeSource.replace(/^key_mode = "pod"$/m, `key_mode = "${mode}"`))];
  }),
) as Record<"pod" | "namespace-pod", Program>;

/** The route the agent gives a line of its file sources ("" when none), as the kafka sink's key_field reads it. */
function vrlRoute(text: string, mode: "pod" | "namespace-pod"): string {
  const r = routePrograms[mode].run(newEvent({ message: text, file: "/var/log/x.ndjson", host: "node-1", source_type: "file", timestamp: "2026-01-21T10:00:09Z" }));
  expect(r.error, text).toBeUndefined();
  const k = r.event.metadata.get(agent.sinks.kafka.key_field.slice(1)) ?? null;
  expect(k === null || typeof k === "string", text).toBe(true);
  return (k as string | null) ?? "";
}

/** `podprobe key` for many records at once: one decoded key per record ("" for none). */
function printedKeys(texts: string[], keyMode: "pod" | "namespace-pod"): string[] {
  const out = createCorrelator({ ...SMALL, keyMode }).keys(texts.join("\n") + "\n").toString().split("\n");
  expect(out.pop()).toBe("");
  expect(out).toHaveLength(texts.length);
  return out.map((l) => JSON.parse(`"${l}"`) as string);
}

/** Nested objects merged into their parent under dotted keys, each with probability p (p 1: all flattened). */
function respell(v: unknown, r: () => number, p: number): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = respell(x, r, p);
    if (y !== null && typeof y === "object" && !Array.isArray(y) && Object.keys(y).length > 0 && r() < p) {
      for (const [k2, z] of Object.entries(y)) out[`${k}.${k2}`] = z;
    } else out[k] = y;
  }
  return out;
}

const podValues: unknown[] = ["web-1", 'we"ird\\pod', "n\u00e9s/\u00fc", "line\nbreak", "a".repeat(512), "a".repeat(513), "\u00e9".repeat(256), 12345, -7,
  [null, "p"], [["x"], { o: 1 }, "q"], ["", "p"], [], ["x", "y"], ["a".repeat(600), "b"], "", true, null, { name: "x" }];
const namespaces: unknown[] = ["shop", "", 7, undefined, "n".repeat(511), "n".repeat(512), ["shop"], null];
const usernames: unknown[] = ["system:serviceaccount:shop:sa", "system:serviceaccount:shop", "system:serviceaccount::sa", "system:serviceaccount:shop:sa:x", "system:node:n1",
  "system:serviceaccount:", `system:serviceaccount:${"n".repeat(480)}:sa`, `system:serviceaccount:${"n".repeat(490)}:sa`, 42, undefined];

const withPod = (rec: Record<string, any>, where: Record<string, any>, key: string, value: unknown) => {
  if (value === undefined) delete where[key];
  else where[key] = value;
  return rec;
};
/** Candidates of each stage whose key fields carry the given values. */
const candidates = {
  "ECS process event": (pod: unknown, ns: unknown) => {
    const r = s1(0) as any;
    withPod(r, r.orchestrator.resource, "name", pod);
    return withPod(r, r.orchestrator, "namespace", ns);
  },
  "raw audit Event": (pod: unknown, user: unknown) => {
    const r = s2raw(100) as any;
    withPod(r, r.user.extra, "authentication.kubernetes.io/pod-name", pod);
    return withPod(r, r.user, "username", user);
  },
  "ECS audit document": (pod: unknown, user: unknown) => {
    const r = s2ecs(100) as any;
    withPod(r, r.kubernetes.audit.user.extra, "authentication.kubernetes.io/pod-name", pod);
    return withPod(r, r.kubernetes.audit.user, "username", user);
  },
};

for (const keyMode of ["pod", "namespace-pod"] as const) {
  test(`the agent's VRL routes every candidate by the key \`podprobe key\` prints (key mode ${keyMode})`, () => {
    const r = rng(12);
    const texts: string[] = [];
    const what: string[] = [];
    for (const [shape, build] of Object.entries(candidates)) {
      for (const pod of podValues) {
        for (const ns of shape.includes("process") ? namespaces : usernames) {
          const rec = build(pod, ns);
          for (const [spelling, p] of [["nested", 0], ["flattened", 1], ["mixed", 0.5], ["mixed", 0.5]] as const) {
            const text = JSON.stringify(respell(rec, r, p));
            texts.push(text, text.replace(/o/g, "\\u006f")); // the same record with escapes in its keys and values
            what.push(`${shape}, ${spelling}`, `${shape}, ${spelling}, escaped`);
          }
        }
      }
    }
    const printed = printedKeys(texts, keyMode);
    texts.forEach((t, i) => expect(vrlRoute(t, keyMode), `${what[i]}: ${t.slice(0, 300)}`).toBe(printed[i]));
    // the grid reaches every shape and spelling with a key, and without one
    for (const shape of Object.keys(candidates)) {
      for (const spelling of ["nested", "flattened", "mixed"]) {
        const keyed = printed.filter((k, i) => what[i].startsWith(`${shape}, ${spelling}`) && k !== "").length;
        expect(keyed, `${shape}, ${spelling}`).toBeGreaterThan(20);
      }
    }
    expect(printed.filter((k) => k === "").length).toBeGreaterThan(100);
  });
}

// ── the sensors' exec events (Tetragon, Falco, Tracee in both schemas) ──────────────────────────────────
const EXEC_TIME = "2026-01-21T10:00:00.123456789Z";
const EXEC: Exec = { pod: "placeholder", ns: "placeholder", time: EXEC_TIME, binary: "/usr/bin/curl", argv: ["curl", "-k", "https://kubernetes.default.svc/api"], pid: 4242 };

/** A record as one line: Tracee ≤ v0.24's epoch-nanosecond time written as the exact integer. */
const sensorText = (rec: unknown) => JSON.stringify(rec).replace('"@@NS@@"', String(nsOf(EXEC_TIME)));

const saved = Object.fromEntries(savedEvents().map((e) => [e.file.replace(/\.json$/, ""), JSON.parse(e.line) as Obj]));
const clone = <T>(x: T): T => structuredClone(x);

/**
 * Candidates of each sensor shape whose pod and namespace fields carry the given values (undefined: the field is
 * left out): from the builders of test/sensors.ts, and from the saved example events made candidates (a curl
 * typed in a terminal of a pod's container) with as few changes as that takes.
 */
const sensorCandidates: Record<string, (pod: unknown, ns: unknown) => Obj> = {
  "Tetragon exec": (pod, ns) => {
    const r = tetragonExec(EXEC);
    withPod(r, r.process_exec.process.pod, "name", pod);
    return withPod(r, r.process_exec.process.pod, "namespace", ns);
  },
  "Tetragon exec (saved: the docs' curl)": (pod, ns) => {
    const r = clone(saved["docs_getting-started_execution_curl"]);
    r.process_exec.process.in_init_tree = false;
    withPod(r, r.process_exec.process.pod, "name", pod);
    return withPod(r, r.process_exec.process.pod, "namespace", ns);
  },
  "Falco alert": (pod, ns) => {
    const r = falcoExec(EXEC);
    withPod(r, r.output_fields, "k8s.pod.name", pod);
    return withPod(r, r.output_fields, "k8s.ns.name", ns);
  },
  "Falco alert (saved: docs' terminal shell)": (pod, ns) => {
    const r = clone(saved["website_outputs_channels_md_L170_terminal_shell"]);
    r.output_fields["proc.cmdline"] = "sh -c curl -k https://kubernetes.default.svc/api";
    withPod(r, r.output_fields, "k8s.pod.name", pod);
    return withPod(r, r.output_fields, "k8s.ns.name", ns);
  },
  "Tracee ≤ v0.24 (kubernetes object)": (pod, ns) => {
    const r = traceeLegacyExec(EXEC);
    withPod(r, r.kubernetes, "podName", pod);
    return withPod(r, r.kubernetes, "podNamespace", ns);
  },
  "Tracee ≤ v0.24 (flat fields)": (pod, ns) => {
    const r = traceeLegacyExec(EXEC, { flatPod: true });
    withPod(r, r, "podName", pod);
    return withPod(r, r, "podNamespace", ns);
  },
  // the object's fields are tried first, the flat ones when those are absent, null or empty
  "Tracee ≤ v0.24 (both)": (pod, ns) => {
    const r = traceeLegacyExec(EXEC);
    Object.assign(r, { podName: "flat-pod", podNamespace: "flat-ns" });
    withPod(r, r.kubernetes, "podName", pod);
    return withPod(r, r.kubernetes, "podNamespace", ns);
  },
  "Tracee ≤ v0.24 (saved: the docs' exec)": (pod, ns) => {
    const r = clone(saved["legacy_docs_output-options_L98_sched_process_exec"]);
    r.timestamp = "@@NS@@";
    r.processName = "curl";
    r.containerId = "c".repeat(64);
    for (const a of r.args) if (a.name === "argv") a.value = EXEC.argv;
    r.args.push({ name: "stdin_path", type: "const char*", value: "/dev/pts/0" });
    withPod(r, r, "podName", pod);
    return withPod(r, r, "podNamespace", ns);
  },
  "Tracee v1beta1": (pod, ns) => {
    const r = traceeV1Exec(EXEC);
    withPod(r, r.workload.k8s.pod, "name", pod);
    return withPod(r, r.workload.k8s.namespace, "name", ns);
  },
  "Tracee v1beta1 (saved: the docs' illustration)": (pod, ns) => {
    const r = clone(saved["main_docs_event-structure_sched_process_exec.illustrative.pretty"]);
    r.timestamp = EXEC_TIME; // the encoder's RFC 3339 time, not the illustration's object
    r.workload.process.thread.name = "curl";
    r.workload.container = { id: "c".repeat(64) };
    r.workload.k8s = { pod: {}, namespace: {} };
    r.data = [{ name: "argv", str_array: { value: EXEC.argv } }, { name: "stdin_type", str: "S_IFCHR" }, { name: "stdin_path", str: "/dev/pts/1" }];
    withPod(r, r.workload.k8s.pod, "name", pod);
    return withPod(r, r.workload.k8s.namespace, "name", ns);
  },
};

// fewer values than for the ECS shapes (the sensor grid is larger), every kind of them kept
const sensorPods: unknown[] = ["web-1", 'we"ird\\pod', "line\nbreak", "a".repeat(513), 12345, [null, "p"], ["", "p"], ["p", ""], [], ["x", "y"], "", true, null, { name: "x" }, {}, undefined];
const sensorNamespaces: unknown[] = ["shop", "", 7, undefined, null, ["shop"], "n".repeat(512)];

for (const keyMode of ["pod", "namespace-pod"] as const) {
  test(`the agent's VRL routes every sensor exec by the key \`podprobe key\` prints (key mode ${keyMode})`, () => {
    const r = rng(34);
    const texts: string[] = [];
    const what: string[] = [];
    for (const [shape, build] of Object.entries(sensorCandidates)) {
      for (const pod of sensorPods) {
        for (const ns of sensorNamespaces) {
          const rec = build(pod, ns);
          for (const [spelling, p] of [["nested", 0], ["flattened", 1], ["mixed", 0.5]] as const) {
            // half of them with escapes in their keys and values
            const text = sensorText(respell(rec, r, p));
            const escaped = r() < 0.5;
            texts.push(escaped ? text.replace(/o/g, "\\u006f") : text);
            what.push(`${shape}, ${spelling}${escaped ? ", escaped" : ""}`);
          }
        }
      }
    }
    const printed = printedKeys(texts, keyMode);
    texts.forEach((t, i) => expect(vrlRoute(t, keyMode), `${what[i]}: ${t.slice(0, 300)}`).toBe(printed[i]));
    // the grid reaches every shape with a key and without one, nested and mixed; flattened too where podprobe reads
    // the shape flattened (a Tracee v1beta1 event is told by its `workload` object, Tracee ≤ v0.24's pod by its
    // `kubernetes` object or the flat fields)
    for (const shape of Object.keys(sensorCandidates)) {
      for (const spelling of ["nested", "flattened", "mixed"]) {
        const keyed = printed.filter((k, i) => what[i].startsWith(`${shape}, ${spelling}`) && k !== "").length;
        const flatUnread = spelling === "flattened" && (shape.startsWith("Tracee v1beta1") || shape === "Tracee ≤ v0.24 (kubernetes object)");
        expect(keyed, `${shape}, ${spelling}`).toBeGreaterThan(flatUnread ? -1 : 10);
      }
      const unkeyed = printed.filter((k, i) => what[i].startsWith(`${shape}, `) && k === "").length;
      expect(unkeyed, `${shape}: records without a key`).toBeGreaterThan(10);
    }
    expect(what.filter((w) => w.endsWith("escaped")).length).toBeGreaterThan(texts.length / 3);
  });
}

/** Two records in one: the members of `a`, then those of `b` (a nested object merged member by member). */
function merge(a: Obj, b: Obj): Obj {
  const out: Obj = clone(a);
  for (const [k, v] of Object.entries(b)) {
    if (out[k] !== null && typeof out[k] === "object" && !Array.isArray(out[k]) && v !== null && typeof v === "object" && !Array.isArray(v)) out[k] = merge(out[k], v);
    else if (!(k in out)) out[k] = clone(v);
  }
  return out;
}

test("a record readable in several shapes is routed by the shape podprobe reads it in, in both key modes", () => {
  const tg = (o: { pod?: unknown; flags?: string; binary?: unknown } = {}) => {
    const r = tetragonExec({ ...EXEC, pod: "tg-pod", ns: "tg-ns" }, { flags: o.flags });
    if ("binary" in o) r.process_exec.process.binary = o.binary;
    if ("pod" in o) withPod(r, r.process_exec.process.pod, "name", o.pod);
    return r;
  };
  const fa = (o: { pod?: unknown; evtType?: unknown; evtRes?: unknown } = {}) => {
    const r = falcoExec({ ...EXEC, pod: "falco-pod", ns: "falco-ns" });
    for (const [k, f] of [["evtType", "evt.type"], ["evtRes", "evt.res"]] as const) if (k in o) withPod(r, r.output_fields, f, o[k]);
    if ("pod" in o) withPod(r, r.output_fields, "k8s.pod.name", o.pod);
    return r;
  };
  const tl = (o: { eventName?: unknown } = {}) => {
    const r = traceeLegacyExec({ ...EXEC, pod: "tracee-pod", ns: "tracee-ns" });
    if ("eventName" in o) withPod(r, r, "eventName", o.eventName);
    return r;
  };
  const tv = (o: { workload?: boolean } = {}) => {
    const r = traceeV1Exec({ ...EXEC, pod: "v1-pod", ns: "v1-ns" });
    if (o.workload === false) {
      // the pod's fields stay, spelled flat: a v1beta1 event without its workload object
      Object.assign(r, { "workload.k8s.pod.name": r.workload.k8s.pod.name, "workload.k8s.namespace.name": r.workload.k8s.namespace.name });
      delete r.workload;
    }
    return r;
  };
  const ecs = s1(0, { pod: "ecs-pod", ns: "ecs-ns", time: EXEC_TIME });
  const audit = s2raw(0, { pod: "audit-pod", ns: "audit-ns", time: EXEC_TIME });
  const pairs: [string, Obj][] = [
    ["Tetragon over Falco", merge(tg(), fa())],
    ["Falco over Tetragon, the Tetragon record a /proc scan", merge(tg({ flags: "procFS execve" }), fa())],
    ["Tetragon over Falco, the binary an object (present: Tetragon, no candidate)", merge(tg({ binary: {}, pod: undefined }), fa())],
    ["Tetragon over Falco, the binary an empty list (absent)", merge(tg({ binary: [], pod: undefined }), fa())],
    ["Tetragon over Falco, the binary a list of null (absent)", merge(tg({ binary: [null], pod: undefined }), fa())],
    ["Tetragon over Falco, flags a list holding procFS", merge(tg({ flags: undefined }), fa())],
    ["Falco over Tracee", merge(fa(), tl())],
    ["Tracee over Falco, the alert of an open", merge(fa({ evtType: "openat" }), tl())],
    ["Falco over Tracee, evt.type a list holding execve", merge(fa({ evtType: ["openat", "execve"] }), tl())],
    ["Falco over Tracee, evt.type null", merge(fa({ evtType: null }), tl())],
    ["Tracee over Falco, evt.type an object", merge(fa({ evtType: { a: 1 } }), tl())],
    ["Tracee over Falco, evt.type an empty object", merge(fa({ evtType: {} }), tl())],
    ["Tracee over Falco, a failed exec", merge(fa({ evtRes: "EACCES" }), tl())],
    ["Falco over Tracee, evt.res absent", merge(fa({ evtRes: undefined }), tl())],
    ["Tracee over Tracee v1beta1", merge(tl(), tv())],
    ["Tracee v1beta1 over Tracee, an execve event", merge(tl({ eventName: "execve" }), tv())],
    ["Tracee over Tracee v1beta1, eventName a list", merge(tl({ eventName: ["x", "sched_process_exec"] }), tv())],
    ["Tetragon over ECS", merge(tg(), ecs)],
    ["ECS over Tracee v1beta1 without a workload object", merge(ecs, tv({ workload: false }))],
    ["raw audit Event over Tetragon", merge(audit, tg())],
    ["raw audit Event over Falco", merge(audit, fa())],
  ];
  // flags as a list: one of its elements holds procFS
  (pairs[5][1] as Obj).process_exec.process.flags = ["execve", "procFS clone"];
  const texts: string[] = [];
  const what: string[] = [];
  for (const [name, rec] of pairs) {
    for (const p of [0, 1, 0.5]) {
      texts.push(sensorText(respell(rec, rng(texts.length), p)));
      what.push(`${name} (flattened with p ${p})`);
    }
  }
  for (const keyMode of ["pod", "namespace-pod"] as const) {
    const printed = printedKeys(texts, keyMode);
    texts.forEach((t, i) => expect(vrlRoute(t, keyMode), `${what[i]}: ${t.slice(0, 300)}`).toBe(printed[i]));
    // both readings of a pair occur: the grid tells the shapes' order apart
    const pods = new Set(printed.map((k) => k.split("/").pop()));
    for (const pod of ["tg-pod", "falco-pod", "tracee-pod", "v1-pod", "ecs-pod", "audit-pod"]) expect(pods, pod).toContain(pod);
  }
});

test("records that are no candidate: the VRL does not fail, and routes a record naming a pod with that pod", () => {
  const allow = s2raw(100, { decision: "allow", pod: "web-1", ns: "shop" });
  const forbid = s2raw(100, { pod: "web-1", ns: "shop" });
  const ls = s1(0, { name: "ls", pod: "web-1", ns: "shop" });
  const others = [{ log: "plain container line", stream: "stdout" }, { message: JSON.stringify(allow) }, "not json at all", "[1,2]", "{}"];
  for (const keyMode of ["pod", "namespace-pod"] as const) {
    const texts = [allow, ls, ...others].map(line);
    expect(printedKeys(texts, keyMode).every((k) => k === "")).toBe(true);
    const expected = keyMode === "pod" ? "web-1" : "shop/web-1";
    expect(vrlRoute(line(forbid), keyMode)).toBe(expected);
    expect(vrlRoute(line(allow), keyMode)).toBe(expected);
    expect(vrlRoute(line(ls), keyMode)).toBe(expected);
    for (const o of others.filter((o) => !(typeof o === "object" && "message" in o))) expect(vrlRoute(line(o), keyMode)).toBe("");
    // an audit Event carried in a log line's text is read in its place, by both
    for (const carried of [{ message: JSON.stringify(forbid) }, { log: JSON.stringify(forbid) + "\n", stream: "stdout" }]) {
      expect(printedKeys([line(carried)], keyMode)).toEqual([expected]);
      expect(vrlRoute(line(carried), keyMode)).toBe(expected);
    }
    expect(vrlRoute(line({ message: JSON.stringify(allow) }), keyMode)).toBe(expected);
  }
});

test("an audit Event carried in a log line: read where podprobe reads it, the first carrier that looks like one deciding", () => {
  const forbid = (pod: string) => s2raw(100, { pod, ns: "shop" });
  const text = (r: unknown) => JSON.stringify(r);
  const notAudit = text({ kind: "Note", apiVersion: "audit.k8s.io/v1", note: "names the marker" });
  const records: Obj[] = [
    { log: text(forbid("in-log")), stream: "stdout" },
    { message: text(forbid("in-message")) },
    { log: text(forbid("in-log")), message: text(forbid("in-message")) },
    { log: notAudit, message: text(forbid("in-message")) }, // log looks like one and is not: podprobe stops there
    { log: text(forbid("in-log")).slice(0, 200), message: text(forbid("in-message")) }, // cut: invalid, stops there too
    { log: "plain text naming audit.k8s.io/", message: text(forbid("in-message")) }, // no object: looked past
    { log: "   " + text(forbid("after-spaces")) },
    { log: "\n" + text(forbid("after-a-newline")), message: text(forbid("in-message")) },
    { log: 7, message: text(forbid("in-message")) },
    { ...forbid("outer"), log: text(forbid("in-log")) }, // the line's own record is an audit Event: it counts
    { ...s1(0, { pod: "outer-exec", ns: "shop" }), message: text(forbid("in-message")) },
    { ...tetragonExec({ ...EXEC, pod: "outer-tetragon", ns: "shop" }), message: text(forbid("in-message")) },
  ];
  const texts = records.map(text);
  for (const keyMode of ["pod", "namespace-pod"] as const) {
    const printed = printedKeys(texts, keyMode);
    texts.forEach((t, i) => expect(vrlRoute(t, keyMode), t.slice(0, 300)).toBe(printed[i]));
    expect(new Set(printed.map((k) => k.split("/").pop())), "outer and carried records, keyed and not").toEqual(new Set(["in-log", "in-message", "", "after-spaces", "outer"]));
  }
});

test("the route key stays out of the record: the agent's Kafka message is the line's record, unchanged", () => {
  for (const rec of Object.values(shapes("web-1", "shop"))) {
    const text = line(rec);
    const r = routePrograms.pod.run(newEvent({ message: text, file: "/f", host: "h", source_type: "file", timestamp: "t" }));
    expect(JSON.parse(toJson(r.event.value))).toEqual(JSON.parse(text));
    expect(r.event.metadata.get("podprobe_route")).toBe("web-1");
  }
});
