// Key lookup at the boundaries of the scanner's fast paths (a key read from its first word, from its two words,
// and the general walk): rules read fields whose segments are 1 to 40 bytes long and prefixes of each other;
// records spell them nested, flattened, partly flattened, escaped, first or last, next to non-ASCII keys, and
// spell near misses (one byte off at byte 1, 8, 9, 15, 16 or 17, other case, one byte short or long, empty).
// A record is a candidate of a field's rule iff that field is there once with the value "hit"; a wanted path
// there twice makes the record invalid; every record leaves byte-identical but for the tag. The library with
// validate "all" and "candidates" and the Fluent Bit module (SWAR build of the same scanner) must all agree.
import { expect, test } from "vitest";
import { COUNTER_NAMES, createCorrelator, ruleFromToml, type Correlator, type SequenceRule } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { rng } from "../host/cli/sample.js";
import { ts, untag, T0 } from "./helpers.js";

const A = "abcdefghijklmnopqrstuvwxyzabcdefghijklmn";
const seg = (n: number) => A.slice(0, n);
const LENGTHS = [1, 6, 7, 8, 9, 14, 15, 16, 17, 23, 24, 40];
const SLASHED = "abcdef/abcdefgh"; // 15 bytes, a backquoted name
const FIELDS = [
  ...LENGTHS.map(seg),
  `${seg(7)}.${seg(9)}`,
  `${seg(8)}.${seg(16)}.${seg(1)}`,
  `${seg(15)}.${seg(24)}`,
  `${seg(40)}.${seg(6)}`,
  `${seg(17)}.${seg(23)}.${seg(14)}`,
  `${seg(9)}.${SLASHED}`,
  // flattened, these are keys of 3, 8 and 15 bytes whose dot is at byte 2, 7, 8 or 9
  `${seg(1)}.${seg(1)}`,
  `${seg(6)}.${seg(1)}`,
  `${seg(7)}.${seg(7)}`,
  `${seg(8)}.${seg(6)}`,
];
const eqlName = (f: string) => f.split(".").map((s) => (/^[a-z]\w*$/.test(s) ? s : "`" + s + "`")).join(".");
const rule = (id: string, query: string): SequenceRule =>
  ruleFromToml({ rule: { rule_id: id, name: id, description: id, risk_score: 21, severity: "low", type: "eql", language: "eql", query } }, `${id}.toml`);
const RULES = FIELDS.map((f, i) => rule(`f${i}`, `any where ${eqlName(f)} == "hit"`));
const NOW = T0 + 10_000;

interface Outcome {
  hits: string[]; // ids of the rules the record's tag names
  invalid: boolean;
  skipped: boolean; // passed by the prefilter without being inspected
  record: string; // the record as it left
}
const ids = (record: string): string[] =>
  record.includes('"podprobe":{"alerts":') ? JSON.parse(record).podprobe.alerts.map((a: any) => a.rule.id).sort() : [];

/** The library with validate "all" and "candidates", and the Fluent Bit module, for one rule set. */
async function engines(rules: SequenceRule[]) {
  const lib = (validate: "all" | "candidates") => createCorrelator({ clock: () => NOW, maxKeys: 1024, maxStateBytes: 4 << 20, rules, validate });
  const libs = [lib("all"), lib("candidates")];
  const fb = new FluentBitFilter(await fluentBitVariant({}, rules));
  expect(fb.x.podprobe_ready()).toBe(1);
  const at = (name: string) => COUNTER_NAMES.indexOf(name as any);
  const viaLib = (c: Correlator, text: string): Outcome => {
    const s0 = c.stats();
    const record = c.write(text + "\n").toString("utf8").split("\n")[0];
    const s1 = c.stats();
    return { hits: ids(record), invalid: s1.invalid > s0.invalid, skipped: s1.prefilter_skipped > s0.prefilter_skipped, record };
  };
  const viaFb = (text: string): Outcome => {
    const [i0, k0] = [fb.counter(at("invalid")), fb.counter(at("prefilter_skipped"))];
    const record = fb.call(text, NOW).toString("utf8");
    return { hits: ids(record), invalid: fb.counter(at("invalid")) > i0, skipped: fb.counter(at("prefilter_skipped")) > k0, record };
  };
  /** The three outcomes of one record: [all, candidates, Fluent Bit]. */
  return (text: string): Outcome[] => [viaLib(libs[0], text), viaLib(libs[1], text), viaFb(text)];
}

