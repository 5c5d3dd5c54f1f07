// Bring your own rules: Elastic detection-rule TOML files compiled onto the engine's program.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
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
  test("seed and revision loaded together: one rule_id loads once, the later updated_date wins, a warning names both files", () => {
    const both = loadRuleFiles([SEED_FILE, REVISION]);
    expect(both.rules).toHaveLength(1);
    expect(Buffer.from(compileRules(both.rules)).equals(Buffer.from(compileRules(loadRuleFiles([REVISION]).rules)))).toBe(true);
    expect(both.warnings).toEqual([`rule ${SEED_RULE.id} is in ${SEED_FILE} and ${REVISION}: loading ${REVISION} (updated 2026/04/14)`]);
    expect(loadRuleFiles([REVISION, SEED_FILE]).rules).toEqual(both.rules); // order does not decide
    const r = run([s1(0), s2raw(100)], { rules: both.rules });
    expect(r.tagged[0].tag.alerts.map((a: { rule: { id: string } }) => a.rule.id)).toEqual([SEED_RULE.id]);
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

describe("what podprobe cannot run yet is refused with the construct and its place", () => {
  test("until", () => {
    expect(() => loadRuleFiles([file("./rules/unsupported-until.toml")])).toThrow(RuleFileError);
    expect(() => loadRuleFiles([file("./rules/unsupported-until.toml")])).toThrow(/unsupported-until\.toml: rule\.query: unsupported: "until" at line 4, column 1/);
  });
  test("a query syntax error names line and column of rule.query", () => {
    const dir = mkdtempSync(join(tmpdir(), "podprobe-rules-"));
    const bad = join(dir, "bad.toml");
    writeFileSync(bad, '[rule]\nrule_id = "b"\nname = "B"\nquery = """\nsequence with maxspan=1s\n  [process where process.name == ] by a\n  [any where true] by a\n"""\n');
    expect(() => loadRuleFiles([bad])).toThrow(/bad\.toml: rule\.query: expected a value, found "\]" at line 2, column 34/);
  });
  test("a TOML syntax error names the file, line and column", () => {
    const dir = mkdtempSync(join(tmpdir(), "podprobe-rules-"));
    const bad = join(dir, "broken.toml");
    writeFileSync(bad, '[rule]\nrule_id = "b"\nname = "B\nquery = "x"\n');
    expect(() => loadRuleFiles([bad])).toThrow(/broken\.toml: TOML syntax error at line 3, column \d+: /);
    const e = (() => {
      try {
        loadRuleFiles([bad], { skipUnsupported: true });
      } catch (x) {
        return x as RuleFileError;
      }
    })();
    expect(e?.kind).toBe("toml"); // never skipped
  });
});

describe("loading a folder of Elastic's rule files", () => {
  const all = () => loadRuleFiles([file("../examples/rules"), file("./rules")], { skipUnsupported: true });
  const status = (r: ReturnType<typeof all>) => Object.fromEntries(r.results.map((x) => [x.file.split("/").pop(), x.error ? `${x.status} ${x.error.kind}` : x.status]));
  test("every file is loaded, skipped or replaced, and says why", () => {
    const s = status(all());
    expect(s).toMatchObject({
      "forbidden-direct-interactive-k8s-api-request.toml": "replaced",
      "forbidden-direct-interactive-k8s-api-request-2026-04.toml": "loaded",
      "cidrmatch.toml": "loaded",
      "regex.toml": "loaded",
      "string-functions.toml": "loaded",
      "optional-fields.toml": "loaded",
      "false-comparison.toml": "loaded",
      "duplicate-newer.toml": "loaded",
      "duplicate-older.toml": "replaced",
      "deprecated.toml": "skipped deprecated",
      "kuery-rule.toml": "skipped type",
      "machine-learning-rule.toml": "skipped type",
      "sample-by.toml": "loaded",
      "unsupported-until.toml": "skipped unsupported",
    });
    // sequences of several join fields, `with runs`, eight stages and no maxspan run, and so do samples
    for (const f of ["multi-key-sequence.toml", "runs-sequence.toml", "long-runs.toml", "runs-only.toml", "eight-stages.toml", "no-maxspan.toml", "sample-three-filters.toml"]) expect(s[f]).toBe("loaded");
  });
  test("without skipUnsupported the first refusal stops the load; other rule types and deprecated rules never do", () => {
    expect(() => loadRuleFiles([file("./rules")])).toThrow(RuleFileError);
    const quiet = loadRuleFiles([file("./rules/kuery-rule.toml"), file("./rules/machine-learning-rule.toml"), file("./rules/deprecated.toml"), file("./rules/regex.toml")]);
    expect(quiet.rules.map((r) => r.id)).toEqual(["1b2c3d4e-0008-4a5b-8c9d-0e1f2a3b4c08"]);
    expect(quiet.skipped.map((e) => [e.file.split("/").pop(), e.kind, e.detail])).toEqual([
      ["kuery-rule.toml", "type", "a query rule (language kuery); podprobe runs EQL rules"],
      ["machine-learning-rule.toml", "type", "a machine_learning rule; podprobe runs EQL rules"],
      ["deprecated.toml", "deprecated", 'maturity "deprecated" (load deprecated rules on request)'],
    ]);
  });
  test("deprecated rules load on request", () => {
    expect(loadRuleFiles([file("./rules/deprecated.toml")], { includeDeprecated: true }).rules[0].name).toBe("An Old Rule");
  });
  test("--skip-unsupported decides by the kind of failure: a syntax error in a file named 'unsupported' still stops the load", () => {
    const dir = mkdtempSync(join(tmpdir(), "podprobe-unsupported-"));
    const bad = join(dir, "unsupported-syntax.toml");
    writeFileSync(bad, '[rule]\nrule_id = "u"\nname = "U"\nquery = "process WHERE true"\n');
    expect(() => loadRuleFiles([bad, file("./rules/regex.toml")], { skipUnsupported: true })).toThrow(/unsupported-syntax\.toml: rule\.query: the keyword "WHERE" \(EQL keywords are lowercase: "where"\) at line 1, column 9/);
    // and a skippable refusal is skipped whatever the words in its message or path
    const odd = join(dir, "plain.toml");
    writeFileSync(odd, '[rule]\nrule_id = "p"\nname = "P"\nquery = "sequence [any where true] [any where true] | head 1"\n');
    expect(loadRuleFiles([odd, file("./rules/regex.toml")], { skipUnsupported: true }).skipped.map((e) => e.kind)).toEqual(["unsupported"]);
  });
  test("two files with one rule_id: the higher version wins over dates", () => {
    const dir = mkdtempSync(join(tmpdir(), "podprobe-dup-"));
    const mk = (n: string, version: number, date: string) => {
      writeFileSync(join(dir, n), `[metadata]\nupdated_date = "${date}"\n[rule]\nrule_id = "d"\nname = "${n}"\nversion = ${version}\nquery = "any where true"\n`);
      return join(dir, n);
    };
    const a = mk("a.toml", 3, "2026/01/01");
    const b = mk("b.toml", 2, "2026/06/01");
    const r = loadRuleFiles([a, b]);
    expect(r.rules.map((x) => x.name)).toEqual(["a.toml"]);
    expect(r.warnings).toEqual([`rule d is in ${a} and ${b}: loading ${a} (version 3)`]);
  });
});

describe("the rule model for sequences the engine is growing into", () => {
  const rule = (name: string) => ruleFromToml(parseToml(readFileSync(file(`./rules/${name}`), "utf8")), name);
  test("several by keys: the sequence's first, then the stage's", () => {
    const r = rule("multi-key-sequence.toml");
    expect(r.stages.map((s) => s.keys)).toEqual([["host.id", "user.name", "source.ip"], ["host.id", "user.name", "source.ip"]]);
    expect(r.maxspanMs).toBe(30_000);
  });
  test("with runs=3: one stage standing for three consecutive positions, then the last stage", () => {
    const r = rule("runs-sequence.toml");
    expect(r.stages).toHaveLength(2);
    expect(r.stages.map((s) => s.runs ?? 1)).toEqual([3, 1]);
    expect(r.stages[1].when).not.toEqual(r.stages[0].when);
    expect(r.stages.every((s) => s.keys.join() === "host.id,source.ip")).toBe(true);
  });
  test("eight stages, in order", () => {
    const r = rule("eight-stages.toml");
    expect(r.stages.map((s) => JSON.stringify(s.when).match(/"values":\["(\w+)"\]}\]}$/)?.[1])).toEqual(["id", "whoami", "uname", "hostname", "ps", "netstat", "curl", "kubectl"]);
  });
  test("no maxspan: undefined", () => {
    expect(rule("no-maxspan.toml").maxspanMs).toBeUndefined();
  });
  test("sample by: parsed into a rule marked sample, which the engine runs", () => {
    const r = rule("sample-by.toml");
    expect(r).toMatchObject({ sample: true, maxspanMs: undefined });
    expect(r.stages.map((s) => s.keys)).toEqual([["host.id", "process.pid", "process.name"], ["host.id", "process.pid", "process.name"]]);
    expect(compileRules([r]).length).toBeGreaterThan(0);
  });
});
