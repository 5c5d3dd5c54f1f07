// SPEC §2 field paths: nested, flattened dotted keys and dotted keys are equivalent; escapes are decoded;
// raw audit Events read as ECS (annotation dots as underscores, kubernetes.audit.X is X).
import { expect, test } from "vitest";
import { run, s1, s2raw, ts } from "./helpers.js";

const matches = (recs: unknown[]) => run(recs).stats.matches;

test("nested, flattened and partly flattened stage-1 records are the same", () => {
  const flat = {
    "@timestamp": ts(0),
    "event.category": ["process"],
    "event.type": ["start"],
    "event.action": "exec",
    "host.os.type": "linux",
    "process.name": "curl",
    "process.interactive": true,
    "container.id": "c",
    "orchestrator.resource.name": "pod-a",
  };
  expect(matches([flat, s2raw(100)])).toBe(1);
  const mixed = { "@timestamp": ts(0), event: { category: "process", "type": "start", action: "exec" }, "host.os": { type: "linux" }, process: { name: "curl", interactive: true }, container: { id: "c" }, "orchestrator.resource": { name: "pod-a" } };
  expect(matches([mixed, s2raw(100)])).toBe(1);
});

test("the pod-name key with dots inside it, nested all the way, or flattened", () => {
  const nested = s2raw(100) as any;
  nested.user.extra = { authentication: { kubernetes: { "io/pod-name": ["pod-a"] } } };
  expect(matches([s1(0), nested])).toBe(1);
  const flat = s2raw(100) as any;
  delete flat.user.extra;
  flat["user.extra.authentication.kubernetes.io/pod-name"] = ["pod-a"];
  expect(matches([s1(0), flat])).toBe(1);
});

test("escapes in keys and values are decoded before comparing", () => {
  const text = JSON.stringify(s1(0)).replace('"curl"', '"\\u0063url"').replace('"process"', '"pro\\u0063ess"').replace('"name"', '"n\\u0061me"');
  expect(text).toContain("\\u0063url");
  expect(matches([text, s2raw(100)])).toBe(1);
});

test("raw audit Events: annotation keys keep their dots; underscores also accepted", () => {
  const under = s2raw(100) as any;
  under.annotations = { "authorization_k8s_io/decision": "forbid" };
  expect(matches([s1(0), under])).toBe(1);
});

test("raw audit Events need kind Event and an audit.k8s.io apiVersion", () => {
  const notAudit = s2raw(100) as any;
  notAudit.apiVersion = "v1";
  expect(matches([s1(0), notAudit])).toBe(0);
  const notEvent = s2raw(100) as any;
  notEvent.kind = "EventList";
  expect(matches([s1(0), notEvent])).toBe(0);
  const beta = s2raw(100) as any;
  beta.apiVersion = "audit.k8s.io/v1beta1";
  expect(matches([s1(0), beta])).toBe(1);
});

test("raw audit Events: time is requestReceivedTimestamp, else stageTimestamp", () => {
  const a = s2raw(100) as any;
  a.requestReceivedTimestamp = ts(1500);
  a.stageTimestamp = ts(200);
  expect(matches([s1(0), a])).toBe(0);
  delete a.requestReceivedTimestamp;
  expect(matches([s1(0), a])).toBe(1);
});

test("stage 2 in both stages the API server writes and nothing else", () => {
  expect(matches([s1(0), s2raw(100, { stage: "ResponseStarted" })])).toBe(1);
  expect(matches([s1(0), s2raw(100, { stage: "RequestReceived" })])).toBe(0);
  expect(matches([s1(0), s2raw(100, { stage: "Panic" })])).toBe(0);
});

test("ECS documents: event.dataset or data_stream.dataset", () => {
  const doc = (ds: Record<string, unknown>) => ({
    "@timestamp": ts(100),
    ...ds,
    kubernetes: { audit: { stage: "ResponseComplete", annotations: { "authorization_k8s_io/decision": "forbid" }, user: { extra: { "authentication.kubernetes.io/pod-name": ["pod-a"] } } } },
  });
  expect(matches([s1(0), doc({ event: { dataset: "kubernetes.audit_logs" } })])).toBe(1);
  expect(matches([s1(0), doc({ data_stream: { dataset: "kubernetes.audit_logs" } })])).toBe(1);
  expect(matches([s1(0), doc({ "data_stream.dataset": "kubernetes.audit_logs" })])).toBe(1);
  expect(matches([s1(0), doc({ event: { dataset: "kubernetes.audit" } })])).toBe(0);
  expect(matches([s1(0), doc({})])).toBe(0);
});
