// The sensors' exec events through every entry — CLI, library, serve (socket mode) and the Fluent Bit filter —
// each paired with a raw audit Event of its pod: tagged and alerted as the seed rule does for ECS input, the
// same output from each entry (Fluent Bit writes no alert records), and the saved example events pass through.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { COUNTER_NAMES } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { run, s2raw, T0, ts, isAlertRecord } from "./helpers.js";
import { SocketSource, socketSink, until, startServe } from "./serve-helpers.js";
import { ecsOf, ecsRecord, falcoExec, savedEvents, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec, type Obj } from "./sensors.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));

/** Each sensor's interactive curl in its own pod, then a forbidden request of that pod's service account. */
const SENSORS: [string, (e: Exec) => Obj][] = [
  ["tetragon:in_init_tree", (e) => tetragonExec(e)],
  ["falco:proc.tty", (e) => falcoExec(e)],
  ["tracee:stdin", (e) => traceeLegacyExec(e)],
  ["tracee:stdin", (e) => traceeV1Exec(e)],
];

function stream(): { lines: string[]; ecs: string[] } {
  // the saved examples first (their own, older times: none is the seed rule's candidate)
  const lines = savedEvents().map((s) => s.line);
  const ecs = [...lines];
  SENSORS.forEach(([, make], i) => {
    const e: Exec = { pod: `web-${i}`, ns: "shop", time: ts(i * 2000), binary: "/usr/bin/curl", argv: ["curl", "-sk", "-H", "Authorization: Bearer abc.def", "https://kubernetes.default.svc/api/v1/secrets"], pid: 100 + i };
    const rec = make(e);
    const audit = JSON.stringify(s2raw(i * 2000 + 250, { pod: e.pod, ns: "shop", auditId: `audit-${i}` }));
    lines.push(sensorLine(rec, e.time), audit);
    ecs.push(JSON.stringify(ecsRecord(ecsOf(rec, sensorLine(rec, e.time))!)), audit);
  });
  return { lines, ecs };
}

function checkDetections(out: string[], input: string[], alerts: boolean) {
  const records = out.filter((l) => !isAlertRecord(l));
  expect(records.length).toBe(input.length);
  let tagged = 0;
  records.forEach((l, i) => {
    if (!l.includes('"podprobe":{"alerts":')) {
      expect(l).toBe(input[i]); // byte-identical
      return;
    }
    tagged++;
    const peer = JSON.parse(l).podprobe.alerts[0].peer;
    expect(peer["process.name"]).toBe("curl");
    expect(peer["process.args"][0]).toMatch(/curl$/);
    expect(peer["process.args"]).toContain("https://kubernetes.default.svc/api/v1/secrets");
    expect(peer.interactive_source).toBe(SENSORS[(tagged - 1)][0]);
  });
  expect(tagged).toBe(SENSORS.length);
  const alertRecords = out.filter(isAlertRecord).map((l) => JSON.parse(l));
  expect(alertRecords.length).toBe(alerts ? SENSORS.length : 0);
  alertRecords.forEach((a, i) => {
    expect(a.podprobe.events[0].interactive_source).toBe(SENSORS[i][0]);
    expect(a.orchestrator.resource.name).toBe(`web-${i}`);
    expect(a.podprobe.sequence.span_ms).toBe(250);
  });
}

test("library: each sensor's curl and its pod's forbidden request: tagged, alerted — as the same events in ECS are", () => {
  const { lines, ecs } = stream();
  const r = run(lines);
  checkDetections(r.lines, lines, true);
  const e = run(ecs);
  expect(e.stats.matches).toBe(SENSORS.length);
  // the same tags and alerts but for the ids (they hash the records' bytes) and the signal's name
  const strip = (ls: string[]) =>
    ls.filter((l) => l.includes('"podprobe":')).map((l) => l.replace(/"id":"[0-9a-f]{16}"/g, "").replace(/,?"interactive_source":"[^"]*"/g, "").replace(/"@timestamp":("[^"]*"|\d+),/g, ""));
  expect(strip(r.lines)).toEqual(strip(e.lines));
});

test("CLI: the same output as the library", () => {
  const { lines } = stream();
  const cli = spawnSync(process.execPath, [BIN, "--stats"], { input: lines.join("\n") + "\n", encoding: "utf8" });
  expect(cli.status).toBe(0);
  const out = cli.stdout.split("\n").filter(Boolean);
  checkDetections(out, lines, true);
  expect(out).toEqual(run(lines, {}, Date.now()).lines);
  expect(JSON.parse(cli.stderr)).toMatchObject({ matches: SENSORS.length, candidates_stage1: SENSORS.length, args_truncated: 0 });
});

test("serve (socket mode): the same output as the library", async () => {
  const { lines } = stream();
  const source = await new SocketSource().start();
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url });
  const sink = await socketSink(running.address());
  sink.write(lines.join("\n") + "\n");
  await until(() => source.lines.length === lines.length + SENSORS.length, 8000, "records and alerts");
  checkDetections(source.lines, lines, true);
  expect(source.lines).toEqual(run(lines).lines);
  sink.destroy();
  await source.stop();
});

test("Fluent Bit filter: each record tagged as the library tags it (the filter writes no alert records)", () => {
  const { lines } = stream();
  const f = new FluentBitFilter();
  const out = lines.map((l) => f.call(l, T0 + 10_000).toString());
  checkDetections(out, lines, false);
  expect(out).toEqual(run(lines).records);
});

test("every entry counts the same", () => {
  const { lines } = stream();
  const lib = run(lines).stats;
  const f = new FluentBitFilter();
  for (const l of lines) f.call(l, T0 + 10_000);
  const names = ["records_in", "candidates_stage1", "candidates_stage2", "matches", "no_time", "args_truncated"] as const;
  for (const n of names) expect(f.counter(COUNTER_NAMES.indexOf(n)), n).toBe(lib[n]);
  expect(lib.matches).toBe(SENSORS.length);
});
