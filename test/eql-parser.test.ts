// host/rules/eql.ts: every construct of the grammar podprobe reads, what Elasticsearch accepts and rejects at the
// token level, and every refusal names the construct, its line and its column. The Elasticsearch source that
// decides each point is named beside it (x-pack/plugin/eql/src/main/antlr/EqlBase.g4 is "the grammar";
// parser/ is x-pack/plugin/eql/src/main/java/org/elasticsearch/xpack/eql/parser/).
import { describe, expect, test } from "vitest";
import { parseEql, EqlError } from "../host/index.js";

const where = (s: string) => {
  const q = parseEql(`any where ${s}`);
  return q.kind === "event" ? q.query.where : undefined;
};
const refused = (src: string) => {
  try {
    parseEql(src);
  } catch (e) {
    if (e instanceof EqlError) return e;
    throw e;
  }
  throw new Error(`accepted: ${src}`);
};

describe("constructs", () => {
  test("sequence with by, maxspan and per-stage by", () => {
    const q = parseEql("sequence by host.id with maxspan=30s\n [process where true] by a\n [file where false] by `b.c/d-e`");
    expect(q).toEqual({
      kind: "sequence",
      by: ["host.id"],
      maxspanMs: 30_000,
      stages: [
        { query: { category: "process", where: { k: "bool", value: true } }, by: ["a"], runs: 1 },
        { query: { category: "file", where: { k: "bool", value: false } }, by: ["b.c/d-e"], runs: 1 },
      ],
    });
  });
  test.each([["500ms", 500], ["1s", 1000], ["2m", 120_000], ["1h", 3_600_000], ["1d", 86_400_000], ["5 s", 5000], ["5\n  s", 5000]])("maxspan=%s", (d, ms) => {
    // the grammar: timeUnit : number unit=IDENTIFIER? — whitespace between them is only a separator
    const q = parseEql(`sequence with maxspan=${d} [any where true] [any where true]`);
    expect(q.kind === "sequence" && q.maxspanMs).toBe(ms);
  });
  test("a sequence without maxspan, several by keys, with runs after by (the grammar: sequenceTerm : subquery (by=joinKeys)? (WITH key ASGN number)?)", () => {
    const q = parseEql("sequence by host.id, user.id\n [process where true] by process.pid with runs=3\n [file where true] by process.ppid");
    expect(q).toMatchObject({ kind: "sequence", by: ["host.id", "user.id"], maxspanMs: undefined });
    expect(q.kind === "sequence" && q.stages.map((s) => [s.by, s.runs])).toEqual([[["process.pid"], 3], [["process.ppid"], 1]]);
  });
  test("one term with runs=2 is a sequence of two (parser/LogicalPlanBuilder.java counts terms after expanding runs)", () => {
    const q = parseEql("sequence [process where true] with runs=2");
    expect(q.kind === "sequence" && q.stages[0].runs).toBe(2);
  });
  test("sample by keys with two or more terms", () => {
    const q = parseEql("sample by host.id, process.pid [process where true] by user.id [network where true] by source.ip");
    expect(q).toMatchObject({ kind: "sample", by: ["host.id", "process.pid"] });
    expect(q.kind === "sample" && q.stages.map((s) => s.by)).toEqual([["user.id"], ["source.ip"]]);
  });
  test("single-event queries of every category; a quoted category (the grammar: eventValue : STRING | IDENTIFIER)", () => {
    for (const c of ["process", "file", "network", "any", "registry"]) expect(parseEql(`${c} where a == 1`)).toMatchObject({ kind: "event", query: { category: c } });
    expect(parseEql('"process" where true')).toMatchObject({ query: { category: "process" } });
    expect(parseEql('"""my-category""" where true')).toMatchObject({ query: { category: "my-category" } });
  });
  test("and binds tighter than or; not; parentheses", () => {
    expect(where('a == "1" or b == "2" and not c == "3"')).toEqual({
      k: "or",
      items: [
        { k: "cmp", op: "==", field: "a", value: "1" },
        { k: "and", items: [{ k: "cmp", op: "==", field: "b", value: "2" }, { k: "not", item: { k: "cmp", op: "==", field: "c", value: "3" } }] },
      ],
    });
    expect(where('(a == "1" or b == "2") and c == "3"')?.k).toBe("and");
  });
  test("every comparison operator and literal kind", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="]) expect(where(`f ${op} 5`)).toEqual({ k: "cmp", op, field: "f", value: 5 });
    const lits = where('a == "s\\"q\\\\" and b == 1.5 and c == -2 and d == true and e == false and f == null and g == """raw\\n"""');
    expect(lits?.k === "and" && lits.items.map((i) => (i as { value: unknown }).value)).toEqual(['s"q\\', 1.5, -2, true, false, null, "raw\\n"]);
  });
  test("numbers: 1. and .5 are decimals, exponents, integers beyond 2^53 stay exact (parser/ExpressionBuilder.java visitIntegerLiteral)", () => {
    expect(where("a == 1.")).toMatchObject({ value: 1 });
    expect(where("a == .5")).toMatchObject({ value: 0.5 });
    expect(where("a == 1e3")).toMatchObject({ value: 1000 });
    expect(where("a == 9007199254740993")).toMatchObject({ value: 9007199254740993n });
    expect(where("a == -9223372036854775808")).toMatchObject({ value: -9223372036854775808n });
    // beyond a long, Elasticsearch falls back to a double
    expect(where("a == 18446744073709551616")).toMatchObject({ value: 18446744073709551616 });
  });
  test("string escapes \\b \\t \\n \\f \\r \\\" \\' \\\\ and \\u{2 to 8 hex digits} (parser/AbstractBuilder.java unquoteString)", () => {
    expect(where('a == "\\b\\t\\n\\f\\r\\"\\\'\\\\"')).toMatchObject({ value: "\b\t\n\f\r\"'\\" });
    expect(where('a == "\\u{41}\\u{00e9}\\u{0001F600}"')).toMatchObject({ value: "Aé😀" });
  });
  test('raw strings: no escapes, and one or two quotes after the closing """ belong to the string', () => {
    expect(where('a == """C:\\x"""')).toMatchObject({ value: "C:\\x" });
    expect(where('a == """say "hi""""')).toMatchObject({ value: 'say "hi"' });
  });
  test("in, not in, in~, not in~, like, like~, : with one value or lists, regex and regex~", () => {
    expect(where('a in ("x", "y")')).toEqual({ k: "in", field: "a", values: ["x", "y"], insensitive: false });
    expect(where('not a in ("x")')).toEqual({ k: "not", item: { k: "in", field: "a", values: ["x"], insensitive: false } });
    expect(where('a not in ("x")')).toEqual({ k: "not", item: { k: "in", field: "a", values: ["x"], insensitive: false } });
    expect(where('a not in~ ("X")')).toEqual({ k: "not", item: { k: "in", field: "a", values: ["X"], insensitive: true } });
    expect(where("a in (1, 2)")).toEqual({ k: "in", field: "a", values: [1, 2], insensitive: false });
    expect(where('a like "*x?"')).toEqual({ k: "like", field: "a", patterns: ["*x?"], insensitive: false });
    expect(where('a like~ ("*A*", "b*")')).toEqual({ k: "like", field: "a", patterns: ["*A*", "b*"], insensitive: true });
    expect(where('a : "x"')).toEqual({ k: "like", field: "a", patterns: ["x"], insensitive: true });
    expect(where('a : ("x*", "y")')).toEqual({ k: "like", field: "a", patterns: ["x*", "y"], insensitive: true });
    expect(where('a regex "[a-z]+"')).toEqual({ k: "regex", field: "a", patterns: ["[a-z]+"], insensitive: false });
    expect(where('a regex~ ("x.*", """\\d+""")')).toEqual({ k: "regex", field: "a", patterns: ["x.*", "\\d+"], insensitive: true });
  });
  test("?field: an optional field (the grammar: qualifiedName : OPTIONAL? identifier …)", () => {
    expect(where('?process.parent.executable == "x"')).toEqual({ k: "cmp", op: "==", field: "process.parent.executable", value: "x" });
    expect(where("?`a.b` != null")).toEqual({ k: "cmp", op: "!=", field: "a.b", value: null });
    expect(parseEql("sequence by ?host.id [any where true] [any where true]")).toMatchObject({ by: ["host.id"] });
  });
  test("a bare field is a boolean condition (analysis: AddMissingEqualsToBoolField)", () => {
    expect(where("process.interactive")).toEqual({ k: "truthy", field: "process.interactive" });
    expect(where("not process.interactive and a == 1")).toEqual({ k: "and", items: [{ k: "not", item: { k: "truthy", field: "process.interactive" } }, { k: "cmp", op: "==", field: "a", value: 1 }] });
  });
  test("functions, by any case of their name, with ~ variants and field or constant arguments", () => {
    expect(where('cidrMatch(source.ip, "10.0.0.0/8", "::1")')).toEqual({ k: "call", call: { name: "cidrmatch", insensitive: false, args: [{ k: "field", name: "source.ip" }, { k: "lit", value: "10.0.0.0/8" }, { k: "lit", value: "::1" }] } });
    expect(where("stringcontains(process.executable, process.command_line)")).toMatchObject({ k: "call", call: { name: "stringcontains", args: [{ k: "field" }, { k: "field" }] } });
    expect(where('startsWith~(a, "X")')).toMatchObject({ k: "call", call: { name: "startswith", insensitive: true } });
    expect(where("length(process.command_line) > 50")).toEqual({ k: "callcmp", op: ">", call: { name: "length", insensitive: false, args: [{ k: "field", name: "process.command_line" }] }, value: 50 });
    expect(where('endsWith(a, "x") == false')).toMatchObject({ k: "not", item: { k: "call" } });
    expect(where('substring(a, 1, -1) in ("b", "c")')).toMatchObject({ k: "or", items: [{ k: "callcmp", value: "b" }, { k: "callcmp", value: "c" }] });
  });
  test("comments, nested block comments and backtick fields (`` inside stands for one backtick)", () => {
    const q = parseEql('/* a /* nested */\nb */ any where `user.extra.authentication.kubernetes.io/pod-name` == "p" // trailing\n');
    expect(q.kind === "event" && q.query.where).toEqual({ k: "cmp", op: "==", field: "user.extra.authentication.kubernetes.io/pod-name", value: "p" });
    expect(where("`a``b`.c == 1")).toMatchObject({ field: "a`b.c" });
  });
});

