// SPEC §2 shape 4: kube-apiserver writing its audit log to stdout — each Event wrapped in a container log line. A
// `log` (Fluent Bit's CRI/docker parsers) or `message` (Vector's kubernetes_logs) string whose text is a raw
// audit Event is read exactly like the raw line; the tag goes on the outer record, which otherwise leaves
// byte-identical. Embedded text that is no valid JSON object (a truncated line) passes through, counted.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCorrelator, COUNTER_NAMES } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { line, run, s1, s2raw, untag, T0, SMALL, type S2 } from "./helpers.js";
import { SocketSource, socketSink, until, startServe } from "./serve-helpers.js";

const K8S = { pod_name: "kube-apiserver-cp-1", namespace_name: "kube-system", container_name: "kube-apiserver" };

/** After Fluent Bit's CRI parser: the Event's text in `log`. */
const cri = (event: unknown) => line({ time: "2026-01-21T10:00:00.400000000Z", stream: "stdout", logtag: "F", log: JSON.stringify(event), kubernetes: K8S });
/** After Fluent Bit's docker parser: the text ends with the newline the runtime kept. */
const docker = (event: unknown) => line({ log: JSON.stringify(event) + "\n", stream: "stdout", time: "2026-01-21T10:00:00.4Z", kubernetes: K8S });
/** Vector's kubernetes_logs source: the text in `message`. */
const vector = (event: unknown) => line({ message: JSON.stringify(event), kubernetes: K8S, source_type: "kubernetes_logs", stream: "stdout" });
/** Non-ASCII escaped as \uXXXX, as Fluent Bit's json.escape_unicode writes it. */
const escapeUnicode = (s: string) => s.replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));

const forbid = (ms: number, o: S2 = {}) => s2raw(ms, { auditId: `embedded-${ms}`, ...o });

test.each([
  ["Fluent Bit CRI parser (log)", cri],
  ["Fluent Bit docker parser (log, trailing newline)", docker],
  ["Vector kubernetes_logs (message)", vector],
])("%s: the embedded Event completes the sequence; the outer record carries the tag", (_, wrap) => {
  const outer = wrap(forbid(300));
  const r = run([s1(0), outer]);
  expect(r.stats.matches).toBe(1);
  expect(r.stats.embedded_invalid).toBe(0);
  expect(r.tagged.map((t) => t.index)).toEqual([1]);
  expect(untag(r.records[1])).toBe(outer);
  const tag = r.tagged[0].tag.alerts[0];
  expect(tag.sequence).toMatchObject({ index: 1, key: "pod-a" });
  // the alert shows the Event's own fields, read from the embedded text
  const audit = r.alerts[0].podprobe.events[1];
  expect(audit["kubernetes.audit.auditID"]).toBe("embedded-300");
  expect(audit["kubernetes.audit.userAgent"]).toBe("curl/8");
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(300); // the Event's requestReceivedTimestamp, not the log line's
});

test("escaped text inside the embedded Event reads decoded: quotes, backslashes, \\u escapes of the outer line", () => {
  const ua = 'curl/8 "quoted" back\\slash caf\u00e9';
  const pod = "p\u00e9-1";
  const outer = escapeUnicode(cri(forbid(250, { pod: pod, extra: { userAgent: ua } })));
  expect(outer).toContain("\\\\\\\"quoted\\\\\\\""); // the outer text escapes the inner escapes
  expect(outer).toContain("\\u00e9");
  const r = run([s1(0, { pod }), outer]);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.events[1]["kubernetes.audit.userAgent"]).toBe(ua);
  expect(r.alerts[0].podprobe.sequence.key).toBe(pod);
  expect(untag(r.records[1])).toBe(outer);
});

/** The Event's text cut just after its decision (so the record still holds every literal the seed rule requires). */
const cutAfterDecision = (event: unknown) => {
  const text = JSON.stringify(event);
  return text.slice(0, text.indexOf('"forbid"') + '"forbid"'.length);
};

