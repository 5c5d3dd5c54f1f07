// Where EQL's answer is not the obvious one, podprobe answers as Elasticsearch does. Each case names the
// Elasticsearch source that decides it (x-pack/plugin/eql/…/eql/ is "eql/", x-pack/plugin/ql/…/ql/ is "ql/").
import { describe, expect, test } from "vitest";
import { holds, matching } from "./eql-match.js";

describe("f != v is not (f == v)", () => {
  // eql/parser/ExpressionBuilder.java visitComparison: NEQ → new Not(new Equals(…)); ql/planner/ExpressionTranslators
  // Nots: the negation of a term query is a bool must_not, which every document without the value passes.
  test("a string: true when absent, null or [], false when any element equals", () => {
    expect(matching('user.name != "root"', [{}, { user: { name: null } }, { user: { name: [] } }, { user: { name: "root" } }, { user: { name: "bob" } }, { user: { name: ["bob", "root"] } }, { user: { name: ["bob"] } }])).toEqual([0, 1, 2, 4, 6]);
  });
  test("a number: [1, 2] != 1 is false (must_not term 1); [2, 3] != 1 and an absent field are true", () => {
    expect(matching("process.pid != 1", [{ process: { pid: [1, 2] } }, { process: { pid: [2, 3] } }, {}, { process: { pid: 1 } }, { process: { pid: 1.0 } }])).toEqual([1, 2]);
  });
  test("not f == v answers the same", () => {
    const recs = [{}, { a: null }, { a: "x" }, { a: "y" }, { a: ["x", "y"] }];
    expect(matching('not a == "x"', recs)).toEqual(matching('a != "x"', recs));
  });
  test("!= null is present; == null is absent, null or []", () => {
    // eql/parser/ExpressionBuilder.java: == null and != null become IsNull / IsNotNull (exists queries)
    expect(matching("a != null", [{}, { a: null }, { a: [] }, { a: [null] }, { a: "" }, { a: 0 }])).toEqual([4, 5]);
    expect(matching("a == null", [{}, { a: null }, { a: [] }, { a: "" }])).toEqual([0, 1, 2]);
  });
});

describe("a string constant compared with a JSON number compares with the number's text", () => {
  // A keyword field indexes the JSON number 0 as the term "0" (index/mapper/KeywordFieldMapper reads the token's
  // text); ql/planner/ExpressionTranslators turns == "0" into term "0", in into terms, : and like into wildcard.
  const id = (v: unknown) => ({ user: { id: v } });
  test('== "0" matches 0 and "0", not 0.0 (whose text is "0.0") nor "00"', () => {
    expect(matching('user.id == "0"', [id(0), id("0"), "{\"user\":{\"id\":0.0}}", id("00"), id(false)])).toEqual([0, 1]);
  });
  test("in, :, like and != too; any element of an array", () => {
    expect(holds('user.id in ("0", "1000")', id(1000))).toBe(true);
    expect(holds('user.id : "10*"', id(1000))).toBe(true);
    expect(holds('user.id like "1?00"', id(1000))).toBe(true);
    expect(holds('user.id != "0"', id(0))).toBe(false);
    expect(holds('user.id != "0"', id(1))).toBe(true);
    expect(holds('user.id == "5"', id([4, 5]))).toBe(true);
    expect(holds('user.id == "-1"', id(-1))).toBe(true);
  });
});

test('a JSON boolean matches "true" / "false" by its text, as both keyword and boolean fields answer a term query', () => {
  // index/mapper/BooleanFieldMapper: a term "true" on a boolean field is true; a keyword field indexes true as "true"
  expect(matching('a == "true"', [{ a: true }, { a: "true" }, { a: false }, { a: [false, true] }])).toEqual([0, 1, 3]);
  expect(matching('a in ("false")', [{ a: false }, { a: true }])).toEqual([0]);
});

