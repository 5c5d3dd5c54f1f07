// A literal prefilter (a record must hold a value a rule compares with, or it is skipped unread) stays sound for
// the sensor shapes only if it knows how each field's values can appear in a record: as the record's own JSON
// token (a path, a selected element), inside one of its strings (a basename, split arguments, a container id
// after its scheme), or not at all (a constant, a derived boolean). shapes.ts's `spelling` says which; these
// sensor events are candidates although the values the seed rule compares are no JSON token of theirs.
import { expect, test } from "vitest";
import { SEED_RULE } from "../host/index.js";
import { spelling } from "../host/rules/shapes.js";
import { run, s2raw } from "./helpers.js";
import { falcoExec, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec } from "./sensors.js";

test("how each field the seed rule compares can appear in a record, over every shape", () => {
  expect(spelling("event.category")).toBe("none"); // a constant of the sensor shapes
  expect(spelling("event.action")).toBe("none");
  expect(spelling("host.os.type")).toBe("none");
  expect(spelling("process.interactive")).toBe("none"); // a boolean the sensor shapes compute
  expect(spelling("process.name")).toBe("substring"); // Tetragon: the binary path's basename
  expect(spelling("process.args")).toBe("substring"); // Tetragon and Falco: split from one string
  expect(spelling("container.id")).toBe("substring"); // Tetragon: after the runtime's scheme
  expect(spelling("orchestrator.resource.name")).toBe("token");
  expect(spelling("kubernetes.audit.stage")).toBe("token");
  expect(spelling("kubernetes.audit.annotations.authorization_k8s_io/decision")).toBe("token");
  expect(spelling("event.dataset")).toBe("none"); // the raw audit shape's constant
});

const E: Exec = { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.000000000Z", binary: "/usr/bin/curl", argv: ["curl", "-k", "https://kubernetes.default.svc"], pid: 3 };
const shell: Exec = { ...E, binary: "/bin/busybox", argv: ["busybox", "wget", "http://x"] };
const AUDIT = s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.200000000Z" });
const quoted = (line: string, v: string) => line.includes(JSON.stringify(v));

test("sensor execs whose compared values are no JSON token of the record are still candidates, and match", () => {
  const tetragon = sensorLine(tetragonExec(E));
  // no "curl", "exec", "start" or "linux" token in the record: the name is inside "/usr/bin/curl"
  for (const v of ["curl", "exec", "start", "linux"]) expect(quoted(tetragon, v), v).toBe(false);
  expect(run([tetragon, AUDIT]).stats.matches).toBe(1);
  // a shell whose argument "wget" is inside Tetragon's one arguments string
  const busybox = sensorLine(tetragonExec(shell));
  expect(quoted(busybox, "wget")).toBe(false);
  expect(quoted(busybox, "busybox")).toBe(false);
  expect(run([busybox, AUDIT]).stats.matches).toBe(1);
  // Falco and Tracee spell the name, but never the ECS constants
  for (const rec of [falcoExec(E), traceeLegacyExec(E), traceeV1Exec(E)]) {
    const l = sensorLine(rec, E.time);
    for (const v of ["exec", "start", "linux"]) expect(quoted(l, v), v).toBe(false);
    expect(run([l, AUDIT]).stats.matches).toBe(1);
  }
});

test("every value of a 'substring' field the seed rule compares appears inside the record's text", () => {
  const values = (f: string): string[] => {
    const out: string[] = [];
    const walk = (e: any) => {
      if (e.all || e.any) (e.all ?? e.any).forEach(walk);
      else if (e.not) walk(e.not);
      else if (e.eq === f) out.push(...e.values);
    };
    walk(SEED_RULE.stages[0].when);
    return out;
  };
  const argsOf = new Set(values("process.args"));
  const names = new Set(values("process.name"));
  for (const e of [E, shell, { ...E, binary: "/usr/local/bin/kubectl", argv: ["kubectl", "auth", "can-i", "--list"] }]) {
    for (const rec of [tetragonExec(e), falcoExec(e, { indexed: 0 })]) {
      const text = sensorLine(rec, e.time); // (these values hold nothing JSON escapes)
      for (const a of e.argv) if (argsOf.has(a)) expect(text.includes(a), a).toBe(true);
      const base = e.binary.split("/").pop()!;
      if (names.has(base)) expect(text.includes(base), base).toBe(true);
    }
  }
});