describe("what Elasticsearch rejects is refused at load, naming the construct, line and column", () => {
  test.each([
    // the grammar's lexer: keywords are lowercase tokens; WHERE and AND are identifiers and the parse fails
    ["process WHERE true", /the keyword "WHERE" \(EQL keywords are lowercase: "where"\) at line 1, column 9/],
    ['any where a == "x" AND b == "y"', /the keyword "AND" .* at line 1, column 20/],
    ["SEQUENCE [any where true] [any where true]", /the keyword "SEQUENCE" .* at line 1, column 1/],
    // IDENTIFIER is letters, digits and _: a - in an unquoted name is a subtraction
    ['any where process.parent-name == "x"', /"-" inside the field name "process.parent-name" \(quote such names with backticks: `process.parent-name`\) at line 1, column 25/],
    // parser/AbstractBuilder.java handleUnicodePoints: 2 to 8 hex digits
    ['any where a == "\\u{1}"', /the escape \\u\{1\}: a \\u\{…\} escape has 2 to 8 hex digits at line 1, column 17/],
    ['any where a == "\\u{123456789}"', /the escape \\u\{123456789\}: a \\u\{…\} escape has 2 to 8 hex digits/],
    ['any where a == "\\u{d800}"', /a surrogate code is not a character/],
    ['any where a == "\\u0041"', /a \\u escape without \{hex digits\}/],
    ['any where a == "\\x"', /the escape \\x \(EQL strings know/],
    // the grammar's STRING rule: a raw string never spans lines
    ['any where a == """one\ntwo"""', /a line break inside a """raw""" string at line 1, column 16/],
    ['any where a == "one\ntwo"', /a line break inside a string/],
    // parser/LogicalPlanBuilder.java visitSequenceParams: whole numbers with a known unit, positive
    ["sequence with maxspan=1.5s [any where true] [any where true]", /the decimal maxspan 1\.5 \(maxspan takes a whole number and a unit\) at line 1, column 23/],
    ["sequence with maxspan=30 [any where true] [any where true]", /maxspan=30 without a unit/],
    ["sequence with maxspan=0s [any where true] [any where true]", /a positive maxspan is required/],
    ["sequence with maxspan=5y [any where true] [any where true]", /the maxspan unit "y" \(ms, s, m, h or d\) at line 1, column 24/],
    ["sequence with maxspan=1s by a [any where true] [any where true]", /"by" after "with"/],
    // expression/predicate InsensitiveWildcardEquals: ":" compares strings
    ["any where a : 5", /the value after ":" must be a string, found "5" at line 1, column 15/],
    ['any where a like 5', /a like pattern must be a string/],
    // parser/AbstractBuilder.java: single quotes and ?"…" strings are refused
    ["any where a == 'x'", /a single-quoted string .* at line 1, column 16/],
    ['any where a == ?"x"', /\?"…" strings/],
    ["sequence [any where true]", /a sequence needs at least two terms \(found 1\) at line 1, column 26/],
    ["sequence [any where true] with runs=0", /runs=0: runs must be between 1 and 100/],
    ["sequence [any where true] with runs=101", /runs must be between 1 and 100/],
    ["sequence [any where true] with runs=2.5", /runs must be a whole number/],
    ["sequence [any where true] with repeats=2", /the option "repeats" \(a sequence term takes "runs"\)/],
    ["sequence [any where true] by a [any where true] by a, b", /inconsistent join keys: this term has 2 "by" fields, the first has 1 at line 1, column 32/],
    ["sample [any where true] [any where true] by a", /inconsistent join keys: this term has 1 "by" fields, the first has 0 at line 1, column 25/],
    ['any where a = "x"', /"=" \(EQL compares with "=="\) at line 1, column 13/],
    ['any where a ~ "x"', /"~" apart from the word/],
    ['any where frobnicate(a)', /the function frobnicate\(\): EQL has no such function at line 1, column 11/],
    ['any where length~(a) > 1', /length has no case-insensitive \(~\) variant/],
    ["any where cidrmatch(a)", /cidrmatch\(\) takes at least 2 arguments, found 1/],
    // eql/planner/QueryTranslator: "Comparisons against fields are not (currently) supported"
    ["any where a == b", /a comparison between fields \("b"\); Elasticsearch compares a field with constants only at line 1, column 16/],
    ['any where a in (b, "x")', /a comparison between fields/],
    ["any where\n  a ==", /expected a value, found the end at line 2, column 7/],
    ["process a == 1", /expected "where", found "a" at line 1, column 9/],
    ["any where a == 1 )", /unexpected "\)" at line 1, column 18/],
    ["/* open", /unterminated comment at line 1, column 1/],
    ['any where a == "x', /unterminated string at line 1, column 16/],
  ])("%s", (src, message) => {
    const e = refused(src);
    expect(e.message).toMatch(message);
    expect(e.kind).toBe("syntax");
  });
});

describe("valid EQL podprobe does not run yet is refused as unsupported", () => {
  test.each([
    ["sequence [any where true] [any where true] until [any where true]", /"until" at line 1, column 44/],
    ["any where true | head 5", /"\|" \(pipes\) at line 1, column 16/],
    ["join [any where true] [any where true]", /"join" at line 1, column 1/],
    ["sequence [any where true] ![any where true]", /a missing-event term !\[…\] at line 1, column 27/],
    ["any where process.pid + 1 > 5", /arithmetic \("\+"\)/],
    ['any where "x" == a', /the constant on the left/],
    ['any where concat(a, "x") == "y"', /the function concat\(\) \(not supported yet\)/],
    ['any where descendant of [any where true]', /"descendant of" \(lineage\)/],
    ["any where process.args[0] == 1", /an array index in a field name/],
  ])("%s", (src, message) => {
    const e = refused(src);
    expect(e.message).toMatch(message);
    expect(e.kind).toBe("unsupported");
  });
});
