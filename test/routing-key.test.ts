// SPEC §10: `podprobe key` (and correlator.keys) prints, for every record shape, exactly the key the engine
// joins on — so agents can publish to Kafka keyed by it and aggregators shard with no coordination.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { line, run, s1, s2ecs, s2raw, SMALL, T0 } from "./helpers.js";

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
