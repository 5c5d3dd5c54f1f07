// Bring your own rules: Elastic detection-rule TOML files compiled onto the engine's program.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { compileRules, loadRuleFiles, RuleFileError, ruleFromToml, SEED_RULE } from "../host/index.js";
import { run, s1, s2ecs, s2raw, ts } from "./helpers.js";

const file = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SEED_FILE = file("../examples/rules/forbidden-direct-interactive-k8s-api-request.toml");
const REVISION = file("../examples/rules/forbidden-direct-interactive-k8s-api-request-2026-04.toml");
const SA_TOKEN = file("../examples/rules/sa-token-read-then-api-request.toml");

test("the seed rule as Elastic ships it compiles to exactly the built-in program", () => {
  const { rules } = loadRuleFiles([SEED_FILE]);
  expect(Buffer.from(compileRules(rules)).equals(Buffer.from(compileRules([SEED_RULE])))).toBe(true);
  expect(rules[0]).toMatchObject({ id: SEED_RULE.id, name: SEED_RULE.name, severity: 47, riskScore: 47, maxspanMs: 1000 });
  expect(rules[0].threat).toEqual(SEED_RULE.threat);
});

describe("the 2026-04 revision (data_stream.dataset)", () => {
  const { rules } = loadRuleFiles([REVISION]);
  test.each([
    ["a raw audit Event", s2raw(100)],
    ["an ECS document with event.dataset only", s2ecs(100)],
    ["an ECS document with data_stream.dataset only", { ...s2ecs(100), event: {}, data_stream: { dataset: "kubernetes.audit_logs" } }],
  ])("matches %s", (_name, rec) => {
    expect(run([s1(0), rec], { rules }).stats.matches).toBe(1);
  });
  test("seed and revision loaded together: one record carries both rules' alerts", () => {
    const both = loadRuleFiles([SEED_FILE, REVISION]).rules;
    const r = run([s1(0), s2raw(100)], { rules: both });
    expect(r.tagged[0].tag.alerts.map((a: { rule: { id: string } }) => a.rule.id)).toEqual([SEED_RULE.id, SEED_RULE.id]);
    expect(r.alerts).toHaveLength(2);
  });
});

describe("a file-where sequence: token read, then an API request within 60 s", () => {
  const { rules } = loadRuleFiles([SA_TOKEN]);
  const fileRead = (ms: number, path = "/var/run/secrets/kubernetes.io/serviceaccount/token", pname = "cat") => ({
    "@timestamp": ts(ms),
    event: { category: ["file"], action: "open" },
    file: { path },
    process: { name: pname, pid: 5 },
    container: { id: "c1" },
    orchestrator: { resource: { name: "pod-a" }, namespace: "default" },
  });
  const request = (ms: number) => s2raw(ms, { decision: "allow" });
  test("matches 30 s apart; the alert names the rule and shows the file read", () => {
    const r = run([fileRead(0), request(30_000)], { rules }, Date.parse("2026-01-21T10:01:00Z"));
    expect(r.stats.matches).toBe(1);
    expect(r.tagged[0].tag.alerts[0].rule).toEqual({ id: "0b3c7e2f-7a11-4c55-9f3e-3f0f3c2b8d11", name: "Service Account Token or Certificate Access Followed by Kubernetes API Request" });
    expect(r.alerts[0].podprobe.events[0]).toMatchObject({ "file.path": "/var/run/secrets/kubernetes.io/serviceaccount/token", "process.name": "cat" });
    expect(r.alerts[0].event).toMatchObject({ severity: 73, risk_score: 73 });
    expect(r.alerts[0].threat[0].tactic.id).toBe("TA0006");
  });
  test("not 61 s apart, not another file, not an excluded process", () => {
    const now = Date.parse("2026-01-21T10:02:00Z");
    expect(run([fileRead(0), request(61_000)], { rules }, now).stats.matches).toBe(0);
    expect(run([fileRead(0, "/etc/passwd"), request(1000)], { rules }, now).stats.matches).toBe(0);
    expect(run([fileRead(0, undefined, "kubelet"), request(1000)], { rules }, now).stats.matches).toBe(0);
  });
  test("runs beside the seed rule in one pass", () => {
    const rules2 = loadRuleFiles([SEED_FILE, SA_TOKEN]).rules;
    const r = run([fileRead(0), s1(500), s2raw(900)], { rules: rules2 });
    expect(r.tagged[0].tag.alerts.map((a: { rule: { name: string } }) => a.rule.name)).toEqual([SEED_RULE.name, "Service Account Token or Certificate Access Followed by Kubernetes API Request"]);
  });
});