/** Asserts what a user sees of one record in all three engines: which rules it is a candidate of, invalid, bytes. */
function expectSeen(outs: Outcome[], text: string, hits: string[], invalid = false) {
  outs.forEach((o, i) => {
    const where = `${["validate all", "validate candidates", "Fluent Bit"][i]}: ${text}`;
    expect(o.hits, where).toEqual([...hits].sort());
    // the prefilter may pass an invalid record over uninspected (it is then not counted), never a candidate
    expect(o.invalid, where).toBe(invalid && !(i > 0 && o.skipped));
    expect(hits.length > 0 ? untag(o.record) : o.record, where).toBe(text);
  });
  expect(outs[0].skipped).toBe(false);
}

// ── records as member trees: a key as written between its quotes, whitespace before the colon, a value ──────
interface Member {
  key: string;
  ws?: string;
  value: string | Member[]; // a JSON text, or an object's members
}
const json = (ms: Member[], tail = ""): string =>
  "{" + ms.map((m) => `"${m.key}"${m.ws ?? ""}:${typeof m.value === "string" ? m.value : json(m.value)}`).join(",") + tail + "}";
/** The keys as one nested chain down to value. */
const chain = (keys: string[], value: string, ws = ""): Member =>
  keys.length === 1 ? { key: keys[0], ws, value } : { key: keys[0], ws, value: [chain(keys.slice(1), value, ws)] };
/** Every way to write a path's segments as keys: nested, flattened and each partly flattened form. */
function spellings(path: string): string[][] {
  const segs = path.split(".");
  const out: string[][] = [];
  for (let mask = 0; mask < 1 << (segs.length - 1); mask++) {
    const keys = [segs[0]];
    for (let i = 1; i < segs.length; i++) if ((mask >> (i - 1)) & 1) keys[keys.length - 1] += "." + segs[i]; else keys.push(segs[i]);
    out.push(keys);
  }
  return out;
}
/** The key with its byte i written as an escape: `\/` for a slash, `\u00XX` otherwise. */
const escapeAt = (key: string, i: number) =>
  key.slice(0, i) + (key[i] === "/" ? "\\/" : "\\u" + key.charCodeAt(i).toString(16).padStart(4, "0")) + key.slice(i + 1);
const ruleOf = (path: string) => FIELDS.indexOf(path);
const hitsOf = (paths: string[]) => paths.filter((p) => ruleOf(p) >= 0).map((p) => `f${ruleOf(p)}`);
const withTs = (ms: Member[], first: boolean, tail = "") => json(first ? [...ms, { key: "@timestamp", value: `"${ts(0)}"` }] : [{ key: "@timestamp", value: `"${ts(0)}"` }, ...ms], tail);

test("every field in every spelling is found: nested, flattened, partly flattened; first or last; spaces before the colon", async () => {
  const seen = await engines(RULES);
  for (const f of FIELDS) {
    for (const keys of spellings(f)) {
      for (const [first, ws, tail] of [[true, "", ""], [false, "", ""], [false, " ", " "], [true, "\t ", ""], [false, "", "  "], [false, " ", "   "]] as const) {
        const text = withTs([chain(keys, '"hit"', ws)], first, tail);
        expectSeen(seen(text), text, [`f${ruleOf(f)}`]);
        // the same place with another value is no candidate, and passes byte-identical
        const miss = text.replace('"hit"', '"hiT"');
        expectSeen(seen(miss), miss, []);
      }
    }
  }
});

test("escaped keys are decoded: a letter at byte 1, 8, 9, 15, 16, 17 or last, the dot as \\u002e, the slash as \\/", async () => {
  const seen = await engines(RULES);
  for (const f of FIELDS) {
    for (const keys of spellings(f)) {
      for (const k of keys.keys()) {
        for (const i of new Set([0, 7, 8, 14, 15, 16, keys[k].length - 1, keys[k].indexOf("."), keys[k].indexOf("/")])) {
          if (i < 0 || i >= keys[k].length) continue;
          const text = withTs([chain(keys.map((key, j) => (j === k ? escapeAt(key, i) : key)), '"hit"')], i % 2 === 0);
          expect(text).toContain("\\");
          expectSeen(seen(text), text, [`f${ruleOf(f)}`]);
        }
      }
    }
  }
});