test("a truncated embedded Event passes through byte-identical and is counted (embedded_invalid) when inspected", () => {
  const cut = line({ stream: "stdout", logtag: "P", log: cutAfterDecision(forbid(300)), kubernetes: K8S });
  const r = run([s1(0), cut]);
  expect(r.records[1]).toBe(cut);
  expect(r.stats).toMatchObject({ embedded_invalid: 1, candidates_stage2: 0, matches: 0, invalid: 0 });
  // cut before its decision, the line holds no literal the rule requires: with validate "candidates" it passes
  // uninspected (like an invalid record), with validate "all" it is inspected and counted
  const early = line({ stream: "stdout", logtag: "P", log: JSON.stringify(forbid(300)).slice(0, 180), kubernetes: K8S });
  expect(run([s1(0), early]).stats).toMatchObject({ embedded_invalid: 0, prefilter_skipped: 1 });
  const all = run([s1(0), early], { validate: "all" });
  expect(all.records[1]).toBe(early);
  expect(all.stats).toMatchObject({ embedded_invalid: 1, candidates_stage2: 0, matches: 0, invalid: 0, prefilter_skipped: 0 });
});

test("ordinary log lines, JSON or not, are left alone and not counted", () => {
  const lines = [
    line({ log: JSON.stringify({ level: "info", msg: "GET /healthz" }), stream: "stdout" }),
    line({ log: "{ not json, mentions audit.k8s.io/v1", stream: "stderr" }),
    line({ message: JSON.stringify({ kind: "Pod", apiVersion: "v1", note: "audit.k8s.io/v1" }) }),
    line({ log: "plain text", stream: "stdout" }),
  ];
  const r = run([s1(0), ...lines]);
  expect(r.records.slice(1)).toEqual(lines);
  expect(r.stats).toMatchObject({ embedded_invalid: 0, candidates_stage2: 0, invalid: 0 });
});

test("an embedded Event with decision allow is no candidate; a raw line and its embedded form give the same key", () => {
  expect(run([s1(0), cri(forbid(300, { decision: "allow" }))]).stats.candidates_stage2).toBe(0);
  const c = createCorrelator({ ...SMALL, clock: () => T0 + 10_000 });
  const keys = c.keys([line(forbid(300, { pod: "web-1" })), cri(forbid(300, { pod: "web-1" })), vector(forbid(300, { pod: "web-2" }))].join("\n") + "\n", true);
  expect(keys.toString()).toBe("web-1\nweb-1\nweb-2\n");
});

test("CLI: embedded Events are read, truncated ones counted", () => {
  const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
  const input = [line(s1(0)), cri(forbid(300)), line({ log: JSON.stringify(forbid(400)).slice(0, 100) })].join("\n") + "\n";
  // (cut early, the last line holds no literal the rule requires: validate all inspects it)
  const r = spawnSync(process.execPath, [BIN, "--stats", "--validate", "all"], { input, encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stderr.trim())).toMatchObject({ matches: 1, embedded_invalid: 1, records_in: 3 });
  expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(4);
});

test("serve: an embedded Event from Vector's kubernetes_logs completes the sequence", async () => {
  const source = await new SocketSource().start();
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url });
  const sink = await socketSink(running.address());
  const outer = vector(forbid(300));
  sink.write([line(s1(0)), outer, line({ message: cutAfterDecision(forbid(500)) })].join("\n") + "\n");
  await until(() => source.lines.length === 4, 5000, "records and the alert");
  expect(untag(source.lines[1])).toBe(outer);
  expect(JSON.parse(source.lines[1]).podprobe.alerts[0].sequence.index).toBe(1);
  expect(running.correlator.stats()).toMatchObject({ matches: 1, embedded_invalid: 1 });
  sink.destroy();
  await source.stop();
});

test("Fluent Bit entry: the CRI-wrapped Event is tagged in place; a truncated one passes and is counted", () => {
  const fb = new FluentBitFilter();
  fb.call(line(s1(0)), T0 + 10_000, "kube.process");
  const outer = escapeUnicode(cri(forbid(300, { pod: "p\u00e9" })));
  const first = fb.call(line(s1(0, { pod: "p\u00e9" })), T0 + 10_000, "kube.process");
  expect(first.toString()).toBe(line(s1(0, { pod: "p\u00e9" })));
  const out = fb.call(outer, T0 + 10_000, "kube.apiserver").toString();
  expect(untag(out)).toBe(outer);
  expect(JSON.parse(out).podprobe.alerts[0].sequence.key).toBe("p\u00e9");
  const cut = line({ log: cutAfterDecision(forbid(600)), stream: "stdout" });
  expect(fb.call(cut, T0 + 10_000, "kube.apiserver").toString()).toBe(cut);
  expect(fb.counter(COUNTER_NAMES.indexOf("embedded_invalid"))).toBe(1);
  expect(fb.counter(COUNTER_NAMES.indexOf("matches"))).toBe(1);
});
