// host/rules/eql.ts: every construct of the subset, and every error names the construct and its place.
import { describe, expect, test } from "vitest";
import { parseEql, EqlError } from "../host/index.js";

describe("constructs", () => {
  test("sequence with by, maxspan and per-stage by", () => {
    const q = parseEql("sequence by host.id with maxspan=30s\n [process where true] by a\n [file where false] by `b.c/d-e`");
    expect(q).toEqual({
      kind: "sequence",
      by: ["host.id"],
      maxspanMs: 30_000,
      stages: [
        { query: { category: "process", where: { k: "bool", value: true } }, by: ["a"] },
        { query: { category: "file", where: { k: "bool", value: false } }, by: ["b.c/d-e"] },
      ],
    });
  });
  test.each([["500ms", 500], ["1s", 1000], ["2m", 120_000], ["1h", 3_600_000], ["1d", 86_400_000]])("maxspan=%s", (d, ms) => {
    const q = parseEql(`sequence with maxspan=${d} [any where true] [any where true]`);
    expect(q.kind === "sequence" && q.maxspanMs).toBe(ms);
  });
  test("single-event queries of every category", () => {
    for (const c of ["process", "file", "network", "any", "registry"]) expect(parseEql(`${c} where a == 1`)).toMatchObject({ kind: "event", query: { category: c } });
  });
  test("and binds tighter than or; not; parentheses", () => {
    const q = parseEql('any where a == "1" or b == "2" and not c == "3"');
    expect(q.kind === "event" && q.query.where).toEqual({
      k: "or",
      items: [
        { k: "cmp", op: "==", field: "a", value: "1" },
        { k: "and", items: [{ k: "cmp", op: "==", field: "b", value: "2" }, { k: "not", item: { k: "cmp", op: "==", field: "c", value: "3" } }] },
      ],
    });
    const p = parseEql('any where (a == "1" or b == "2") and c == "3"');
    expect(p.kind === "event" && p.query.where.k).toBe("and");
  });
  test("every comparison operator and literal kind", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">=", ":"]) {
      const q = parseEql(`any where f ${op} 5`);
      expect(q.kind === "event" && q.query.where).toEqual({ k: "cmp", op, field: "f", value: 5 });
    }
    const lits = parseEql('any where a == "s\\"q\\\\" and b == 1.5 and c == -2 and d == true and e == false and f == null and g == """raw\\n"""');
    expect(lits.kind === "event" && lits.query.where.k === "and" && lits.query.where.items.map((i) => (i as { value: unknown }).value)).toEqual(['s"q\\', 1.5, -2, true, false, null, "raw\\n"]);
  });
  test("in, not in, in~, like, like~ with one value or lists, and : with a list", () => {
    const w = (s: string) => {
      const q = parseEql(`any where ${s}`);
      return q.kind === "event" ? q.query.where : undefined;
    };
    expect(w('a in ("x", "y")')).toEqual({ k: "in", field: "a", values: ["x", "y"], insensitive: false });
    expect(w('not a in ("x")')).toEqual({ k: "not", item: { k: "in", field: "a", values: ["x"], insensitive: false } });
    expect(w('a not in ("x")')).toEqual({ k: "not", item: { k: "in", field: "a", values: ["x"], insensitive: false } });
    expect(w('a in~ ("X")')).toEqual({ k: "in", field: "a", values: ["X"], insensitive: true });
    expect(w('a like "*x?"')).toEqual({ k: "like", field: "a", patterns: ["*x?"], insensitive: false });
    expect(w('a like~ ("*A*", "b*")')).toEqual({ k: "like", field: "a", patterns: ["*A*", "b*"], insensitive: true });
    expect(w('a : ("x*", "y")')).toEqual({ k: "like", field: "a", patterns: ["x*", "y"], insensitive: true });
  });
  test("comments and backtick fields", () => {
    const q = parseEql('/* a\nb */ any where `user.extra.authentication.kubernetes.io/pod-name` == "p" // trailing\n');
    expect(q.kind === "event" && q.query.where).toEqual({ k: "cmp", op: "==", field: "user.extra.authentication.kubernetes.io/pod-name", value: "p" });
  });
});

describe("errors name the construct, line and column", () => {
  test.each([
    ["sequence [any where true] [any where true] until [any where true]", /unsupported construct "until" at line 1, column 44/],
    ["any where true | head 5", /unsupported construct "\|" \(pipes\) at line 1, column 16/],
    ['any where length(a) > 1', /unsupported construct "length\(…\)" \(functions\) at line 1, column 11/],
    ["sequence with runs=2 [any where true] [any where true]", /unsupported construct "with runs" at line 1, column 15/],
    ["join [any where true] [any where true]", /unsupported construct "join" at line 1, column 1/],
    ["sample by a [any where true] [any where true]", /unsupported construct "sample" at line 1, column 1/],
    ["sequence with maxspan=5y [any where true] [any where true]", /unsupported maxspan unit "y" at line 1, column 23/],
    ["sequence [any where true]", /a sequence needs at least two stages at line 1, column 26/],
    ["any where a == 'x'", /single-quoted strings at line 1, column 16/],
    ['any where a == "x', /unterminated string at line 1, column 16/],
    ["any where a ~= 1", /expected a comparison after "a", found "~" at line 1, column 13/],
    ["any where\n  a ==", /expected a value, found the end at line 2, column 7/],
    ["process a == 1", /expected "where", found "a" at line 1, column 9/],
    ["any where a regex \"x\"", /unsupported construct "regex" at line 1, column 13/],
    ["any where a == 1 )", /unexpected "\)" at line 1, column 18/],
    ["/* open", /unterminated comment at line 1, column 1/],
  ])("%s", (src, message) => {
    expect(() => parseEql(src)).toThrow(EqlError);
    expect(() => parseEql(src)).toThrow(message);
  });
});
