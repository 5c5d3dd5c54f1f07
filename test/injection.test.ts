// Values copied into tags and alerts (pod names, namespaces, args, audit fields) cannot inject JSON: tagged
// records and alert records stay valid JSON and gain no field beyond the one tag member.
import { expect, test } from "vitest";
import { run, s1, s2raw } from "./helpers.js";

const ALERT_KEYS = ["@timestamp", "event", "rule", "threat", "orchestrator", "podprobe", "message"];
const NASTY = ['we"ird', "back\\slash", "ctl\u0001\u001f\u007f", '"podprobe"', '},"podprobe":{"x":1},"y":{', "\u2028\u2029", "caf\u00e9-\u4e2d-\ud83d\ude00", "p".repeat(400)];

test.each(NASTY.map((n) => [JSON.stringify(n).slice(0, 40), n]))("pod name %s", (_label, pod) => {
  // a namespace with the same hazards (no ':' — it is read from system:serviceaccount:<ns>:<sa>)
  const ns = 't"e\\am\u0001}';
  for (const keyMode of ["pod", "namespace-pod"] as const) {
    const a = s1(0, { pod, ns });
    const b = s2raw(100, { pod, ns });
    const r = run([a, b], { keyMode });
    expect(r.stats.matches, keyMode).toBe(1);
    const tagged = JSON.parse(r.tagged[0].line);
    expect(Object.keys(tagged)).toEqual([...Object.keys(b), "podprobe"]);
    expect(tagged.podprobe.alerts[0].sequence.key).toBe(keyMode === "pod" ? pod : `${ns}/${pod}`);
    expect(Object.keys(r.alerts[0])).toEqual(ALERT_KEYS);
    expect(r.alerts[0].orchestrator.resource.name).toBe(pod);
    expect(r.alerts[0].message).toContain(pod);
  }
});

test("a key of any length joins whole (never truncated): 600 bytes pair, a different 600-byte key does not", () => {
  const pod = "q".repeat(600);
  const r = run([s1(0, { pod }), s2raw(100, { pod })]);
  expect(r.stats.matches).toBe(1);
  expect(r.stats.no_key).toBe(0);
  expect(r.tagged[0].tag.alerts[0].sequence.key).toBe(pod);
  expect(r.alerts[0].orchestrator.resource.name).toBe(pod);
  const other = run([s1(0, { pod }), s2raw(100, { pod: pod.slice(0, 599) + "r" })]);
  expect(other.stats.matches).toBe(0);
});

test("args with quotes, backslashes, controls and the tag's own name stay inside their strings", () => {
  const args = ["curl", '-d', '{"podprobe":{"alerts":[]}}', "a\\\"b", "tab\there\u0000nul", "\"podprobe\":", "x".repeat(100_000)];
  const a = s1(0, { args });
  const r = run([a, s2raw(100)], { maxRecordBytes: 1 << 20 });
  expect(r.stats.matches).toBe(1);
  const tagged = JSON.parse(r.tagged[0].line);
  const peerArgs: string[] = tagged.podprobe.alerts[0].peer["process.args"];
  expect(peerArgs).toEqual(args.slice(0, peerArgs.length)); // cut at max_summary_bytes, whole elements only
  expect(peerArgs.length).toBeGreaterThanOrEqual(5);
  const alert = r.alerts[0];
  expect(Object.keys(alert)).toEqual(ALERT_KEYS);
  expect(Object.keys(alert.podprobe)).toEqual(["sequence", "events"]);
  expect(alert.podprobe.events[0]["process.args"]).toEqual(peerArgs);
});

test("audit fields with quotes and escapes are copied verbatim into peer and the alert", () => {
  const b = s2raw(100) as Record<string, unknown>;
  b.requestURI = '/api/v1/x?q="},{"podprobe":1}\\';
  b.userAgent = "agent\u0001\u00e9";
  const r = run([s1(0), b]);
  // the completing stage 2's own fields are in the alert's events (its tag's peer is the stage 1)
  const ev = r.alerts[0].podprobe.events[1];
  expect(ev["kubernetes.audit.requestURI"]).toBe(b.requestURI);
  expect(ev["kubernetes.audit.userAgent"]).toBe(b.userAgent);
  expect(r.alerts[0].message).toContain(b.requestURI as string);
});