test("near misses are other fields: one byte off at byte 1, 8, 9, 15, 16, 17, other case, one byte short or long, empty, stray dots", async () => {
  const seen = await engines(RULES);
  let missed = 0;
  for (const f of FIELDS) {
    const segs = f.split(".");
    const last = segs[segs.length - 1];
    const at = segs.slice(0, -1);
    const variants = new Set([last.slice(0, -1), last + "x", last + "é", last.toUpperCase(), "", last + ".", "." + last, `${last}.${last}`]);
    for (const i of [0, 7, 8, 14, 15, 16, last.length - 1]) {
      if (i >= last.length) continue;
      variants.add(last.slice(0, i) + (last[i] === "0" ? "1" : "0") + last.slice(i + 1));
      variants.add(last.slice(0, i) + last[i].toUpperCase() + last.slice(i + 1));
    }
    variants.delete(last);
    for (const v of variants) {
      const path = [...at, v].join(".");
      // the near miss alone, nested and flattened; then next to the true field with its own value
      for (const keys of [[...at, v], [path]]) {
        const text = withTs([chain(keys, '"hit"')], keys.length % 2 === 0);
        const hits = hitsOf([path]);
        if (hits.length === 0) missed++;
        expectSeen(seen(text), text, hits);
      }
      const both = withTs([chain([...at, v], '"miss"'), { key: "ключ", value: '"hit"' }, chain([f], '"hit"'), { key: v + "é", value: "1" }], v.length % 2 === 0);
      expectSeen(seen(both), both, [`f${ruleOf(f)}`]);
    }
  }
  expect(missed).toBeGreaterThan(200);
});

test("a wanted path spelled twice (nested and flattened, plain and escaped, or the same key twice) makes the record invalid", async () => {
  const seen = await engines(RULES);
  for (const f of FIELDS) {
    const all = spellings(f);
    const pairs = [[all[0], all[all.length - 1]], [[f], [escapeAt(f, Math.min(8, f.length - 1))]], [all[0], all[0]]];
    for (const [a, b] of pairs) {
      const text = withTs([chain(a, '"hit"'), { key: "é", value: "0" }, chain(b, '"hit"')], a.length === 1);
      expectSeen(seen(text), text, [], true);
    }
  }
  // the prefixes and extensions of a field are other fields: all of them in one record are no duplicates
  const text = withTs(LENGTHS.map((n) => ({ key: seg(n), value: '"hit"' })), true);
  expectSeen(seen(text), text, LENGTHS.map((n) => `f${ruleOf(seg(n))}`));
});

// ── raw audit Events: under `annotations` a key's dots read as the rule's underscores ──────────────────────
const ANNOTATED = [8, 9, 16, 17, 24].flatMap((n) => [7, 8, 15, 16].filter((i) => i < n - 1).map((i) => seg(n).slice(0, i) + "_" + seg(n).slice(i + 1)));
/** A raw audit Event with these annotations as its last member, or before its time (more bytes after the keys). */
function audit(annotations: Member[], last: boolean): string {
  const members: Member[] = [{ key: "kind", value: '"Event"' }, { key: "apiVersion", value: '"audit.k8s.io/v1"' }, { key: "requestReceivedTimestamp", value: `"${ts(0)}"` }];
  members.splice(last ? 3 : 2, 0, { key: "annotations", value: annotations });
  return json(members);
}

test("annotation keys of raw audit Events: dots read as underscores at byte 8, 9, 16 or 17 of 8 to 24 byte keys", async () => {
  const rules = ANNOTATED.map((name, i) => rule(`a${i}`, `any where kubernetes.audit.annotations.\`${name}\` == "hit"`));
  const seen = await engines(rules);
  ANNOTATED.forEach((name, i) => {
    const dotted = name.replace("_", ".");
    for (const [j, key] of [name, dotted, escapeAt(dotted, name.indexOf("_")), escapeAt(name, 8)].entries()) {
      const text = audit([{ key, value: '"hit"' }], j % 2 === 0);
      expectSeen(seen(text), text, [`a${i}`]);
    }
    // the dot one byte off, or the key one byte short: not this annotation
    for (const key of [name.replace("_", "") + "_", dotted.slice(0, -1)]) {
      const text = audit([{ key, value: '"hit"' }], key.length % 2 === 0);
      const other = ANNOTATED.indexOf(key.replace(".", "_"));
      expectSeen(seen(text), text, other >= 0 ? [`a${other}`] : []);
    }
  });
});

// (a raw key's dots read as underscores, so today neither spelling reaches such a name: only the agreement is asserted)
test("a rule's annotation name holding a dot: the key read from its words agrees with the escaped key's general walk", async () => {
  const names = ["ab.cdefg", "abcdefg.hijklmn", "abcdefghijklmno.p", "a.bc"];
  const rules = names.map((name, i) => rule(`d${i}`, `any where kubernetes.audit.annotations.\`${name}\` == "hit"`));
  const seen = await engines(rules);
  for (const name of names) {
    for (const key of [name, name.replace(/\./g, "_")]) {
      for (const last of [false, true]) {
        const plain = seen(audit([{ key, value: '"hit"' }], last));
        const escaped = seen(audit([{ key: escapeAt(key, 0), value: '"hit"' }], last));
        expect(plain.map((o) => o.hits), key).toEqual(escaped.map((o) => o.hits));
        expect(plain.map((o) => o.invalid)).toEqual([false, false, false]);
      }
    }
  }
});

