// The literal prefilter is derived from the rules, never listed by hand (host/rules/prefilter.ts), and the
// engine honours what it derives: which literals a stage requires, which constructs require none, how escapes
// and carried JSON texts are treated, and the `validate` option.
import { describe, expect, test } from "vitest";
import { createCorrelator, SEED_RULE, type Expr, type SequenceRule } from "../host/index.js";
import { derivePrefilter, type Needle } from "../host/rules/prefilter.js";
import { SHAPES } from "../host/rules/shapes.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { line, s1, s2raw, T0, SMALL } from "./helpers.js";

const text = (n: Needle) => `${n.quoted ? '"' : ""}${Buffer.from(n.bytes).toString()}${n.quoted ? '"' : ""}${n.ci ? "~" : ""}`;
/** One single-event rule whose only stage is `when`. */
const rule = (when: Expr): SequenceRule => ({ ...structuredClone(SEED_RULE), id: "t", message: "match in {key}", stages: [{ ...structuredClone(SEED_RULE.stages[0]), when }] });
const clauses = (when: Expr) => derivePrefilter([rule(when)], SHAPES).stages?.[0].map((c) => c.map(text).sort());

describe("derivation", () => {
  test("the seed rule: each stage's primary clause, then its other clauses", () => {
    const pf = derivePrefilter([SEED_RULE], SHAPES);
    // "exec" for ECS and raw audit records; the sensor shapes read event.action as a constant, so each adds the
    // literal of its guard: Tetragon's process_exec member (which Tracee's "sched_process_exec" holds too) and
    // Falco's output_fields member
    expect(pf.stages!.map((st) => st[0].map(text).sort())).toEqual([['"exec"', "output_fields", "process_exec"], ['"forbid"']]);
    const s1 = pf.stages![0].map((c) => c.map(text));
    // `a or (b and c)` gives a ∪ b and a ∪ c: the tool names, or the shells; the tool names, or the tool arguments
    // (joined by the guard literal of Tetragon, whose process.name is a basename: never a token of its own)
    expect(s1).toContainEqual(expect.arrayContaining(['"curl"', '"bash"', '"busybox"', "process_exec"]));
    expect(s1).toContainEqual(expect.arrayContaining(['"curl"', '"/usr/local/bin/curl"', '"ssl_client"', "process_exec"]));
    expect(s1.flat()).not.toContain('"process"'); // a key name of the fields the rule reads: not a useful clause
    expect(pf.stages![1].map((c) => c.map(text).sort())).toEqual([['"forbid"'], ['"ResponseComplete"', '"ResponseStarted"']]);
    expect(pf.slash).toBe(true); // "/usr/bin/curl": a `\/` escape counts
  });

  test("a constant decides its leaf per shape: raw audit Events (event.dataset) and the sensors (event.action)", () => {
    // a raw audit Event reads event.dataset as a constant: the value is never required alone, only beside a literal
    // of that shape's guard
    const ds = clauses({ eq: "event.dataset", values: ["kubernetes.audit_logs"] })!;
    expect(ds.length).toBeGreaterThan(0);
    for (const c of ds) expect(c.some((n) => n === "audit.k8s.io/" || n === '"Event"'), c.join(" ")).toBe(true);
    // the sensor shapes read event.action as "exec": for another value they drop out
    expect(clauses({ eq: "event.action", values: ["open"] })).toEqual([['"open"']]);
    expect(clauses({ eq: "event.action", values: ["exec"] })![0]).toEqual(['"exec"', "output_fields", "process_exec"]);
  });

  test("a value a shape derives from a substring (Tetragon's basename) is never required as a quoted token alone", () => {
    const cs = clauses({ eq: "process.name", values: ["curl"] })!;
    expect(cs[0]).toEqual(['"curl"', "process_exec"]);
    for (const c of cs) expect(c.includes("curl") || c.includes("process_exec"), c.join(" ")).toBe(true);
  });

  test("fields a shape rewrites (event.outcome of a raw audit Event is its decision) require the rewritten literal", () => {
    const cs = clauses({ eq: "event.outcome", values: ["failure"] })!;
    for (const c of cs) expect(c.includes('"failure"') && (c.includes('"forbid"') || c.includes("audit.k8s.io/")), c.join(" ")).toBe(true);
  });

  test("string functions require their value unquoted; regex and cidrmatch require nothing", () => {
    expect(clauses({ suffix: "f", values: ["SH"], insensitive: true })).toEqual([["sh~"]]);
    expect(clauses({ contains: "f", values: ["kubernetes.default"] })).toEqual([["kubernetes.default"]]);
    expect(clauses({ regex: "f", patterns: ["curl.*"] })).toBeUndefined();
    expect(clauses({ cidr: "f", blocks: ["10.0.0.0/8"] })).toBeUndefined();
    expect(clauses({ isFalse: "f" })).toBeUndefined();
  });

  test("values a JSON number or literal could match require nothing", () => {
    for (const v of ["0", "-1", "2.5", " 7", ".5", "true", "False", "null", "Infinity", "NaN"]) expect(clauses({ eq: "user.id", values: ["x", v] })).toBeUndefined();
    expect(clauses({ eq: "user.id", values: ["x0"] })).toEqual([['"x0"']]);
  });

  test("values JSON can only spell escaped (quote, backslash, control) require nothing", () => {
    for (const v of ['a"b', "a\\b", "a\nb", ""]) expect(clauses({ eq: "f", values: [v] })).toBeUndefined();
  });

  test("not, exists, == true, comparisons and unknown operators require nothing; an `or` with such a child too", () => {
    expect(clauses({ not: { eq: "f", values: ["x"] } })).toBeUndefined();
    expect(clauses({ exists: "f" })).toBeUndefined();
    expect(clauses({ isTrue: "f" })).toBeUndefined();
    expect(clauses({ cmp: "f", rel: "==", value: "abc" })).toBeUndefined();
    expect(clauses({ regex: "f", pattern: "curl" } as unknown as Expr)).toBeUndefined();
    expect(clauses({ eq: "f", values: ["x"], numbers: true } as unknown as Expr)).toBeUndefined(); // an op grown new options
    expect(clauses({ any: [{ eq: "f", values: ["x"] }, { exists: "g" }] })).toBeUndefined();
    // while `and` keeps the requirement of the children that have one
    expect(clauses({ all: [{ eq: "f", values: ["x"] }, { exists: "g" }] })).toEqual([['"x"']]);
  });

  test("like patterns require their longest literal run, unquoted; like~ and in~ compare case-insensitively", () => {
    expect(clauses({ like: "f", patterns: ["*Authorization: Bearer *"] })).toEqual([["Authorization: Bearer "]]);
    expect(clauses({ like: "f", patterns: ["http?://*.svc*", "x*"], insensitive: true })).toEqual([["http~", "x~"]]);
    expect(clauses({ like: "f", patterns: ["*"] })).toBeUndefined();
    expect(clauses({ eqCi: "f", values: ["CuRl"] })).toEqual([['"curl"~']]);
  });

  test("the shared literal of several rules is searched once", () => {
    const one = derivePrefilter([SEED_RULE], SHAPES);
    const two = derivePrefilter([SEED_RULE, { ...structuredClone(SEED_RULE), id: "b" }], SHAPES);
    expect(two.groups[0].needles.length).toBe(one.groups[0].needles.length);
    expect(two.needles.length).toBe(one.needles.length);
  });
});

