// SPEC §4 Keys: missing keys, array keys (each element, up to max_keys_per_record), and key mode namespace-pod.
import { expect, test } from "vitest";
import { run, s1, s2raw, s2ecs } from "./helpers.js";

test("a stage 2 without the pod-name key is no candidate (no_key)", () => {
  const r = run([s1(0), s2raw(100, { pod: null })]);
  expect(r.stats.no_key).toBe(1);
  expect(r.stats.matches).toBe(0);
});

test("a stage 1 without orchestrator.resource.name is no candidate (no_key)", () => {
  const rec = s1(0);
  rec.orchestrator = { namespace: "default" };
  const r = run([rec, s2raw(100)]);
  expect(r.stats.no_key).toBe(1);
  expect(r.stats.candidates_stage1).toBe(0);
});

test("an array key makes the record a candidate under each element", () => {
  const r = run([s1(0, { pod: "a" }), s1(10, { pod: "b" }), s2raw(100, { pod: ["a", "b"] })]);
  expect(r.stats.matches).toBe(2);
  expect(r.tagged).toHaveLength(1);
  expect(r.tagged[0].tag.alerts.map((a: any) => a.sequence.key)).toEqual(["a", "b"]);
});

test("at most max_keys_per_record keys per record; the rest are counted", () => {
  const pods = ["a", "b", "c", "d", "e", "f"];
  const recs = [...pods.map((p, i) => s1(i, { pod: p })), s2raw(100, { pod: pods })];
  const r = run(recs, { maxKeysPerRecord: 4 });
  expect(r.stats.matches).toBe(4);
  expect(r.stats.keys_overflow).toBe(2);
  // the default (16) takes all six
  const all = run(recs);
  expect(all.stats.matches).toBe(6);
  expect(all.stats.keys_overflow).toBe(0);
});

test("a repeated element is one key", () => {
  const r = run([s1(0, { pod: "a" }), s2raw(100, { pod: ["a", "a"] })]);
  expect(r.stats.matches).toBe(1);
});

test("escaped key bytes are decoded before joining", () => {
  const r = run([s1(0, { pod: "p\u00e9-1" }), JSON.stringify(s2raw(100, { pod: "p\u00e9-1" })).replace("p\u00e9-1", "p\\u00e9-1")]);
  expect(r.stats.matches).toBe(1);
});

test("pod mode joins equally named pods across namespaces (the rule's known false positive)", () => {
  const r = run([s1(0, { pod: "web", ns: "team-a" }), s2raw(100, { pod: "web", ns: "team-b" })]);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.key).toBe("web");
});

test("namespace-pod mode joins on namespace and pod", () => {
  const opts = { keyMode: "namespace-pod" as const };
  expect(run([s1(0, { pod: "web", ns: "team-a" }), s2raw(100, { pod: "web", ns: "team-b" })], opts).stats.matches).toBe(0);
  const r = run([s1(0, { pod: "web", ns: "team-a" }), s2ecs(100, { pod: "web", ns: "team-a" })], opts);
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.key).toBe("team-a/web");
  expect(r.alerts[0].orchestrator).toEqual({ resource: { name: "web" }, namespace: "team-a" });
});

test("namespace-pod mode: a user that is not a service account gives no key", () => {
  const rec = s2raw(100, { pod: "web" }) as any;
  rec.user.username = "alice@example.com";
  const r = run([s1(0, { pod: "web" }), rec], { keyMode: "namespace-pod" });
  expect(r.stats.no_key).toBe(1);
});
