// SPEC §5: the alert record written after the completing record (host modes, option alerts).
import { expect, test } from "vitest";
import { run, s1, s2raw, s2ecs, ts } from "./helpers.js";

test("ECS shape with rule, threat, sequence, both events and a message", () => {
  const r = run([s1(0, { pod: "web-1", ns: "shop", pid: 7 }), s2raw(250, { pod: "web-1", ns: "shop", auditId: "aud-9" })]);
  expect(r.alerts).toHaveLength(1);
  const a = r.alerts[0];
  expect(r.lines[2]).toBe(JSON.stringify(a)); // right after the completing record
  expect(a["@timestamp"]).toBe("2026-01-21T10:00:00.250000000Z");
  expect(a.event).toEqual({ kind: "alert", module: "podprobe", severity: 47, risk_score: 47 });
  expect(a.rule).toEqual({ id: "5d1c962d-5d2a-48d4-bdcf-e980e3914947", name: "Forbidden Direct Interactive Kubernetes API Request" });
  expect(a.threat.map((t: any) => t.tactic.id)).toEqual(["TA0002", "TA0007"]);
  expect(a.threat[0].technique[0].id).toBe("T1059");
  expect(a.threat[0].technique[0].subtechnique[0].id).toBe("T1059.004");
  expect(a.threat[1].technique[0].id).toBe("T1613");
  expect(a.orchestrator).toEqual({ resource: { name: "web-1" } });
  expect(a.podprobe.sequence).toEqual({ id: r.tagged[0].tag.alerts[0].sequence.id, key: "web-1", span_ms: 250 });
  expect(a.podprobe.events[0]["process.pid"]).toBe(7);
  expect(a.podprobe.events[0]["@timestamp"]).toBe(ts(0));
  expect(a.podprobe.events[1]["kubernetes.audit.auditID"]).toBe("aud-9");
  expect(a.podprobe.events[1]["kubernetes.audit.user.username"]).toBe("system:serviceaccount:shop:sa");
  expect(a.message).toBe("Forbidden Direct Interactive Kubernetes API Request in pod web-1: curl → list /api/v1/secrets as system:serviceaccount:shop:sa (250 ms apart)");
  expect(Object.keys(a)).toEqual(["@timestamp", "event", "rule", "threat", "orchestrator", "podprobe", "message"]);
});

test("span with a fraction of a millisecond", () => {
  const r = run([s1(0, { time: "2026-01-21T10:00:00.000000000Z" }), s2ecs(0, { time: "2026-01-21T10:00:00.000250500Z" })]);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(0.2505);
});

test("bearer tokens, JWTs and --token values are redacted in the alert and the tag, never in the records", () => {
  const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2E6ZGVmYXVsdCJ9.SflKxwRJSMeKKF2QT4fwpM";
  const args = ["curl", "-H", "Authorization: Bearer abc.def-123", "-H", `X-Token: ${jwt}`, "--token=s3cr3t", "--token", "n3xt", "https://k8s/api"];
  const rec = s1(0, { args });
  const r = run([rec, s2raw(100)]);
  expect(r.records[0]).toBe(JSON.stringify(rec));
  const redacted = ["curl", "-H", "Authorization: Bearer [REDACTED]", "-H", "X-Token: [REDACTED]", "--token=[REDACTED]", "--token", "[REDACTED]", "https://k8s/api"];
  expect(JSON.parse(r.tagged[0].line).podprobe.alerts[0].peer["process.args"]).toEqual(redacted);
  const got = r.alerts[0].podprobe.events[0]["process.args"];
  expect(got).toEqual(["curl", "-H", "Authorization: Bearer [REDACTED]", "-H", "X-Token: [REDACTED]", "--token=[REDACTED]", "--token", "[REDACTED]", "https://k8s/api"]);
  expect(JSON.stringify(r.alerts[0])).not.toMatch(/s3cr3t|n3xt|abc\.def|eyJzdWIi/);
});

test("--no-alerts writes no alert records but still tags", () => {
  const r = run([s1(0), s2raw(100)], { alerts: false });
  expect(r.alerts).toHaveLength(0);
  expect(r.tagged).toHaveLength(1);
  expect(r.stats.alerts).toBe(0);
  expect(r.stats.matches).toBe(1);
});