describe("single-event rules: each matching record alerts on its own", () => {
  const bearer = loadRuleFiles([file("../examples/rules/authorization-header-in-args.toml")]).rules;
  const dns = loadRuleFiles([file("../examples/rules/dns-to-cluster-api.toml")]).rules;
  test("like~ over process.name and a like pattern over process.args", () => {
    const hit = s1(0, { name: "HTTPie", args: ["http", "-H", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "https://x"] });
    const miss = s1(10, { name: "curl", args: ["curl", "https://x"] });
    const r = run([hit, miss], { rules: bearer });
    expect(r.stats.matches).toBe(1);
    expect(r.tagged).toHaveLength(1);
    expect(r.tagged[0].index).toBe(0);
    const tag = r.tagged[0].tag.alerts[0];
    expect(tag.rule).toEqual({ id: "7d2b1a90-58c4-4c57-a3b2-6e0f1b9e2a44", name: "Bearer Token in Process Arguments" });
    expect(tag.match).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), key: "pod-a" });
    const a = r.alerts[0];
    expect(Object.keys(a)).toEqual(["@timestamp", "event", "rule", "threat", "orchestrator", "podprobe", "message"]);
    expect(a.podprobe.match).toEqual(tag.match);
    expect(a.podprobe.events[0]["process.args"][2]).toBe("Authorization: Bearer [REDACTED]");
    expect(a.message).toBe("Bearer Token in Process Arguments in pod pod-a: HTTPie");
  });
  test("like~ over DNS names", () => {
    const q = (name: string) => ({ "@timestamp": ts(0), event: { category: ["network"] }, dns: { question: { name } }, process: { name: "nslookup" }, container: { id: "c" }, orchestrator: { resource: { name: "pod-a" }, namespace: "default" } });
    const r = run([q("KUBERNETES.default.svc"), q("api.shop.svc.cluster.local"), q("example.com")], { rules: dns });
    expect(r.tagged.map((t) => t.index)).toEqual([0, 1]);
    expect(r.alerts[1].podprobe.events[0]["dns.question.name"]).toBe("api.shop.svc.cluster.local");
  });
  test("one record can carry alerts of a sequence rule and a single-event rule", () => {
    const rules = loadRuleFiles([SEED_FILE, file("../examples/rules/authorization-header-in-args.toml")]).rules;
    const rec = s1(0, { name: "curl", args: ["curl", "-H", "Authorization: Bearer abc", "https://k8s"] });
    const r = run([s2raw(300), rec], { rules });
    expect(r.tagged[0].tag.alerts.map((a: { rule: { id: string } }) => a.rule.id)).toEqual([SEED_RULE.id, "7d2b1a90-58c4-4c57-a3b2-6e0f1b9e2a44"]);
    expect(r.alerts).toHaveLength(2);
  });
});

