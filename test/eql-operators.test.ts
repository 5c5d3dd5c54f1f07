// The EQL operators the engine runs beyond the seed rule's: in~, like, like~, :, ordered comparisons, == null.
// Each is checked through a rule compiled from EQL: stage 1 carries the condition, stage 2 is the seed's.
import { expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { run, s1, s2raw } from "./helpers.js";

const STAGE2 = '[any where event.dataset == "kubernetes.audit_logs" and `kubernetes.audit.annotations.authorization_k8s_io/decision` == "forbid"] by `kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name`';
const rule = (cond: string) =>
  ruleFromToml({ rule: { rule_id: "t", name: "T", query: `sequence with maxspan=1s [process where ${cond}] by orchestrator.resource.name ${STAGE2}` } }, "inline");
const hits = (cond: string, p: Record<string, unknown>) => {
  const rec = s1(0);
  rec.process = { ...(rec.process as object), ...p };
  return run([rec, s2raw(100)], { rules: [rule(cond)] }).stats.matches === 1;
};

test("in~ is ASCII case-insensitive", () => {
  expect(hits('process.name in~ ("CURL", "wget")', { name: "Curl" })).toBe(true);
  expect(hits('process.name in~ ("CURL")', { name: "curlx" })).toBe(false);
  expect(hits('process.name in ("CURL")', { name: "curl" })).toBe(false);
});

test("like: * any run, ? one character (UTF-8 aware), any element of an array, escapes decoded", () => {
  expect(hits('process.args like "*Authorization: Bearer *"', { args: ["curl", "-H", "Authorization: Bearer abc"] })).toBe(true);
  expect(hits('process.args like "*Authorization: Bearer *"', { args: ["curl", "-H", "authorization: bearer abc"] })).toBe(false);
  expect(hits('process.name like "c?rl"', { name: "c\u00e9rl" })).toBe(true);
  expect(hits('process.name like "c?rl"', { name: "crl" })).toBe(false);
  expect(hits('process.name like ("x*", "*url")', { name: "curl" })).toBe(true);
  expect(hits('process.name like "a*b*c"', { name: "aXbYbZc" })).toBe(true);
  expect(hits('process.name like "a*b*c"', { name: "aXbYcZ" })).toBe(false);
  expect(hits('process.name like "**"', { name: "" })).toBe(true);
});

test("like~ and : are case-insensitive wildcard matches", () => {
  expect(hits('process.name like~ "CU*"', { name: "curl" })).toBe(true);
  expect(hits('process.name : "*URL"', { name: "curl" })).toBe(true);
  expect(hits('process.name : ("x", "C?RL")', { name: "curl" })).toBe(true);
  expect(hits('process.name : "wget"', { name: "curl" })).toBe(false);
});

test("ordered comparisons: numbers (numeric strings coerced), strings bytewise, absent never (but != is a negation)", () => {
  expect(hits("process.pid > 100", { pid: 101 })).toBe(true);
  expect(hits("process.pid > 100", { pid: 100 })).toBe(false);
  expect(hits("process.pid >= 100", { pid: 100 })).toBe(true);
  expect(hits("process.pid < 1e3", { pid: 999.5 })).toBe(true);
  expect(hits("process.pid <= -1", { pid: -2 })).toBe(true);
  expect(hits("process.pid == 7", { pid: "7" })).toBe(true);
  expect(hits("process.pid != 7", { pid: 8 })).toBe(true);
  expect(hits("process.pid != 7", { pid: undefined })).toBe(true); // not (pid == 7): see eql-semantics.test.ts
  expect(hits('process.name > "b"', { name: "curl" })).toBe(true);
  expect(hits('process.name < "b"', { name: "curl" })).toBe(false);
});

test("== null is absent; != null is present", () => {
  expect(hits("process.title == null", {})).toBe(true);
  expect(hits("process.title == null", { title: "x" })).toBe(false);
  expect(hits("process.title != null", { title: "x" })).toBe(true);
});
