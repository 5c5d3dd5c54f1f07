// Real records from Elastic's integrations (examples/data/elastic-integrations): they pass untouched; a
// decision of `allow` never matches, even with HTTP 403; the same lines with `forbid` do, in both shapes.
import { expect, test } from "vitest";
import { fixtureAuditLines, fixtureEcsAuditDocs, readFixture } from "../host/cli/sample.js";
import { run, s1, ts } from "./helpers.js";

const real = () => [...fixtureAuditLines(), ...fixtureEcsAuditDocs(), JSON.stringify(JSON.parse(readFixture("cloud_defend_alerts_sample_event.json")))];

/** A real line with a pod-name and a time near the test's stage 1, decision as given. */
function rawWith(lineText: string, decision: string, pod = "pod-a"): string {
  const ev = JSON.parse(lineText);
  ev.annotations["authorization.k8s.io/decision"] = decision;
  ev.user.extra = { "authentication.kubernetes.io/pod-name": [pod] };
  ev.requestReceivedTimestamp = ts(300);
  return JSON.stringify(ev);
}

test("every real line passes byte-identical, none is a stage-2 candidate (all are allow)", () => {
  const lines = real();
  expect(lines.length).toBeGreaterThanOrEqual(10);
  const r = run([s1(0), ...lines]);
  expect(r.records).toEqual([JSON.stringify(s1(0)), ...lines]);
  expect(r.stats.invalid).toBe(0);
  expect(r.stats.candidates_stage2).toBe(0);
});

test("the sample ECS document is 403 with decision allow: an admission failure, never a match", () => {
  const doc = JSON.parse(readFixture("k8s_audit_logs_sample_event.json"));
  expect(doc.kubernetes.audit.responseStatus.code).toBe(403);
  doc.kubernetes.audit.user.extra = { "authentication.kubernetes.io/pod-name": ["pod-a"] };
  doc["@timestamp"] = ts(300);
  const r = run([s1(0), doc]);
  expect(r.stats.matches).toBe(0);
  doc.kubernetes.audit.annotations["authorization_k8s_io/decision"] = "forbid";
  expect(run([s1(0), doc]).stats.matches).toBe(1);
});

test("each real raw audit line matches once its decision is forbid (and not with allow)", () => {
  const kubeLines = readFixture("k8s_audit_logs_test-audit.log").split("\n").filter((l) => l.startsWith('{"kind":"Event"'));
  expect(kubeLines.length).toBe(3);
  for (const l of kubeLines) {
    expect(run([s1(0), rawWith(l, "allow")]).stats.matches).toBe(0);
    const r = run([s1(0), rawWith(l, "forbid")]);
    expect(r.stats.matches).toBe(1);
    expect(r.alerts[0].podprobe.events[1]["kubernetes.audit.requestURI"]).toBe(JSON.parse(l).requestURI);
  }
});

test("each real ECS document matches once its decision is forbid", () => {
  let tried = 0;
  for (const text of fixtureEcsAuditDocs()) {
    const doc = JSON.parse(text);
    if (doc.kubernetes.audit.stage === undefined) continue; // the GKE document has no audit stage
    doc.kubernetes.audit.user.extra = { "authentication.kubernetes.io/pod-name": ["pod-a"] };
    doc["@timestamp"] = ts(300);
    doc.event.dataset = "kubernetes.audit_logs";
    doc.kubernetes.audit.annotations = { "authorization_k8s_io/decision": "forbid" };
    expect(run([s1(0), doc]).stats.matches).toBe(1);
    tried++;
  }
  expect(tried).toBeGreaterThanOrEqual(3);
});

test("the GKE and AKS lines are not raw audit Events: no field of theirs is read as one", () => {
  const [gke] = fixtureAuditLines().filter((l) => l.includes("protoPayload"));
  const [aks] = fixtureAuditLines().filter((l) => l.includes("kube-audit"));
  const r = run([s1(0), gke.replace('"allow"', '"forbid"'), aks.replace(/allow/g, "forbid")]);
  expect(r.stats.candidates_stage2).toBe(0);
});
