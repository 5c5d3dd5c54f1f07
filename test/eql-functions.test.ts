// The EQL string functions real rules use. With a constant, Elasticsearch turns startsWith into a prefix query and
// endsWith / stringContains into wildcard queries (ql/planner/ExpressionTranslators, eql/planner/QueryTranslator):
// any element of an array. length(), substring() and functions of two fields run as scripts over each field's
// first doc value (ql/expression/gen/script: doc[f].value — for an array, its smallest element), null when absent;
// `not` of such a script stays null (no match). The `~` variants fold ASCII letters.
import { describe, expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { holds, matching } from "./eql-match.js";

const p = (process: Record<string, unknown>) => ({ process });

describe("startsWith, endsWith, stringContains with a constant", () => {
  test("case-sensitive; ~ folds ASCII", () => {
    expect(matching('startsWith(process.name, "py")', [p({ name: "python3" }), p({ name: "Python3" }), p({ name: "p" })])).toEqual([0]);
    expect(matching('startsWith~(process.name, "py")', [p({ name: "Python3" })])).toEqual([0]);
    expect(matching('endsWith(process.name, ".sh")', [p({ name: "x.sh" }), p({ name: "x.SH" }), p({ name: "sh" })])).toEqual([0]);
    expect(matching('endsWith~(process.name, ".sh")', [p({ name: "x.SH" })])).toEqual([0]);
    expect(matching('stringContains(process.command_line, "base64 -d")', [p({ command_line: "echo x | base64 -d | sh" }), p({ command_line: "BASE64 -D" })])).toEqual([0]);
    expect(matching('stringContains~(process.command_line, "base64 -d")', [p({ command_line: "BASE64 -D" })])).toEqual([0]);
  });
  test("* and ? are literal here, unlike like", () => {
    expect(matching('stringContains(a, "*")', [{ a: "x*y" }, { a: "xy" }])).toEqual([0]);
    expect(matching('endsWith(a, "?")', [{ a: "why?" }, { a: "why" }])).toEqual([0]);
  });
  test("any element of an array; numbers by their text; the empty string is contained in anything", () => {
    expect(holds('startsWith(process.args, "--tok")', p({ args: ["curl", "--token=x"] }))).toBe(true);
    expect(holds('endsWith(a, "00")', { a: 1200 })).toBe(true);
    expect(holds('stringContains(a, "")', { a: "" })).toBe(true);
    expect(holds('stringContains(a, "")', {})).toBe(false);
  });
  test("escaped JSON strings are decoded", () => {
    expect(matching('stringContains(a, "\\"q\\"")', ['{"a":"say \\"q\\""}'])).toEqual([0]);
  });
});

describe("functions of two fields (scripts over first doc values)", () => {
  test("stringContains(a, b): a contains b", () => {
    expect(matching("stringcontains(process.executable, process.name)", [p({ executable: "/usr/bin/python3", name: "python3" }), p({ executable: "/usr/bin/perl", name: "python3" }), p({ executable: "/usr/bin/x" })])).toEqual([0]);
  });
  test("startsWith(a, b) and endsWith~(a, b)", () => {
    expect(holds("startsWith(process.command_line, process.executable)", p({ command_line: "/bin/sh -c id", executable: "/bin/sh" }))).toBe(true);
    expect(holds("startsWith(process.command_line, process.executable)", p({ command_line: "sh -c id", executable: "/bin/sh" }))).toBe(false);
    expect(holds("endsWith~(a, b)", { a: "FILE.TXT", b: ".txt" })).toBe(true);
  });
  test("an array is its smallest element (sorted doc values), absent / null / [] are null", () => {
    expect(holds("stringContains(a, b)", { a: ["zzz", "abc"], b: "bc" })).toBe(true);
    expect(holds("stringContains(a, b)", { a: ["zzz", "abc"], b: "zz" })).toBe(false);
    expect(holds("stringContains(a, b)", { a: "abc", b: [] })).toBe(false);
    expect(holds("stringContains(a, b)", { a: "abc", b: null })).toBe(false);
  });
  test("not of a script is false when an argument is null; otherwise the negation", () => {
    expect(matching("not stringContains(a, b)", [{ a: "abc" }, { a: "abc", b: "x" }, { a: "abc", b: "b" }])).toEqual([1]);
  });
});

describe("length()", () => {
  test("UTF-16 code units (Java String.length): é is 1, an emoji is 2", () => {
    expect(matching("length(a) == 3", [{ a: "abc" }, { a: "ab\u00e9" }, { a: "a\u{1F600}" }, { a: "abcd" }])).toEqual([0, 1, 2]);
  });
  test("every relation; absent is null; not length(…) > n is false when absent", () => {
    expect(matching("length(process.command_line) > 5", [p({ command_line: "123456" }), p({ command_line: "12345" }), {}])).toEqual([0]);
    expect(matching("length(a) <= 0", [{ a: "" }, { a: "x" }])).toEqual([0]);
    expect(matching("not length(a) > 5", [{ a: "123" }, {}])).toEqual([0]);
    expect(holds("length(a) == 2", { a: ["abc", "zz"] })).toBe(false); // the smallest element, "abc"
  });
});

describe("substring()", () => {
  test("Python-style positions: negative from the end, clamped, start ≥ end is empty (ql StringUtils.substringSlice)", () => {
    const v = { a: "process.exe" };
    expect(holds('substring(a, 0, 7) == "process"', v)).toBe(true);
    expect(holds('substring(a, -3) == "exe"', v)).toBe(true);
    expect(holds('substring(a, -4, -1) == ".ex"', v)).toBe(true);
    expect(holds('substring(a, 8, 100) == "exe"', v)).toBe(true);
    expect(holds('substring(a, 5, 2) == ""', v)).toBe(true);
    expect(holds('substring(a, -100, 1) == "p"', v)).toBe(true);
    expect(holds('substring(a, 1, 2) in ("x", "r")', v)).toBe(true);
  });
  test("units, not bytes; != is false when absent", () => {
    expect(holds('substring(a, 1, 2) == "\u00e9"', { a: "x\u00e9y" })).toBe(true);
    expect(holds('substring(a, 1, 3) == "\u{1F600}"', { a: "x\u{1F600}y" })).toBe(true);
    expect(holds('substring(a, 1, 2) == "x"', { a: "x\u{1F600}y" })).toBe(false); // half a surrogate pair
    expect(matching('substring(a, 0, 1) != "x"', [{ a: "xy" }, { a: "yy" }, {}])).toEqual([1]);
  });
});

test("wildcard(f, patterns…) is like: case-sensitive, * and ?", () => {
  expect(matching('wildcard(process.executable, "/bin/*", "/usr/bin/?h")', [p({ executable: "/bin/sh" }), p({ executable: "/usr/bin/sh" }), p({ executable: "/usr/BIN/sh" })])).toEqual([0, 1]);
});

test("fn(…) == true, == false and != true", () => {
  expect(matching('startsWith(a, "x") == false', [{ a: "xa" }, { a: "ya" }])).toEqual([1]);
  expect(matching('startsWith(a, "x") != true', [{ a: "xa" }, { a: "ya" }])).toEqual([1]);
  expect(matching('startsWith(a, "x") == true', [{ a: "xa" }, { a: "ya" }])).toEqual([0]);
});

test("refused at load: wrong argument kinds", () => {
  const load = (q: string) => () => ruleFromToml({ rule: { rule_id: "x", name: "X", query: `any where ${q}` } }, "x.toml");
  expect(load('startsWith(a, 1)')).toThrow(/startswith\(\): its second argument must be string constants at line 1, column 11/);
  expect(load('length(a) > "x"')).toThrow(/length\(\) compared with "x"/);
  expect(load("length(a)")).toThrow(/length\(\) is not a condition/);
  expect(load('substring(a, 1.5) == "x"')).toThrow(/whole-number constants/);
  expect(load('startsWith("abc", a)')).toThrow(/unsupported: .*on a constant/);
});
