// The bundled sample stream: real Elastic fixture lines (examples/data/elastic-integrations) mixed with
// generated container logs, Defend-for-Containers process events and forbidden audit events built from the
// real audit lines. Deterministic: the same bytes every run. Used by `podprobe demo`, tests and the bench.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SAMPLE_BASE_MS = Date.parse("2026-01-21T10:00:00Z");

export function fixturePath(name: string): string {
  for (const rel of ["../../examples/data/elastic-integrations/", "../../../examples/data/elastic-integrations/"]) {
    const p = fileURLToPath(new URL(rel + name, import.meta.url));
    try {
      readFileSync(p, { flag: "r" });
      return p;
    } catch {
      /* try the next layout */
    }
  }
  throw new Error(`fixture ${name} not found`);
}

export const readFixture = (name: string) => readFileSync(fixturePath(name), "utf8");

/** The real raw audit Event lines (kube-apiserver, GKE, AKS-wrapped). */
export function fixtureAuditLines(): string[] {
  return [...readFixture("k8s_audit_logs_test-audit.log").split("\n"), ...readFixture("k8s_audit_logs_test-kube-audit.log").split("\n")].filter((l) => l.trim());
}

/** The ECS documents Elastic's pipeline makes of those lines, one compact line each. */
export function fixtureEcsAuditDocs(): string[] {
  const expected = JSON.parse(readFixture("k8s_audit_logs_test-audit.log-expected.json")) as { expected: unknown[] };
  return [...expected.expected.map((d) => JSON.stringify(d)), JSON.stringify(JSON.parse(readFixture("k8s_audit_logs_sample_event.json")))];
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();

export interface ProcessEventSpec {
  ms: number;
  pod: string;
  namespace: string;
  name: string;
  args: string[];
  interactive?: boolean;
  pid: number;
  action?: string;
  type?: string[];
}

/** A Defend for Containers process event (field shapes as in the cloud_defend package). */
export function processEvent(s: ProcessEventSpec): Record<string, unknown> {
  return {
    "@timestamp": iso(s.ms),
    event: { kind: "event", category: ["process"], type: s.type ?? ["start"], action: s.action ?? "exec", dataset: "cloud_defend.process" },
    data_stream: { dataset: "cloud_defend.process", type: "logs", namespace: "default" },
    host: { name: "node-a", os: { type: "linux" } },
    process: {
      name: s.name,
      args: s.args,
      executable: s.args[0]?.startsWith("/") ? s.args[0] : `/usr/bin/${s.name}`,
      pid: s.pid,
      entity_id: `ent-${s.pod}-${s.pid}`,
      interactive: s.interactive ?? true,
      parent: { name: "bash", interactive: s.interactive ?? true },
    },
    container: { id: `c0ffee${s.pod.length}${s.pid}`, image: { name: "registry.local/app" } },
    orchestrator: { resource: { name: s.pod, type: "pod" }, namespace: s.namespace, cluster: { name: "demo" } },
    cloud_defend: { matched_selectors: ["interactiveSessions"] },
  };
}

export interface AuditSpec {
  ms: number;
  pod: string;
  namespace: string;
  serviceAccount: string;
  verb: string;
  uri: string;
  resource: string;
  decision: "forbid" | "allow";
  code: number;
  auditId: string;
}

/** A raw kube-apiserver audit Event: the first real fixture line with this request's facts put in. */
export function rawAuditEvent(s: AuditSpec): Record<string, unknown> {
  const base = JSON.parse(fixtureAuditLines()[0]) as Record<string, any>;
  return {
    ...base,
    auditID: s.auditId,
    stage: "ResponseComplete",
    requestURI: s.uri,
    verb: s.verb,
    user: {
      username: `system:serviceaccount:${s.namespace}:${s.serviceAccount}`,
      uid: "5b1c1a1e-0000-4000-8000-000000000001",
      groups: ["system:serviceaccounts", `system:serviceaccounts:${s.namespace}`, "system:authenticated"],
      extra: { "authentication.kubernetes.io/pod-name": [s.pod], "authentication.kubernetes.io/pod-uid": ["0b9d2c7e-1111-4a2b-9c3d-222222222222"] },
    },
    userAgent: "curl/8.5.0",
    objectRef: { resource: s.resource, namespace: "kube-system", apiVersion: "v1" },
    responseStatus: { metadata: {}, status: "Failure", reason: "Forbidden", code: s.code },
    requestReceivedTimestamp: iso(s.ms),
    stageTimestamp: iso(s.ms + 2),
    annotations: { "authorization.k8s.io/decision": s.decision, "authorization.k8s.io/reason": "" },
  };
}

/** The same request as Elastic's kubernetes integration indexes it (built on a real expected document). */
export function ecsAuditDoc(s: AuditSpec, readMs = s.ms + 300): Record<string, unknown> {
  const doc = JSON.parse(fixtureEcsAuditDocs()[0]) as Record<string, any>;
  const raw = rawAuditEvent(s) as Record<string, any>;
  const { annotations, kind, apiVersion, ...own } = raw;
  void kind;
  void apiVersion;
  return {
    ...doc,
    "@timestamp": iso(readMs),
    data_stream: { dataset: "kubernetes.audit_logs", type: "logs", namespace: "default" },
    event: { ...doc.event, dataset: "kubernetes.audit_logs", original: undefined },
    kubernetes: {
      audit: {
        ...own,
        annotations: { "authorization_k8s_io/decision": annotations["authorization.k8s.io/decision"] },
      },
    },
  };
}

const WORDS = ["GET", "POST", "/healthz", "/api/orders", "/static/app.js", "user=42", "cache miss", "took 12ms", "upstream ok"];

/** An ordinary container log line, as a node agent ships it (kubernetes_logs-like). */
export function containerLog(r: () => number, ms: number, pods: string[]): Record<string, unknown> {
  const pod = pods[Math.floor(r() * pods.length)];
  const msg = Array.from({ length: 3 + Math.floor(r() * 8) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ");
  return {
    "@timestamp": iso(ms),
    message: `${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.0.1 - - "${msg}" ${r() < 0.9 ? 200 : 500}`,
    stream: r() < 0.8 ? "stdout" : "stderr",
    kubernetes: { pod_name: pod, pod_namespace: "shop", container_name: "app", labels: { app: pod.split("-")[0] } },
    log: { file: { path: `/var/log/containers/${pod}_shop_app.log` } },
  };
}

export interface SampleCase {
  pod: string;
  expect: "match" | "no match";
  why: string;
}

/** The demo stream and what it contains. */
export function sampleStream(): { lines: string[]; cases: SampleCase[]; realLines: number } {
  const r = rng(20260121);
  const T = SAMPLE_BASE_MS;
  const pods = ["webapp-7d9f6c-x2x9q", "cart-5c8d7-k2mzp", "api-0", "debug-tools-6b8f9", "ops-console-1"];
  const lines: { ms: number; line: string }[] = [];
  const add = (ms: number, rec: unknown) => lines.push({ ms, line: typeof rec === "string" ? rec : JSON.stringify(rec) });
  for (let i = 0; i < 240; i++) add(T + i * 25, containerLog(r, T + i * 25, pods));
  // real lines from Elastic's integrations: none of them is a forbidden request
  const real = [...fixtureAuditLines(), ...fixtureEcsAuditDocs(), JSON.stringify(JSON.parse(readFixture("cloud_defend_alerts_sample_event.json")))];
  real.forEach((l, i) => add(T + 100 + i * 300, l));
  const audit = (o: Partial<AuditSpec> & Pick<AuditSpec, "ms" | "pod" | "namespace">): AuditSpec => ({
    serviceAccount: "default",
    verb: "list",
    uri: "/api/v1/namespaces/kube-system/secrets",
    resource: "secrets",
    decision: "forbid",
    code: 403,
    auditId: `audit-${o.pod}-${o.ms - T}`,
    ...o,
  });
  const cases: SampleCase[] = [];
  // A: a shell in the web pod, curl to the API with the pod's token, refused 230 ms later (raw audit line)
  add(T + 1000, processEvent({ ms: T + 1000, pod: pods[0], namespace: "shop", name: "bash", args: ["bash"], pid: 4101 }));
  add(T + 1200, processEvent({ ms: T + 1200, pod: pods[0], namespace: "shop", name: "curl", pid: 4117,
    args: ["curl", "-sk", "-H", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl", "https://kubernetes.default.svc/api/v1/namespaces/kube-system/secrets"] }));
  add(T + 1430, rawAuditEvent(audit({ ms: T + 1430, pod: pods[0], namespace: "shop", serviceAccount: "webapp" })));
  cases.push({ pod: pods[0], expect: "match", why: "interactive curl, then a forbidden list of secrets 230 ms later (raw audit Event)" });
  // B: busybox wget (the utility as an argument), refused 420 ms later (ECS audit document)
  add(T + 3000, processEvent({ ms: T + 3000, pod: pods[3], namespace: "ops", name: "busybox", pid: 77, args: ["busybox", "wget", "-qO-", "https://10.96.0.1/api/v1/nodes"] }));
  add(T + 3700, ecsAuditDoc(audit({ ms: T + 3420, pod: pods[3], namespace: "ops", verb: "list", uri: "/api/v1/nodes", resource: "nodes" }), T + 3700));
  cases.push({ pod: pods[3], expect: "match", why: "busybox wget, then a forbidden list of nodes (ECS audit document, whose @timestamp is the agent read time)" });
  // C: kubectl, but the refusal comes 1.5 s later: outside maxspan
  add(T + 5000, processEvent({ ms: T + 5000, pod: pods[4], namespace: "ops", name: "kubectl", pid: 900, args: ["kubectl", "get", "secrets", "-A"] }));
  add(T + 6500, rawAuditEvent(audit({ ms: T + 6500, pod: pods[4], namespace: "ops" })));
  cases.push({ pod: pods[4], expect: "no match", why: "the forbidden request came 1.5 s after kubectl: beyond maxspan=1s" });
  // D: `sh -c which curl`: the rule's exclusion list
  add(T + 8000, processEvent({ ms: T + 8000, pod: pods[1], namespace: "shop", name: "sh", pid: 31, args: ["sh", "-c", "which", "curl"] }));
  add(T + 8100, rawAuditEvent(audit({ ms: T + 8100, pod: pods[1], namespace: "shop" })));
  cases.push({ pod: pods[1], expect: "no match", why: "`which` is on the rule's exclusion list" });
  // E: a non-interactive curl (a probe script), then a forbid
  add(T + 9000, processEvent({ ms: T + 9000, pod: pods[2], namespace: "shop", name: "curl", pid: 55, interactive: false, args: ["curl", "-s", "http://localhost/healthz"] }));
  add(T + 9200, rawAuditEvent(audit({ ms: T + 9200, pod: pods[2], namespace: "shop" })));
  cases.push({ pod: pods[2], expect: "no match", why: "the curl was not interactive" });
  lines.sort((a, b) => a.ms - b.ms);
  return { lines: lines.map((l) => l.line), cases, realLines: real.length };
}