describe("the engine", () => {
  const run = (records: unknown[], opts = {}) => {
    const c = createCorrelator({ clock: () => T0 + 10_000, ...SMALL, ...opts });
    const input = records.map(line).join("\n") + "\n";
    const out = Buffer.concat([c.write(input), c.end()]).toString();
    return { out, input, stats: c.stats() };
  };

  test("records without the literals pass uninspected; the sequence is still found", () => {
    const r = run([{ log: "hello" }, s1(0), { log: "forbidden" }, s2raw(100)]);
    expect(r.stats).toMatchObject({ records_in: 4, prefilter_skipped: 2, matches: 1 });
  });

  test("a literal spelled with \\u escapes is decoded and found (counted as escaped)", () => {
    const esc = line(s2raw(100)).replace('"forbid"', '"f\\u006Frbi\\u0064"');
    const r = run([s1(0), esc]);
    expect(r.stats).toMatchObject({ matches: 1, prefilter_escaped: 1, prefilter_skipped: 0 });
  });

  test("a `\\/` escape counts when a required literal holds a slash", () => {
    const when: Expr = { all: [{ eq: "process.executable", values: ["/usr/bin/curl"] }] };
    const rules = [rule(when)];
    const plain = { ...s1(0), process: { executable: "/usr/bin/curl" } };
    const escaped = line(plain).replace("/usr/bin/curl", "\\/usr\\/bin\\/curl");
    expect(run([plain], { rules }).stats).toMatchObject({ matches: 1, prefilter_skipped: 0 });
    expect(run([escaped], { rules }).stats).toMatchObject({ matches: 1, prefilter_skipped: 0, prefilter_escaped: 1 });
    // decoded, it is another path: passed over after all
    expect(run(['{"a":"\\/usr\\/bin\\/wget"}'], { rules }).stats).toMatchObject({ prefilter_skipped: 1, prefilter_escaped: 1 });
  });

  test('a literal inside a JSON text carried in a string (\\"forbid\\") is not passed over', () => {
    const carried = { log: line(s2raw(100)), stream: "stdout" };
    expect(line(carried)).toContain('\\"forbid\\"');
    expect(run([carried]).stats).toMatchObject({ prefilter_skipped: 0 });
    // and escapes one level down (\\u…) send the record the full way
    const deeper = { log: line(s2raw(100)).replace('"forbid"', '"forbi\\u0064"'), stream: "stdout" };
    expect(run([deeper]).stats).toMatchObject({ prefilter_skipped: 0, prefilter_escaped: 1 });
  });

  test("a rule that requires no literal turns the prefilter off: every record is inspected", () => {
    const r = run([{ a: 1 }, "bad"], { rules: [rule({ isTrue: "process.interactive" })] });
    expect(r.stats).toMatchObject({ prefilter_skipped: 0, invalid: 1 });
  });

  test("a rule whose literals are all unquoted fragments loads in both builds (the quote still delimits tokens)", async () => {
    const rules = [rule({ suffix: "process.name", values: [".sh"] }), rule({ contains: "process.command_line", values: ["base64 -d"], insensitive: true })];
    for (const r of rules) {
      expect(derivePrefilter([r], SHAPES).needles.every((n) => !n.quoted)).toBe(true);
      const c = run([{ process: { name: "x.sh", command_line: "echo | BASE64 -D" } }, { log: "plain" }], { rules: [r] });
      expect(c.stats).toMatchObject({ prefilter_skipped: 1 });
      expect(new FluentBitFilter(await fluentBitVariant({}, [r])).x.podprobe_ready()).toBe(1);
    }
  });

  test('validate "all" inspects and counts every record; any other value is refused naming the option', () => {
    const r = run([{ a: 1 }, "bad", s1(0), s2raw(100)], { validate: "all" });
    expect(r.stats).toMatchObject({ prefilter_skipped: 0, invalid: 1, matches: 1 });
    expect(() => createCorrelator({ validate: "some" as never })).toThrow(/option validate: expected one of candidates, all \(got "some"\)/);
  });
});
