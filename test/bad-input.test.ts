// SPEC §6: whatever arrives, every record leaves byte-identical, in order, and is counted; the engine keeps
// working afterwards.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { line, s1, s2raw, T0, SMALL } from "./helpers.js";

function pass(inputs: (string | Uint8Array)[], opts = {}) {
  const c = createCorrelator({ clock: () => T0 + 10_000, ...SMALL, ...opts });
  const parts = inputs.map((x) => (typeof x === "string" ? Buffer.from(x + "\n") : Buffer.concat([x, Buffer.from("\n")])));
  const input = Buffer.concat(parts);
  const out = Buffer.concat([c.write(input), c.end()]);
  return { input, out, stats: c.stats(), c };
}

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObj = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

const CASES: [string, string | Uint8Array, "invalid" | "oversize" | "ok"][] = [
  ["invalid JSON", '{"a":', "invalid"],
  ["a truncated record", line(s1(0)).slice(0, 80), "invalid"],
  ["a top-level array", "[1,2,3]", "invalid"],
  ["a top-level string", '"hello"', "invalid"],
  ["a top-level number", "42", "invalid"],
  ["an empty line", "", "invalid"],
  ["only whitespace", "   \t ", "invalid"],
  ["trailing garbage", '{"a":1} x', "invalid"],
  ["two objects on a line", '{"a":1}{"b":2}', "invalid"],
  ["invalid UTF-8 in a string", Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), "invalid"],
  ["an overlong UTF-8 encoding", Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), "invalid"],
  ["a UTF-8 surrogate", Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), "invalid"],
  ["a raw control character in a string", '{"a":"x\u0001y"}', "invalid"],
  ["a NUL byte", '{"a":"x\u0000"}', "invalid"],
  ["a bad escape", '{"a":"\\x"}', "invalid"],
  ["a short \\u escape", '{"a":"\\u12"}', "invalid"],
  ["a lone surrogate escape (valid JSON)", '{"a":"\\ud800"}', "ok"],
  ["nesting deeper than 128", `{"a":${deep(128)}}`, "invalid"],
  ["nesting at 128", deepObj(127), "ok"],
  ["a number with a leading zero", '{"a":01}', "invalid"],
  ["a number without digits after the point", '{"a":1.}', "invalid"],
  ["numbers of every valid form", '{"a":[0,-0,1.5,-2e10,3E+2,4e-3,123456789012345678901234567890]}', "ok"],
  ["a misspelled literal", '{"a":tru}', "invalid"],
  ["duplicate keys of a rule field", line(s1(0)).replace('"host":', '"process":{"name":"curl"},"host":'), "invalid"],
  ["duplicate keys elsewhere (valid JSON)", '{"a":1,"a":2}', "ok"],
  ["a huge array", `{"a":[${Array.from({ length: 100000 }, (_, i) => i).join(",")}]}`, "ok"],
  ["a missing comma", '{"a":1 "b":2}', "invalid"],
  ["a single quote string", "{'a':1}", "invalid"],
];

test.each(CASES)("%s passes byte-identical and is counted (validate all)", (_name, rec, kind) => {
  const r = pass(['{"before":1}', rec, '{"after":2}'], { validate: "all" });
  expect(Buffer.compare(r.out, r.input)).toBe(0);
  expect(r.stats.records_in).toBe(3);
  expect(r.stats.records_out).toBe(3);
  expect(r.stats.invalid).toBe(kind === "invalid" ? 1 : 0);
});

test.each(CASES)("%s passes byte-identical; counted as invalid when inspected (validate candidates)", (_name, rec, kind) => {
  const r = pass(['{"before":1}', rec, '{"after":2}']);
  expect(Buffer.compare(r.out, r.input)).toBe(0);
  expect(r.stats.records_in).toBe(3);
  expect(r.stats.records_out).toBe(3);
  // the records around it hold no rule literal: skipped; the record itself is either skipped or inspected
  const inspected = 3 - r.stats.prefilter_skipped;
  expect(inspected === 0 || inspected === 1).toBe(true);
  expect(r.stats.invalid).toBe(kind === "invalid" && inspected === 1 ? 1 : 0);
});

test("an invalid record that holds a stage's literals is inspected and counted (validate candidates)", () => {
  const bad = ['{"d":["forbid","ResponseComplete"]', '{"d":["forbid","ResponseComplete"]} x', line(s1(0)).replace('"exec"', '"exec",,')];
  const r = pass(bad);
  expect(Buffer.compare(r.out, r.input)).toBe(0);
  expect(r.stats).toMatchObject({ records_in: 3, records_out: 3, invalid: 3, prefilter_skipped: 0 });
});

test("records over max_record_bytes pass through as oversize, however they are chunked", () => {
  const big = JSON.stringify({ m: "x".repeat(5000), ...s1(0) });
  const c = createCorrelator({ clock: () => T0 + 10_000, ...SMALL, maxRecordBytes: 4096, batchBytes: 4096 });
  const input = Buffer.from(`{"a":1}\n${big}\n${big}\n{"b":2}\n${big}`);
  const outs: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += 777) outs.push(c.write(input.subarray(i, i + 777)));
  outs.push(c.end());
  expect(Buffer.compare(Buffer.concat(outs), input)).toBe(0);
  const s = c.stats();
  expect(s.oversize).toBe(3);
  expect(s.records_in).toBe(5);
  expect(s.records_out).toBe(5);
  expect(s.candidates_stage1).toBe(0);
});

test("exactly max_record_bytes is still scanned; one byte more is oversize", () => {
  const rec = line(s1(0));
  const n = Buffer.byteLength(rec);
  const at = pass([rec], { maxRecordBytes: n });
  expect(at.stats.candidates_stage1).toBe(1);
  const over = pass([rec], { maxRecordBytes: n - 1 });
  expect(over.stats.oversize).toBe(1);
  expect(Buffer.compare(over.out, over.input)).toBe(0);
});

test.each(["all", "candidates"] as const)("after a flood of garbage the engine still finds a sequence (validate %s)", (validate) => {
  const junk = Array.from({ length: 2000 }, (_, i) => ["{", '{"a":"\\', "\u00ff", "[[[[", '{"x":1}}', String(i)][i % 6]);
  const r = pass([...junk, line(s1(0)), line(s2raw(100))], { validate });
  expect(r.stats.matches).toBe(1);
  if (validate === "all") expect(r.stats.invalid).toBeGreaterThan(1500);
  else expect(r.stats.prefilter_skipped).toBe(2000);
});