describe("sequences of three stages, matched in arrival order (EQL)", () => {
  const rules = loadRuleFiles([file("../examples/rules/shell-then-two-clients.toml")]).rules;
  const ev = (ms: number, name: string, pod = "pod-a", pid = ms) => s1(ms, { name, pod, pid, args: [name] });
  test("bash → curl → kubectl within 5 s of the first event: the last record is tagged, the alert has all three", () => {
    const r = run([ev(0, "bash"), ev(1000, "curl"), ev(4000, "kubectl")], { rules });
    expect(r.stats.matches).toBe(1);
    expect(r.tagged.map((t) => t.index)).toEqual([2]);
    const tag = r.tagged[0].tag.alerts[0];
    expect(tag.sequence).toMatchObject({ index: 2, key: "pod-a" });
    expect(tag.peer["process.name"]).toBe("curl"); // the stage before
    const a = r.alerts[0];
    expect(a.podprobe.events.map((e: Record<string, unknown>) => e["process.name"])).toEqual(["bash", "curl", "kubectl"]);
    expect(a.podprobe.sequence.span_ms).toBe(4000);
    expect(a.message).toBe("Interactive Shell Followed by curl and kubectl in pod pod-a: bash → curl → kubectl (4000 ms apart)");
  });
  test("no match: wrong order, past maxspan from the first event, another pod in the middle", () => {
    expect(run([ev(0, "curl"), ev(1000, "bash"), ev(2000, "kubectl")], { rules }).stats.matches).toBe(0);
    expect(run([ev(0, "bash"), ev(1000, "curl"), ev(5001, "kubectl")], { rules }).stats.matches).toBe(0);
    expect(run([ev(0, "bash"), ev(1000, "curl", "pod-b"), ev(2000, "kubectl")], { rules }).stats.matches).toBe(0);
  });
  test("a new start replaces the partial sequence (EQL keeps the latest); each event joins one sequence", () => {
    const r = run([ev(0, "bash", "pod-a", 1), ev(100, "bash", "pod-a", 2), ev(200, "curl"), ev(300, "kubectl"), ev(400, "kubectl")], { rules });
    expect(r.stats.matches).toBe(1);
    expect(r.alerts[0].podprobe.events[0]["process.pid"]).toBe(2);
  });
  test("equal times: arrival order decides, as for two stages", () => {
    const r = run([ev(0, "bash"), ev(0, "curl"), ev(0, "kubectl")], { rules });
    expect(r.stats.matches).toBe(1);
  });
  test("each stage has its own buffer: ring_capacity 1 still runs three stages", () => {
    expect(run([ev(0, "bash"), ev(1, "curl"), ev(2, "kubectl")], { rules, ringCapacity: 1 }).stats.matches).toBe(1);
  });
});

describe("what the engine cannot run yet is refused with the construct and its place", () => {
  test("until", () => {
    expect(() => loadRuleFiles([file("./rules/unsupported-until.toml")])).toThrow(RuleFileError);
    expect(() => loadRuleFiles([file("./rules/unsupported-until.toml")])).toThrow(/unsupported-until\.toml: rule\.query: unsupported construct "until" at line 4, column 1/);
  });
  test("a syntax error names line and column of rule.query", () => {
    const dir = mkdtempSync(join(tmpdir(), "podprobe-rules-"));
    const bad = join(dir, "bad.toml");
    writeFileSync(bad, '[rule]\nrule_id = "b"\nname = "B"\nquery = """\nsequence with maxspan=1s\n  [process where process.name == ] by a\n  [any where true] by a\n"""\n');
    expect(() => loadRuleFiles([bad])).toThrow(/bad\.toml: rule\.query: expected a value, found "\]" at line 2, column 34/);
    writeFileSync(bad, "[rule\n");
    expect(() => loadRuleFiles([bad])).toThrow(RuleFileError);
  });
  test("skipUnsupported loads the rest of a folder and reports what it skipped", () => {
    const { rules, skipped } = loadRuleFiles([file("../examples/rules"), file("./rules")], { skipUnsupported: true });
    expect(rules).toHaveLength(7);
    expect(new Set(rules.map((r) => r.id)).size).toBe(6); // the seed rule and its revision share an id
    expect(skipped.map((e) => e.file.split("/").pop())).toEqual(["unsupported-until.toml"]);
  });
});

test.each([
  ["a comparison with false", 'sequence with maxspan=1s [process where a == false] by p [any where true] by p', /"a == false" \(comparisons with boolean are not supported\) at line 1, column 41/],
  ["two join fields", "sequence by p, q with maxspan=1s\n  [any where true]\n  [any where true]", /join keys \["p","q"\] .* at line 2, column 3/],
  ["five stages", "sequence by p with maxspan=1s [any where true] [any where true] [any where true] [any where true] [any where true]", /a sequence of 5 stages \(at most 4 are supported\) at line 1, column 99/],
  ["no maxspan", "sequence by p [any where true] [any where true]", /a sequence without maxspan .* at line 1, column 1/],
  ["a number in an in-list", "sequence by p with maxspan=1s [any where a in (1, 2)] [any where true]", /a number in the list of a .* at line 1, column 42/],
])("refused with its place: %s", (_name, query, message) => {
  expect(() => ruleFromToml({ rule: { rule_id: "x", name: "X", query } }, "inline.toml")).toThrow(message);
});
