// regex / regex~: Elasticsearch runs a regexp query (eql/parser/ExpressionBuilder.java → Match → ql RegexMatch →
// Lucene org.apache.lucene.util.automaton.RegExp with all syntax flags; regex~ sets ASCII case insensitivity).
// Lucene patterns match the whole value, so ^ and $ are ordinary characters. podprobe compiles the patterns on
// the host into one DFA over UTF-8 bytes (host/rules/regex.ts) that the engine runs (assembly/regex.ts).
import { describe, expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { compileRegex, runRegex, MAX_DFA_STATES } from "../host/rules/regex.js";
import { matching } from "./eql-match.js";

const on = (pattern: string, values: unknown[], ci = false) => matching(`a regex${ci ? "~" : ""} """${pattern}"""`, values.map((a) => ({ a })));

describe("anchoring: the whole value", () => {
  test("no implicit .* on either side", () => {
    expect(on("abc", ["abc", "xabc", "abcx", "ABC"])).toEqual([0]);
    expect(on(".*abc.*", ["abc", "xabcx", "ab"])).toEqual([0, 1]);
  });
  test("^ and $ are literal characters in Lucene syntax", () => {
    expect(on("^a$", ["a", "^a$"])).toEqual([1]);
  });
});

describe("classes", () => {
  test("ranges, negation, escapes and shorthands", () => {
    expect(on("[a-c]+", ["abcabc", "abd", ""])).toEqual([0]);
    expect(on("[^-]+", ["abc", "a-b"])).toEqual([0]);
    expect(on("[a-z0-9_\\-]+", ["a-b_9", "A"])).toEqual([0]);
    expect(on("\\d+\\.\\w+\\s\\S", ["12.ab_ x", "12.ab x ", "a2.ab x"])).toEqual([0]);
    expect(on("\\D\\W", ["a-", "1-", "a1"])).toEqual([0]);
  });
  test(". is any character, multi-byte ones included; a class of non-ASCII ranges", () => {
    expect(on("a.c", ["abc", "a\u00e9c", "a\u{1F600}c", "ac"])).toEqual([0, 1, 2]);
    expect(on("[\u00e0-\u00ff]+", ["\u00e9\u00e8", "e"])).toEqual([0]);
    expect(on("[^a]", ["\u{1F600}", "a"])).toEqual([0]);
  });
  test('quoted strings and backslash escapes are literal ("…", \\.)', () => {
    expect(on('"a.b"c', ["a.bc", "axbc"])).toEqual([0]);
    expect(on("a\\.b", ["a.b", "axb"])).toEqual([0]);
  });
});

describe("repetition and alternation", () => {
  test("? * + {n} {n,} {n,m} and groups", () => {
    expect(on("ab?c", ["ac", "abc", "abbc"])).toEqual([0, 1]);
    expect(on("(ab)+", ["ab", "abab", "aba", ""])).toEqual([0, 1]);
    expect(on("[0-9]{1,3}\\.[0-9]{1,3}", ["1.22", "1234.1", "12.123"])).toEqual([0, 2]);
    expect(on("x{2}", ["xx", "x", "xxx"])).toEqual([0]);
    expect(on("x{2,}", ["xx", "x", "xxxx"])).toEqual([0, 2]);
    expect(on("cat|dog|", ["cat", "dog", "", "cow"])).toEqual([0, 1, 2]);
  });
  test("@ is any string, # matches nothing, () the empty string", () => {
    expect(on("a@", ["a", "abc", "b"])).toEqual([0, 1]);
    expect(on("#|x", ["x", ""])).toEqual([0]);
    expect(on("a()b", ["ab"])).toEqual([0]);
  });
  test("a list of patterns matches when any does", () => {
    expect(matching('a regex ("x+", "y+")', [{ a: "xx" }, { a: "yy" }, { a: "xy" }])).toEqual([0, 1]);
  });
});

describe("regex~ folds ASCII letters only", () => {
  test("letters in literals and classes", () => {
    expect(on("php[0-9]?", ["PHP7", "php", "pHp8"], true)).toEqual([0, 1, 2]);
    expect(on("[a-c]x", ["BX", "dx"], true)).toEqual([0]);
    expect(on("\u00e9", ["\u00c9"], true)).toEqual([]);
  });
});

describe("values", () => {
  test("any element of an array; numbers by their text; escaped JSON strings decoded on the fly", () => {
    expect(on("b.*", [["a", "bc"], ["a"]])).toEqual([0]);
    expect(on("4[0-9]+", [4444, 5])).toEqual([0]);
    // an EQL "…" string turns \n into a newline; in a """raw""" pattern Lucene reads \n as the letter n
    expect(matching('a regex "x\\ny"', ['{"a":"x\\ny"}', '{"a":"x\\\\ny"}'])).toEqual([0]);
    expect(matching('a regex """x\\ny"""', ['{"a":"x\\ny"}', '{"a":"xny"}'])).toEqual([1]);
    expect(matching('a regex """\u00e9+"""', ['{"a":"\\u00e9\\u00e9"}'])).toEqual([0]);
  });
  test("long values are matched without a copy (no scratch limit)", () => {
    const long = "x".repeat(100_000) + "\\\\" + "y";
    expect(matching('a regex "x+\\\\\\\\y"', [`{"a":"${long}"}`])).toEqual([0]);
  });
});

describe("refused at load with the construct", () => {
  const load = (q: string) => () => ruleFromToml({ rule: { rule_id: "x", name: "X", query: q } }, "x.toml");
  test("syntax errors", () => {
    expect(load('any where a regex "(ab"')).toThrow(/regex "\(ab": expected "\)" at character 4 of the pattern at line 1, column 11/);
    expect(load('any where a regex "a{3,1}"')).toThrow(/the maximum is below the minimum/);
    expect(load('any where a regex "*a"')).toThrow(/"\*" with nothing to repeat/);
  });
  test("Lucene operators podprobe does not run yet: ~ complement, & intersection, <…> intervals", () => {
    expect(load('any where a regex "~a"')).toThrow(/unsupported: .*"~" \(complement\)/);
    expect(load('any where a regex "a&b"')).toThrow(/"&" \(intersection\)/);
    expect(load('any where a regex "<1-10>"')).toThrow(/intervals/);
  });
  test(`the state cap (${MAX_DFA_STATES} DFA states)`, () => {
    // (a|b)*a(a|b){n} needs 2^(n+1) states as a DFA
    expect(load('any where a regex "(a|b)*a(a|b){7}"')).not.toThrow();
    expect(load('any where a regex "(a|b)*a(a|b){9}"')).toThrow(/unsupported: .*automaton states/);
    expect(() => compileRegex(["(a|b)*a(a|b){9}"], false)).toThrow(/1024 automaton states \(at most 512\)/);
  });
});

test("the host runner and the engine agree (the host runner is the reference for the automaton)", () => {
  const p = "[a-z]+[0-9]{2,3}(\\.[a-z]+)?";
  const values = ["ab12", "ab1", "abc123.xyz", "abc1234", "ab12.", "Ab12"];
  const dfa = compileRegex([p], false);
  expect(on(p, values)).toEqual(values.flatMap((v, i) => (runRegex(dfa, v) ? [i] : [])));
});
