// Process events of the open-source sensors (Tetragon, Falco, Tracee) are record shapes: each saved example event
// is read as the ECS process event it stands for (test/sensors.ts's reference reading), tags and alerts as that
// ECS document does, and each sensor's stand-in for process.interactive is true and false where it should be.
import { expect, test } from "vitest";
import { createCorrelator, SEED_RULE, type SequenceRule } from "../host/index.js";
import { INTERACTIVE_SOURCE } from "../host/rules/shapes.js";
import { PROFILES } from "../host/rules/profiles.js";
import { run, s2raw, SMALL, isAlertRecord, untag } from "./helpers.js";
import { ecsOf, ecsRecord, falcoExec, nsOf, isoNs, savedEvents, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec, type Obj } from "./sensors.js";

const FIELDS = ["process.name", "process.args", "process.executable", "process.interactive", "process.pid", "container.id", "orchestrator.resource.name", "orchestrator.namespace", "event.category", "event.type", "event.action", "host.os.type"];

/** A single-event rule matching every exec: its alert shows how each field was read. */
const PROBE: SequenceRule = {
  ...structuredClone(SEED_RULE),
  id: "probe",
  name: "probe",
  stages: [
    {
      when: { eq: "event.action", values: ["exec"] },
      keys: ["orchestrator.resource.name"],
      namespace: { field: "orchestrator.namespace", from: "value" },
      time: "@timestamp",
      summary: [...FIELDS.map((name) => ({ name })), { name: "interactive_source", field: INTERACTIVE_SOURCE }],
    },
  ],
  message: "probe",
};

/** Each input line with the probe's reading of it (undefined: not an exec podprobe reads). */
function readings(lines: string[]): { line: string; time?: string; fields?: Obj; raw?: string }[] {
  const out = run(lines, { rules: [PROBE], latenessMs: 86_400_000 }).lines;
  const res: { line: string; time?: string; fields?: Obj; raw?: string }[] = [];
  for (const l of out) {
    if (isAlertRecord(l)) {
      const a = JSON.parse(l);
      Object.assign(res[res.length - 1], { time: a["@timestamp"], fields: a.podprobe.events[0], raw: l });
    } else res.push({ line: l });
  }
  return res;
}

const asList = (v: unknown) => (Array.isArray(v) ? v : [v]);
const get = (o: Obj, path: string) => path.split(".").reduce((x: any, k) => (x == null ? undefined : x[k]), o);

/** The summary fields an ECS document yields, as podprobe renders them (a time in nanoseconds). */
function expected(d: Obj) {
  const o: Obj = {};
  for (const f of FIELDS) {
    const v = get(d, f);
    if (v !== undefined && v !== null) o[f] = f.startsWith("event.category") || f === "event.type" ? asList(v) : v;
  }
  return o;
}

function actual(fields: Obj) {
  const o: Obj = {};
  for (const f of FIELDS) if (fields[f] !== undefined) o[f] = f === "event.category" || f === "event.type" ? asList(fields[f]) : fields[f];
  return o;
}

test("each saved example event is read as the ECS process event it stands for, or not at all", () => {
  const saved = savedEvents();
  expect(saved.length).toBe(9);
  const got = readings(saved.map((s) => s.line));
  let execs = 0;
  got.forEach((g, i) => {
    expect(untag(g.line)).toBe(saved[i].line); // every record passes byte-identical (but for the probe's tag)
    const d = ecsOf(JSON.parse(saved[i].line), saved[i].line);
    const time = d?.["@timestamp"];
    if (!d || time === undefined || typeof time === "object" && typeof time !== "bigint") {
      // no exec (Tracee's execve), or no time podprobe reads (the hand-written illustration): no candidate
      expect(g.fields, saved[i].file).toBeUndefined();
      return;
    }
    execs++;
    expect(actual(g.fields!), saved[i].file).toEqual(expected(d));
    expect(g.fields!.interactive_source, saved[i].file).toBe(d.__interactive_source);
    expect(nsOf(g.time!), saved[i].file).toBe(typeof time === "bigint" ? time : nsOf(time as string));
  });
  expect(execs).toBe(7); // 3 Tetragon, 3 Falco, Tracee's released schema
});

