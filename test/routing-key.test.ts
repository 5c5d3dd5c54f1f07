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

test("the route key stays out of the record: the agent's Kafka message is the line's record, unchanged", () => {
  for (const rec of Object.values(shapes("web-1", "shop"))) {
    const text = line(rec);
    const r = routePrograms.pod.run(newEvent({ message: text, file: "/f", host: "h", source_type: "file", timestamp: "t" }));
    expect(JSON.parse(toJson(r.event.value))).toEqual(JSON.parse(text));
    expect(r.event.metadata.get("podprobe_route")).toBe("web-1");
  }
});
