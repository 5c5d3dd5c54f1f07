// Test helpers: record builders for both stages and all shapes, a run() with a fake clock, output parsing.
import { createCorrelator, type CreateOptions, type Correlator } from "../host/index.js";

export const T0 = Date.parse("2026-01-21T10:00:00Z");
/** RFC 3339 with nanoseconds: T0 + ms (+ extra ns). */
export function ts(ms: number, ns = 0): string {
  const d = new Date(T0 + Math.floor(ms));
  const sub = Math.round((ms - Math.floor(ms)) * 1e6) + ns;
  const frac = String(d.getUTCMilliseconds() * 1_000_000 + sub).padStart(9, "0");
  return d.toISOString().slice(0, 19) + "." + frac + "Z";
}

export interface S1 {
  pod?: string | string[];
  ns?: string;
  name?: string;
  args?: unknown;
  interactive?: unknown;
  pid?: number;
  time?: string;
  extra?: Record<string, unknown>;
}

/** A stage-1 candidate (interactive curl exec) at T0 + ms. */
export function s1(ms: number, o: S1 = {}): Record<string, unknown> {
  return {
    "@timestamp": o.time ?? ts(ms),
    event: { category: ["process"], type: ["start"], action: "exec" },
    host: { os: { type: "linux" } },
    process: {
      name: o.name ?? "curl",
      args: o.args ?? ["curl", "-k", "https://kubernetes.default.svc/api"],
      interactive: o.interactive ?? true,
      pid: o.pid ?? 100,
      entity_id: `e-${o.pid ?? 100}`,
    },
    container: { id: "c1" },
    orchestrator: { resource: { name: o.pod ?? "pod-a" }, namespace: o.ns ?? "default" },
    ...o.extra,
  };
}

export interface S2 {
  pod?: string | string[] | null;
  ns?: string;
  decision?: string;
  stage?: string;
  auditId?: string;
  time?: string;
  extra?: Record<string, unknown>;
}

/** A stage-2 candidate as a raw kube-apiserver audit Event (time: requestReceivedTimestamp). */
export function s2raw(ms: number, o: S2 = {}): Record<string, unknown> {
  const extra = o.pod === null ? {} : { extra: { "authentication.kubernetes.io/pod-name": Array.isArray(o.pod) ? o.pod : [o.pod ?? "pod-a"] } };
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "Metadata",
    auditID: o.auditId ?? `a-${ms}`,
    stage: o.stage ?? "ResponseComplete",
    requestURI: "/api/v1/secrets",
    verb: "list",
    user: { username: `system:serviceaccount:${o.ns ?? "default"}:sa`, ...extra },
    sourceIPs: ["10.0.0.9"],
    userAgent: "curl/8",
    objectRef: { resource: "secrets", namespace: "kube-system" },
    responseStatus: { code: 403 },
    requestReceivedTimestamp: o.time ?? ts(ms),
    stageTimestamp: ts(ms + 1),
    annotations: { "authorization.k8s.io/decision": o.decision ?? "forbid", "authorization.k8s.io/reason": "" },
    ...o.extra,
  };
}

/** A stage-2 candidate as an ECS document of Elastic's kubernetes integration (time: @timestamp). */
export function s2ecs(ms: number, o: S2 = {}): Record<string, unknown> {
  const extra = o.pod === null ? {} : { extra: { "authentication.kubernetes.io/pod-name": Array.isArray(o.pod) ? o.pod : [o.pod ?? "pod-a"] } };
  return {
    "@timestamp": o.time ?? ts(ms),
    event: { dataset: "kubernetes.audit_logs" },
    kubernetes: {
      audit: {
        auditID: o.auditId ?? `a-${ms}`,
        stage: o.stage ?? "ResponseComplete",
        verb: "get",
        requestURI: "/api/v1/pods",
        user: { username: `system:serviceaccount:${o.ns ?? "default"}:sa`, ...extra },
        annotations: { "authorization_k8s_io/decision": o.decision ?? "forbid" },
        responseStatus: { code: 403 },
      },
    },
    ...o.extra,
  };
}

export const line = (r: unknown) => (typeof r === "string" ? r : JSON.stringify(r));

export interface RunResult {
  out: string;
  lines: string[];
  records: string[]; // output lines that are not podprobe alert records
  alerts: Record<string, any>[];
  tagged: { index: number; line: string; tag: Record<string, any> }[];
  stats: ReturnType<Correlator["stats"]>;
  c: Correlator;
}

/** Small state for fast instances; tests about bounds pass their own. */
export const SMALL: CreateOptions = { maxKeys: 1024, maxStateBytes: 4 * 1024 * 1024 };

/** Runs records through a fresh correlator with a fake clock (default T0 + 10 s). */
export function run(records: unknown[], opts: CreateOptions = {}, nowMs = T0 + 10_000): RunResult {
  const c = createCorrelator({ clock: () => nowMs, ...SMALL, ...opts });
  const input = records.map(line).join("\n") + "\n";
  const out = Buffer.concat([c.write(input), c.end()]).toString("utf8");
  return parseOutput(out, c);
}

export const isAlertRecord = (l: string) => l.startsWith('{"@timestamp":') && l.includes('"event":{"kind":"alert","module":"podprobe"');

export function parseOutput(out: string, c: Correlator): RunResult {
  const lines = out.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const records = lines.filter((l) => !isAlertRecord(l));
  const alerts = lines.filter(isAlertRecord).map((l) => JSON.parse(l));
  const tagged = records
    .map((l, index) => ({ index, line: l }))
    .filter(({ line: l }) => l.includes('"podprobe":{"alerts":'))
    .map(({ index, line: l }) => ({ index, line: l, tag: JSON.parse(l).podprobe }));
  return { out, lines, records, alerts, tagged, stats: c.stats(), c };
}

/** The record with its tag member removed (for byte-identity checks: tags are spliced before the final brace). */
export function untag(l: string): string {
  const i = l.lastIndexOf(',"podprobe":{"alerts":[');
  const j = i >= 0 ? i : l.lastIndexOf('"podprobe":{"alerts":[');
  if (j < 0) return l;
  const close = l.lastIndexOf("}");
  // the member ends with "]}" just before the record's closing brace
  return l.slice(0, j) + l.slice(close);
}