describe("integers compare exactly as 64-bit values", () => {
  // eql/parser/ExpressionBuilder.java visitIntegerLiteral: StringUtils.parseIntegral gives a long; a long field
  // compares longs, so 2^53 + 1 and 2^53 differ (as f64 they would not).
  const pid = (text: string) => `{"process":{"pid":${text}}}`;
  test("== and != beyond 2^53", () => {
    expect(matching("process.pid == 9007199254740993", [pid("9007199254740993"), pid("9007199254740992"), pid("9007199254740994")])).toEqual([0]);
    expect(matching("process.pid != 9007199254740993", [pid("9007199254740993"), pid("9007199254740992")])).toEqual([1]);
  });
  test("ordering at the edges of a long", () => {
    expect(matching("process.pid > 9223372036854775806", [pid("9223372036854775807"), pid("9223372036854775806")])).toEqual([0]);
    expect(matching("process.pid < -9223372036854775807", [pid("-9223372036854775808"), pid("-9223372036854775807")])).toEqual([0]);
  });
  test("numeric strings are coerced the same way; decimals compare as doubles", () => {
    expect(holds("process.pid == 9007199254740993", { process: { pid: "9007199254740993" } })).toBe(true);
    expect(holds("process.pid == 9007199254740993", { process: { pid: "9007199254740992" } })).toBe(false);
    expect(holds("process.pid > 1.5", { process: { pid: 2 } })).toBe(true);
    expect(holds("process.pid == 2", { process: { pid: 2.0 } })).toBe(true);
  });
});

describe("booleans", () => {
  // A boolean field indexes false, "false" and "" as false (index/mapper/BooleanFieldMapper); == false is a term query on
  // it, != false its must_not.
  test("== false: false, \"false\" and \"\"; not true, absent, null or 0", () => {
    expect(matching("a == false", [{ a: false }, { a: "false" }, { a: "" }, { a: true }, {}, { a: null }, { a: 0 }, { a: [true, false] }])).toEqual([0, 1, 2, 7]);
  });
  test("!= false: also absent and null", () => {
    expect(matching("a != false", [{ a: false }, { a: true }, {}, { a: null }, { a: [true, false] }])).toEqual([1, 2, 3]);
  });
  test("a bare boolean field means == true (eql/analysis AddMissingEqualsToBoolField)", () => {
    expect(matching("process.interactive", [{ process: { interactive: true } }, { process: { interactive: "true" } }, { process: { interactive: false } }, {}])).toEqual([0, 1]);
    expect(matching("not process.interactive", [{ process: { interactive: true } }, { process: { interactive: false } }, {}])).toEqual([1, 2]);
  });
  test("in (true, false, null) mixes them", () => {
    expect(matching("a in (false, null)", [{ a: false }, {}, { a: true }])).toEqual([0, 1]);
  });
});

describe("numeric in lists", () => {
  // ql/expression/predicate/operator/comparison/In: each listed number compared as ==.
  test("any listed number, any element, exact integers; strings and numbers mixed", () => {
    expect(matching("process.args_count in (1, 2, 9007199254740993)", [{ process: { args_count: 2 } }, { process: { args_count: [5, 1] } }, { process: { args_count: 3 } }, "{\"process\":{\"args_count\":9007199254740993}}", "{\"process\":{\"args_count\":9007199254740992}}"])).toEqual([0, 1, 3]);
    expect(matching('a in (1, "x")', [{ a: 1 }, { a: "x" }, { a: "1" }, { a: 2 }])).toEqual([0, 1, 2]);
  });
});

describe("optional fields", () => {
  // eql/analysis: an ?field missing from the mapping resolves to null instead of failing the query; podprobe has no
  // mapping, so ?f and f read the same value and an absent one is null.
  test("?f == null, ?f != \"x\" when absent", () => {
    expect(holds("?process.parent.executable == null", {})).toBe(true);
    expect(holds('?process.parent.executable != "/usr/sbin/sshd"', {})).toBe(true);
    expect(holds('?process.parent.executable == "/usr/sbin/sshd"', { process: { parent: { executable: "/usr/sbin/sshd" } } })).toBe(true);
  });
});