/** A rule that pairs any exec in a container with a forbidden request of the same pod (the seed rule's shape). */
const ANY_EXEC: SequenceRule = {
  ...structuredClone(SEED_RULE),
  id: "any-exec-then-forbid",
  name: "Any exec then forbidden",
  stages: [{ ...SEED_RULE.stages[0], when: { all: [{ eq: "event.category", values: ["process"] }, { eq: "event.action", values: ["exec"] }, { exists: "container.id" }] } }, SEED_RULE.stages[1]],
};

/** Tags and alerts without what differs by construction: the ids (hashes of the records' bytes) and the signal. */
function normalised(lines: string[]) {
  return lines.map((l) => {
    const o = JSON.parse(l);
    const strip = (ev: Obj) => {
      const { interactive_source, "@timestamp": t, ...rest } = ev;
      void interactive_source;
      return { ...rest, time: typeof t === "string" ? String(nsOf(t.includes(".") ? t : t.replace("Z", ".0Z"))) : String(t) };
    };
    if (o.podprobe?.alerts) return o.podprobe.alerts.map((a: Obj) => ({ ...a, sequence: { ...a.sequence, id: "" }, peer: a.sequence.index === 1 ? strip(a.peer) : a.peer }));
    if (o.event?.kind === "alert") return { ...o, podprobe: { ...o.podprobe, sequence: { ...o.podprobe.sequence, id: "" }, events: [strip(o.podprobe.events[0]), o.podprobe.events[1]] } };
    return null;
  });
}

test("each saved exec in a pod tags and alerts exactly as its ECS document does, paired with an audit Event of its pod", () => {
  const pairs: { t: bigint; sensor: string; ecs: string }[] = [];
  for (const s of savedEvents()) {
    const d = ecsOf(JSON.parse(s.line), s.line);
    const pod = d && get(d, "orchestrator.resource.name");
    const time = d?.["@timestamp"];
    if (!d || pod === undefined || typeof time !== "string") continue;
    const t = nsOf(time);
    const audit = JSON.stringify(s2raw(0, { pod, time: isoNs(t + 300_000_000n), auditId: `a-${pod}` }));
    pairs.push({ t, sensor: s.line, ecs: JSON.stringify(ecsRecord(d)) }, { t: t + 300_000_000n, sensor: audit, ecs: audit });
  }
  pairs.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  expect(pairs.length).toBe(12); // Tetragon's 3 and Falco's 3, each with its audit Event
  const opts = { rules: [ANY_EXEC] };
  const fromSensors = run(pairs.map((p) => p.sensor), opts);
  const fromEcs = run(pairs.map((p) => p.ecs), opts);
  expect(fromSensors.stats.matches).toBe(6);
  expect(normalised(fromSensors.lines)).toEqual(normalised(fromEcs.lines));
  // the sensor records themselves pass byte-identical; each alert names the sensor's signal
  expect(fromSensors.records.filter((l) => !l.includes('"kind":"Event"'))).toEqual(pairs.filter((p) => !p.sensor.includes('"kind":"Event"')).map((p) => p.sensor));
  expect(fromSensors.alerts.map((a) => a.podprobe.events[0].interactive_source).sort()).toEqual([...Array(3).fill("falco:proc.tty"), ...Array(3).fill("tetragon:in_init_tree")]);
  expect(fromEcs.alerts.every((a) => !("interactive_source" in a.podprobe.events[0]))).toBe(true);
});

