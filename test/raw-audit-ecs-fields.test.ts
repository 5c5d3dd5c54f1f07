// SPEC §2 shape 3: a raw kube-apiserver audit Event reads as the ECS document Elastic's audit pipeline makes of
// it — checked field by field on the real lines of Elastic's pipeline test (examples/data/elastic-integrations)
// against the pipeline's own expected output: every field that output holds reads the same from the raw line.
import { expect, test } from "vitest";
import { readFixture } from "../host/cli/sample.js";
import { run } from "./helpers.js";
import type { Expr, SequenceRule } from "../host/index.js";

const rawLines = readFixture("k8s_audit_logs_test-audit.log").split("\n").filter((l) => l.startsWith('{"kind":"Event"'));
const expected: Record<string, unknown>[] = JSON.parse(readFixture("k8s_audit_logs_test-audit.log-expected.json")).expected;

/** Leaf paths of a document (arrays are values), dotted. */
function leaves(o: unknown, prefix = ""): [string, unknown][] {
  if (o === null || typeof o !== "object" || Array.isArray(o)) return [[prefix, o]];
  return Object.entries(o).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

// set by the pipeline from its configuration, not from the Event: the original text and the tag asking for it
const NOT_FROM_THE_EVENT = new Set(["event.original", "tags"]);
// derived from the Event rather than copied: compared through predicates below
const DERIVED = new Set(["event.outcome", "related.user"]);

function readRule(id: string, fields: string[]): SequenceRule {
  return {
    id,
    name: id,
    severity: 21,
    riskScore: 21,
    threat: [],
    stages: [{ when: { exists: "kubernetes.audit.auditID" }, keys: ["kubernetes.audit.auditID"], namespace: { field: "orchestrator.namespace", from: "value" }, time: "@timestamp", summary: fields.map((name) => ({ name })) }],
    message: "read",
  };
}

/** The ECS document the pipeline made of raw line i, with the time an agent would have stamped. */
function ecsDoc(i: number): Record<string, unknown> {
  const raw = JSON.parse(rawLines[i]);
  return { ...expected[i], "@timestamp": raw.requestReceivedTimestamp };
}

test("the fixture pairs three raw Event lines with the pipeline's three ECS documents", () => {
  expect(rawLines).toHaveLength(3);
  for (let i = 0; i < 3; i++) expect((expected[i] as any).kubernetes.audit.auditID).toBe(JSON.parse(rawLines[i]).auditID);
});

test("every copied field the pipeline sets reads the same from the raw line as from its ECS document", () => {
  let compared = 0;
  for (let i = 0; i < rawLines.length; i++) {
    const fields = leaves(expected[i]).map(([p]) => p).filter((p) => !NOT_FROM_THE_EVENT.has(p) && !DERIVED.has(p));
    // the ECS fields beyond kubernetes.audit.* the pipeline sets must be among them
    for (const f of ["user.name", "user.id", "user_agent.original", "source.ip", "client.ip", "related.ip", "event.action", "event.kind"]) expect(fields).toContain(f);
    for (let at = 0; at < fields.length; at += 15) {
      const part = fields.slice(at, at + 15);
      const rules = [readRule(`read-${i}-${at}`, part)];
      const fromRaw = run([rawLines[i]], { rules }, Date.parse("2026-01-01T00:00:00Z")).alerts[0].podprobe.events[0];
      const fromEcs = run([ecsDoc(i)], { rules }, Date.parse("2026-01-01T00:00:00Z")).alerts[0].podprobe.events[0];
      for (const f of part) {
        expect(fromEcs[f], `${f} in the ECS document`).toEqual(Object.fromEntries(leaves(expected[i]))[f]);
        expect(fromRaw[f], `${f} read from the raw line`).toEqual(fromEcs[f]);
        compared++;
      }
    }
  }
  expect(compared).toBeGreaterThan(60);
});

test("derived fields answer predicates alike: event.outcome from the decision, related.user from the user's id and name", () => {
  const matchRule = (when: Expr): SequenceRule => ({ ...readRule("pred", []), stages: [{ ...readRule("pred", []).stages[0], when: { all: [{ exists: "kubernetes.audit.auditID" }, when] } }] });
  const holds = (doc: unknown, when: Expr) => run([doc], { rules: [matchRule(when)] }, Date.parse("2026-01-01T00:00:00Z")).stats.matches === 1;
  for (let i = 0; i < rawLines.length; i++) {
    const ecs = ecsDoc(i) as any;
    const raw = JSON.parse(rawLines[i]);
    const preds: Expr[] = [
      { eq: "event.outcome", values: ["success"] },
      { eq: "event.outcome", values: ["failure"] },
      { not: { eq: "event.outcome", values: ["failure"] } },
      { like: "event.outcome", patterns: ["succ*"] },
      { exists: "event.outcome" },
      { eq: "related.user", values: [raw.user.uid] },
      { eq: "related.user", values: [raw.user.username] },
      { eq: "related.user", values: ["nobody"] },
      { not: { eq: "related.user", values: [raw.user.username] } },
      { like: "related.user", patterns: ["system:*"] },
    ];
    const answers = preds.map((p) => holds(ecs, p));
    expect(answers).toEqual([true, false, true, true, true, true, true, false, false, true]);
    expect(preds.map((p) => holds(rawLines[i], p))).toEqual(answers);
    // a forbid decision: the pipeline's outcome is failure; the raw line says the same
    const rawForbid = { ...raw, annotations: { ...raw.annotations, "authorization.k8s.io/decision": "forbid" } };
    const ecsForbid = { ...ecs, event: { ...ecs.event, outcome: "failure" }, kubernetes: { audit: { ...ecs.kubernetes.audit, annotations: { "authorization_k8s_io/decision": "forbid" } } } };
    for (const doc of [rawForbid, ecsForbid]) {
      expect(holds(doc, { eq: "event.outcome", values: ["failure"] })).toBe(true);
      expect(holds(doc, { eq: "event.outcome", values: ["success"] })).toBe(false);
    }
  }
});
