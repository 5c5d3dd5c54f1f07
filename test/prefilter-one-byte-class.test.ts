// The Fluent Bit module's SWAR search tests a byte class of one byte without forcing each byte's high bit first
// (needle-tables.ts oneByteClasses): a non-ASCII byte equal to that byte with its high bit set borrows from the
// byte above it in the subtraction. For a class byte under 0x40 that byte may be the last of a UTF-8 character
// (`°` is C2 B0, and B0 is `0` with its high bit set), and the byte above it the needle's own: it must still be
// flagged. So a fragment right after every two-byte character is found by the module wherever the library
// finds it.
import { expect, test } from "vitest";
import { COUNTER_NAMES, createCorrelator, ruleFromToml, type SequenceRule } from "../host/index.js";
import { derivePrefilter } from "../host/rules/prefilter.js";
import { SHAPES } from "../host/rules/shapes.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { line, s1, T0 } from "./helpers.js";

const rule = (id: string, query: string): SequenceRule =>
  ruleFromToml({ rule: { rule_id: id, name: id, description: id, risk_score: 21, severity: "low", type: "eql", language: "eql", query } }, `${id}.toml`);

// a fragment of digits and a slash: the first search step tests one-byte classes, `0` among them
const RULES = [rule("fragment", 'process where process.name like "*0/0*"')];
const SKIPPED = COUNTER_NAMES.indexOf("prefilter_skipped");

test("a one-byte class is found right after every two-byte UTF-8 character (Fluent Bit module agrees with the library)", async () => {
  const classes = derivePrefilter(RULES, SHAPES).groups[0].classes;
  expect(classes).toContainEqual({ mask: 0, pattern: 0x30 });
  const opts = { clock: () => T0 + 60_000, maxKeys: 4096, maxStateBytes: 8 << 20, latenessMs: 86_400_000, rules: RULES };
  const lib = createCorrelator({ ...opts, validate: "all" });
  const fb = new FluentBitFilter(await fluentBitVariant({}, RULES));
  expect(fb.x.podprobe_ready()).toBe(1);
  const missed: string[] = [];
  let records = 0;
  let candidates = 0;
  for (let cp = 0x80; cp < 0x800; cp++) {
    // the character right before the fragment, with the fragment at each offset within its 8-byte word
    for (const at of [0, 3, 7]) {
      const text = line(s1(cp % 1000, { name: "@".repeat(at) + String.fromCodePoint(cp) + "0/0 tail" }));
      records++;
      const before = lib.stats().candidates_stage1;
      lib.write(text + "\n");
      const took = lib.stats().candidates_stage1 > before;
      if (took) candidates++;
      const skipped = fb.counter(SKIPPED);
      fb.call(text, T0 + 60_000);
      if (took && fb.counter(SKIPPED) > skipped) missed.push(`U+${cp.toString(16)} at offset ${at}`);
    }
  }
  expect(missed).toEqual([]);
  expect(candidates).toBe(records); // not vacuous: every record is a candidate for the library
}, 60_000);
