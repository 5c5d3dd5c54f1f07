// The prefilter's search looks a flagged byte up only when the bytes on either side of it may belong to a needle
// anchored there (or to an escape), and finds a quoted needle by the two bytes after a quote. Rules whose
// literals put the anchor at a needle's first byte, its last byte, a one-byte needle and case-insensitive
// letters, and records that spell those literals next to every kind of neighbour — a quote, an escaped quote
// (a JSON text carried in a string), a key's colon, the record's start and end, the other case, escapes —
// must still be inspected whenever the full engine finds a candidate, in the library (v128) and in the Fluent
// Bit module (SWAR); and the rejects must not be vacuous.
import { expect, test } from "vitest";
import { COUNTER_NAMES, createCorrelator, ruleFromToml, type SequenceRule } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { rng } from "../host/cli/sample.js";
import { line, s1, s2raw, T0 } from "./helpers.js";

const rule = (id: string, query: string): SequenceRule =>
  ruleFromToml({ rule: { rule_id: id, name: id, description: id, risk_score: 21, severity: "low", type: "eql", language: "eql", query } }, `${id}.toml`);

// z and q are the rarest letters the anchor choice knows: "aaaz" is anchored at its last byte, "zaaa" at its first,
// "z" is a needle of one byte; in~ compares without case; like~ gives an unquoted fragment (both cases)
const RULES: SequenceRule[] = [
  rule("last-byte", 'process where process.name == "aaaz"'),
  rule("first-byte", 'process where process.name == "zaaa"'),
  rule("one-byte", 'process where process.name == "z"'),
  rule("any-case", 'process where process.name in~ ("QuuX", "aQa")'),
  // two clauses: the second step finds the other's quoted needles after a quote, by their first two bytes
  rule("two-clauses", 'process where process.name == "aaaz" and process.parent.name in~ ("Zebq", "q")'),
  // audit Events, also carried in a log line's string: there a literal reads \"aaaz\"
  rule("audit", 'any where kubernetes.audit.verb == "aaaz" and kubernetes.audit.objectRef.resource in~ ("q", "Zebq")'),
];

const VALUES = ["aaaz", "aaaz", "zaaa", "z", "quux", "QUUX", "qUuX", "aqa", "AQA", "zebq", "ZEBQ", "xZeBqx", "aaa", "aaaZ", "Zaaa", "zz", "az", "aaazz"];

/** A record that holds value v (maybe) in one of many places and spellings. */
function record(r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const v = pick(VALUES);
  const other = pick(VALUES);
  const ms = Math.floor(r() * 1000);
  let text: string;
  if (r() < 0.4) {
    const ev = { ...s2raw(ms), verb: v, objectRef: { resource: pick([...VALUES, "q", "Q", "qq", "zebq"]), namespace: "kube-system" } };
    text = line(ev).replace(`"verb":"${v}"`, `"name":"${v}"`); // (spelled below like a process name, then put back)
  } else {
    const base = s1(ms, { name: v, args: [other, `x${other}`, `${v} ${other}`] });
    (base.process as Record<string, unknown>).parent = { name: pick([...VALUES, "q", "Q", "qq", "zebq"]) };
    text = line(base);
  }
  const audit = text.startsWith('{"kind":"Event"');
  const hex = (c: string) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  switch (Math.floor(r() * 9)) {
    case 0: // carried in a string: \"v\"
      text = JSON.stringify({ log: text, stream: "stdout" });
      break;
    case 1: // the value as a key
      text = text.replace(`"name":"${v}"`, `"${v}":"name"`);
      break;
    case 2: // one letter escaped
      text = text.replace(`"name":"${v}"`, `"name":"${hex(v[0])}${v.slice(1)}"`);
      break;
    case 3: // an escaped quote or backslash next to the value
      text = text.replace(`"name":"${v}"`, pick([`"name":"${v}\\""`, `"name":"\\"${v}"`, `"name":"\\\\${v}"`, `"name":"${v}\\\\"`]));
      break;
    case 4: // the record ends right after the value (invalid: passes either way)
      text = text.slice(0, text.indexOf(`"name":"${v}"`) + `"name":"${v}"`.length);
      break;
    case 5: // spaces around the value
      text = text.replace(`"name":"${v}"`, `"name" : "${v}" `);
      break;
    case 6: // the value opens the record's text
      text = `"${v}"`;
      break;
    default:
      break;
  }
  if (audit) text = text.replace(/"name"(\s?):(\s?)"/, '"verb"$1:$2"').replace(/\\"name\\":/, '\\"verb\\":');
  if (audit && r() < 0.5) text = JSON.stringify({ log: text, stream: "stdout" });
  return text;
}

async function check(rules: SequenceRule[], seed: number, n: number) {
  const r = rng(seed);
  const opts = { clock: () => T0 + 60_000, maxKeys: 4096, maxStateBytes: 8 << 20, latenessMs: 86_400_000, rules };
  const fast = createCorrelator({ ...opts, validate: "candidates" });
  const full = createCorrelator({ ...opts, validate: "all" });
  const fb = new FluentBitFilter(await fluentBitVariant({}, rules));
  expect(fb.x.podprobe_ready()).toBe(1);
  const SKIPPED = COUNTER_NAMES.indexOf("prefilter_skipped");
  const bad: string[] = [];
  let skipped = 0, candidates = 0, fbSkipped = 0;
  for (let i = 0; i < n; i++) {
    const text = record(r);
    const f0 = fast.stats(), a0 = full.stats();
    const outFast = fast.write(text + "\n");
    const outFull = full.write(text + "\n");
    const f1 = fast.stats(), a1 = full.stats();
    const took = a1.candidates_stage1 - a0.candidates_stage1 + a1.candidates_stage2 - a0.candidates_stage2 + a1.no_key - a0.no_key + a1.no_time - a0.no_time + a1.late - a0.late > 0;
    const skip = f1.prefilter_skipped > f0.prefilter_skipped;
    if (took) candidates++;
    if (skip) skipped++;
    if (skip && took) bad.push(text);
    if (!outFast.equals(outFull)) bad.push(`output differs: ${text}`);
    const before = fb.counter(SKIPPED);
    fb.call(text, T0 + 60_000);
    if (fb.counter(SKIPPED) > before) {
      fbSkipped++;
      if (took) bad.push(`Fluent Bit entry: ${text}`);
    }
  }
  return { bad, skipped, candidates, fbSkipped };
}

// each rule alone (no other rule's needle sends its records the full way), then all of them together
test.each(RULES.map((rule, i) => [rule.name, [rule], i] as const).concat([["all of them", RULES, RULES.length]]))(
  "flagged bytes next to every kind of neighbour, %s: prefilter rejects ⇒ no candidate (library and Fluent Bit module)",
  async (_name, rules, i) => {
    const { bad, skipped, candidates, fbSkipped } = await check(rules, 9 + i, 4000);
    expect(bad.slice(0, 3)).toEqual([]);
    // not vacuous: candidates found, and records passed over
    expect(candidates).toBeGreaterThan(10);
    expect(skipped).toBeGreaterThan(1000);
    expect(fbSkipped).toBeGreaterThan(1000);
  },
  120_000,
);