// ── seeded differential: random spellings against a reference built on JSON.parse ──────────────────────────
/**
 * The reference: every key's path is its parent's path, a dot, and the key as JSON.parse decodes it (so nested,
 * flattened and partly flattened keys meet); a wanted path there twice → invalid, no candidate; otherwise a rule
 * is hit iff its field is there with the value "hit". (Duplicates of paths no rule reads are left out.)
 */
function reference(ms: Member[], wanted: Set<string>) {
  const seen = new Map<string, unknown[]>();
  const walk = (members: Member[], at: string | undefined) => {
    for (const m of members) {
      const key: string = JSON.parse(`"${m.key}"`);
      const path = at === undefined ? key : `${at}.${key}`;
      seen.set(path, [...(seen.get(path) ?? []), typeof m.value === "string" ? JSON.parse(m.value) : {}]);
      if (typeof m.value !== "string") walk(m.value, path);
    }
  };
  walk(ms, undefined);
  const twice = [...seen].filter(([, vs]) => vs.length > 1).map(([p]) => p);
  const invalid = twice.some((p) => wanted.has(p));
  const hits = invalid ? [] : hitsOf([...seen].filter(([, vs]) => vs.length === 1 && vs[0] === "hit").map(([p]) => p));
  return { hits, invalid, otherDuplicate: twice.some((p) => !wanted.has(p)) };
}

function randomRecord(r: () => number): Member[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const members: Member[] = [];
  for (let m = 1 + Math.floor(r() * 4); m > 0; m--) {
    let path = pick(FIELDS);
    if (r() < 0.45) {
      // a near miss: one byte changed at a boundary, a byte more or less, another case, an empty or non-ASCII segment
      const segs = path.split(".");
      const s = Math.floor(r() * segs.length);
      const i = Math.min(pick([0, 7, 8, 14, 15, 16]), segs[s].length - 1);
      segs[s] = pick([
        () => segs[s].slice(0, i) + "z" + segs[s].slice(i + 1),
        () => segs[s].slice(0, i) + segs[s][i].toUpperCase() + segs[s].slice(i + 1),
        () => segs[s].slice(0, -1),
        () => segs[s] + pick(["x", "é", "."]),
        () => "",
      ])();
      path = segs.join(".");
    }
    const keys = pick(spellings(path));
    const spelled = keys.map((k) => (k.length > 0 && r() < 0.2 ? escapeAt(k, Math.floor(r() * k.length)) : k));
    members.push(chain(spelled, pick(['"hit"', '"hit"', '"miss"', "1", '"h\\u0069t"', '{"x.y":1}']), pick(["", "", "", " "])));
    if (r() < 0.3) members.push({ key: pick(["é", "ключ", "abcdefgé", "", "x y"]), value: pick(['"hit"', "{}", "[1]"]) });
  }
  members.splice(Math.floor(r() * (members.length + 1)), 0, { key: "@timestamp", value: `"${ts(0)}"` });
  return members;
}

test("seeded random spellings: the engines' candidates and invalid records match the JSON.parse reference", async () => {
  const seen = await engines(RULES);
  const wanted = new Set([...FIELDS, "@timestamp"]);
  const r = rng(20260121);
  const tally = { records: 0, hits: 0, invalid: 0, skipped: 0 };
  for (let n = 0; n < 3000; n++) {
    const members = randomRecord(r);
    const text = json(members);
    expect(() => JSON.parse(text)).not.toThrow();
    const want = reference(members, wanted);
    if (want.otherDuplicate) continue; // duplicates of paths no rule reads: not what this test is about
    const outs = seen(text);
    expectSeen(outs, text, want.hits, want.invalid);
    tally.records++;
    tally.hits += want.hits.length > 0 ? 1 : 0;
    tally.invalid += want.invalid ? 1 : 0;
    tally.skipped += outs[1].skipped ? 1 : 0;
  }
  // not vacuous: many records of each kind, and many passed over by the prefilter
  expect(tally.skipped).toBeGreaterThan(100);
  expect(tally.records).toBeGreaterThan(2500);
  expect(tally.hits).toBeGreaterThan(500);
  expect(tally.invalid).toBeGreaterThan(100);
  expect(tally.records - tally.hits - tally.invalid).toBeGreaterThan(500);
}, 120_000);
