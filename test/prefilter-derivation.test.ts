// The literal prefilter is derived from the rules, never listed by hand (host/rules/prefilter.ts), and the
// engine honours what it derives: which literals a stage requires, which constructs require none, how escapes
// and carried JSON texts are treated, and the `validate` option.
import { describe, expect, test } from "vitest";
import { createCorrelator, SEED_RULE, type Expr, type SequenceRule } from "../host/index.js";
import { derivePrefilter, type Needle } from "../host/rules/prefilter.js";
import { SHAPES } from "../host/rules/shapes.js";
import { line, s1, s2raw, T0, SMALL } from "./helpers.js";

const text = (n: Needle) => `${n.quoted ? '"' : ""}${Buffer.from(n.bytes).toString()}${n.quoted ? '"' : ""}${n.ci ? "~" : ""}`;
/** One single-event rule whose only stage is `when`. */
const rule = (when: Expr): SequenceRule => ({ ...structuredClone(SEED_RULE), id: "t", message: "match in {key}", stages: [{ ...structuredClone(SEED_RULE.stages[0]), when }] });
const clauses = (when: Expr) => derivePrefilter([rule(when)], SHAPES).stages?.[0].map((c) => c.map(text).sort());

describe("derivation", () => {
  test("the seed rule: each stage's primary literal is a quoted token (exec, forbid), then its other clauses", () => {
    const pf = derivePrefilter([SEED_RULE], SHAPES);
    expect(pf.stages!.map((st) => st[0].map(text))).toEqual([['"exec"'], ['"forbid"']]);
    const s1 = pf.stages![0].map((c) => c.map(text));
    // `a or (b and c)` gives a ∪ b and a ∪ c: the tool names, or the shells; the tool names, or the tool arguments
    expect(s1).toContainEqual(expect.arrayContaining(['"curl"', '"bash"', '"busybox"']));
    expect(s1).toContainEqual(expect.arrayContaining(['"curl"', '"/usr/local/bin/curl"', '"ssl_client"']));
    expect(s1.flat()).not.toContain('"process"'); // a key name of the fields the rule reads: not a useful clause
    expect(pf.stages![1].map((c) => c.map(text).sort())).toEqual([['"forbid"'], ['"ResponseComplete"', '"ResponseStarted"']]);
    expect(pf.slash).toBe(true); // "/usr/bin/curl": a `\/` escape counts
  });

  test("a field that some shape reads as a constant requires nothing (raw audit Events have no event.dataset)", () => {
    expect(clauses({ eq: "event.dataset", values: ["kubernetes.audit_logs"] })).toBeUndefined();
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
    const pf = derivePrefilter([SEED_RULE, { ...structuredClone(SEED_RULE), id: "b" }], SHAPES);
    expect(pf.groups[0].needles.length).toBe(2);
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
    const r = run([{ a: 1 }, "bad"], { rules: [rule({ exists: "process.name" })] });
    expect(r.stats).toMatchObject({ prefilter_skipped: 0, invalid: 1 });
  });

  test('validate "all" inspects and counts every record; any other value is refused naming the option', () => {
    const r = run([{ a: 1 }, "bad", s1(0), s2raw(100)], { validate: "all" });
    expect(r.stats).toMatchObject({ prefilter_skipped: 0, invalid: 1, matches: 1 });
    expect(() => createCorrelator({ validate: "some" as never })).toThrow(/option validate: expected one of candidates, all \(got "some"\)/);
  });
});