// ── process.interactive, each sensor's stand-in ─────────────────────────────────────────────────────────
const E: Exec = { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.000000100Z", binary: "/usr/bin/curl", argv: ["curl", "-k", "https://kubernetes.default.svc/api"], pid: 41 };

function interactiveOf(rec: Obj): unknown {
  const [g] = readings([sensorLine(rec, E.time)]);
  expect(g.fields, JSON.stringify(rec).slice(0, 120)).toBeDefined();
  return g.fields!["process.interactive"];
}

test("Tetragon: not in the container's init tree and no exec probe is interactive; in it, or a probe, is not; no field, no value", () => {
  expect(interactiveOf(tetragonExec(E, { inInitTree: false }))).toBe(true);
  expect(interactiveOf(tetragonExec(E, { inInitTree: true }))).toBe(false);
  expect(interactiveOf(tetragonExec(E, { inInitTree: false, probe: true }))).toBe(false);
  expect(interactiveOf(tetragonExec(E, { inInitTree: null }))).toBeUndefined(); // before v1.3
});

test("Falco: a controlling terminal (proc.tty ≠ 0) is interactive; 0 is not; null or no field, no value", () => {
  expect(interactiveOf(falcoExec(E, { tty: 34816 }))).toBe(true);
  expect(interactiveOf(falcoExec(E, { tty: 0 }))).toBe(false);
  expect(interactiveOf(falcoExec(E, { tty: null }))).toBeUndefined();
  expect(interactiveOf(falcoExec(E, { tty: undefined }))).toBeUndefined();
});

test("Tracee, both schemas: stdin a character device that is a terminal is interactive; /dev/null, a pipe or no path is not", () => {
  for (const make of [traceeLegacyExec, traceeV1Exec]) {
    expect(interactiveOf(make(E, { stdinType: "S_IFCHR", stdinPath: "/dev/pts/3" }))).toBe(true);
    expect(interactiveOf(make(E, { stdinType: 8192, stdinPath: "/dev/tty1" }))).toBe(true);
    expect(interactiveOf(make(E, { stdinType: "S_IFCHR", stdinPath: "/dev/console" }))).toBe(true);
    expect(interactiveOf(make(E, { stdinType: "S_IFCHR", stdinPath: "/dev/null" }))).toBe(false);
    expect(interactiveOf(make(E, { stdinType: "S_IFCHR", stdinPath: "/dev/ptmx" }))).toBe(false);
    expect(interactiveOf(make(E, { stdinType: "S_IFIFO", stdinPath: "pipe:[4242]" }))).toBe(false);
    expect(interactiveOf(make(E, { stdinType: "S_IFCHR", stdinPath: null }))).toBe(false); // older Tracee: type alone
  }
});

test("the seed rule fires on each sensor's interactive curl, and not when its signal says no", () => {
  const yes = [tetragonExec(E), falcoExec(E), traceeLegacyExec(E), traceeV1Exec(E)];
  const no = [tetragonExec(E, { inInitTree: true }), falcoExec(E, { tty: 0 }), traceeLegacyExec(E, { stdinPath: "/dev/null" }), traceeV1Exec(E, { stdinType: "S_IFIFO" })];
  const audit = s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.300000000Z" });
  for (const rec of yes) {
    const r = run([sensorLine(rec, E.time), audit]);
    expect(r.stats.matches, JSON.stringify(rec).slice(0, 80)).toBe(1);
    expect(r.alerts[0].podprobe.events[0]).toMatchObject({ "process.name": "curl", "container.id": expect.stringMatching(/^[0-9a-f]{64}$/), "orchestrator.namespace": "shop" });
  }
  for (const rec of no) expect(run([sensorLine(rec, E.time), audit]).stats.matches).toBe(0);
});

// ── what is not an exec, and what is not a container ────────────────────────────────────────────────────
test("Tetragon's /proc scan at start-up (flag procFS) is no exec: not a candidate, no sequence", () => {
  const audit = s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.300000000Z" });
  const scan = run([sensorLine(tetragonExec(E, { flags: "procFS auid rootcwd" })), audit]);
  expect(scan.stats).toMatchObject({ candidates_stage1: 0, matches: 0 });
  expect(scan.records[0]).toBe(sensorLine(tetragonExec(E, { flags: "procFS auid rootcwd" })));
  expect(run([sensorLine(tetragonExec(E, { flags: "execve rootcwd clone" })), audit]).stats.matches).toBe(1);
});

test("Tetragon's arguments marked truncated (flag truncArgs) are counted, args_truncated", () => {
  const r = run([sensorLine(tetragonExec(E, { flags: "execve truncArgs clone" })), sensorLine(tetragonExec(E)), { log: "x" }]);
  expect(r.stats.args_truncated).toBe(1);
  expect(r.stats.candidates_stage1).toBe(2); // still read, on the arguments it has
});

test("Falco alerts of other events, or of a failed execve, are not execs", () => {
  const audit = s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.300000000Z" });
  expect(run([sensorLine(falcoExec(E, { evtType: "connect" })), audit]).stats.candidates_stage1).toBe(0);
  expect(run([sensorLine(falcoExec(E, { evtRes: "ENOENT" })), audit]).stats.candidates_stage1).toBe(0);
  expect(run([sensorLine(falcoExec(E, { evtType: "execveat" })), audit]).stats.matches).toBe(1);
});

test("a host process (Falco's container \"host\", Tracee's empty ids, no pod) has no container.id and no pod", () => {
  const host: Exec = { ...E, pod: undefined };
  for (const rec of [falcoExec(host), traceeLegacyExec(host), traceeLegacyExec(host, { flatPod: true }), traceeV1Exec(host), tetragonExec(host)]) {
    const [g] = readings([sensorLine(rec, E.time)]);
    expect(g.fields!["container.id"]).toBeUndefined();
    expect(g.fields!["orchestrator.resource.name"]).toBeUndefined();
  }
});

test("Tetragon's container id without its runtime scheme; Tracee's pod in both of its spellings", () => {
  for (const runtime of ["containerd", "cri-o", "docker"]) {
    const [g] = readings([sensorLine(tetragonExec({ ...E, containerId: "ab".repeat(32) }, { runtime }))]);
    expect(g.fields!["container.id"]).toBe("ab".repeat(32));
  }
  const [flat] = readings([sensorLine(traceeLegacyExec(E, { flatPod: true }), E.time)]);
  expect(flat.fields).toMatchObject({ "orchestrator.resource.name": "web-1", "orchestrator.namespace": "shop" });
});

test("Tetragon without a top-level time is timed by the process's start; Tracee's epoch nanoseconds are exact beyond 2^53", () => {
  const [g] = readings([sensorLine(tetragonExec(E, { withTime: false }))]);
  expect(g.time).toBe("2026-01-21T10:00:00.000000100Z");
  // 1 s apart to the nanosecond matches the 1 s span; 1 ns more does not
  const t = "2026-01-21T10:00:00.123456789Z";
  const stage1 = sensorLine(traceeLegacyExec({ ...E, time: t }), t);
  expect(stage1).toContain(`"timestamp":${nsOf(t)}`);
  expect(nsOf(t) > 2n ** 53n).toBe(true);
  const at = (ns: bigint) => s2raw(0, { pod: "web-1", ns: "shop", time: isoNs(ns) });
  expect(run([stage1, at(nsOf(t) + 1_000_000_000n)]).stats.matches).toBe(1);
  expect(run([stage1, at(nsOf(t) + 1_000_000_001n)]).stats.matches).toBe(0);
});

test("the process summary names the signal for ECS-less sources only; ECS events keep their summary as before", () => {
  expect(PROFILES.process.summary.map((s) => s.name)).toContain("interactive_source");
  const audit = s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.300000000Z" });
  const ecs = ecsRecord(ecsOf(tetragonExec(E))!);
  const r = run([ecs, audit], SMALL);
  expect(r.stats.matches).toBe(1);
  expect(Object.keys(r.tagged[0].tag.alerts[0].peer)).not.toContain("interactive_source");
});

test("`podprobe key` prints each sensor exec's pod (and namespace/pod), the key the engine joins on", () => {
  for (const rec of [tetragonExec(E), falcoExec(E), traceeLegacyExec(E), traceeLegacyExec(E, { flatPod: true }), traceeV1Exec(E)]) {
    for (const keyMode of ["pod", "namespace-pod"] as const) {
      const c = createCorrelator({ ...SMALL, keyMode });
      expect(c.keys(sensorLine(rec, E.time) + "\n").toString(), keyMode).toBe(keyMode === "pod" ? "web-1\n" : "shop/web-1\n");
    }
  }
});
