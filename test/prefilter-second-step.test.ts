// The prefilter's second step (a record that holds a stage's first literal is searched for the literals of that
// stage's other clauses): a quoted literal counts only as a whole JSON string value — not as the start of a
// longer string, not as a key — and the search stops as soon as some stage holds, so an escape after that point
// does not send the record through decoding (prefilter_escaped), while one before it does. Checked with the seed
// rule in the library (v128 search) and in the Fluent Bit module (SWAR search), on the same records.
import { expect, test } from "vitest";
import { COUNTER_NAMES, createCorrelator, ruleFromToml } from "../host/index.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { fluentBitVariant } from "../host/fluent-bit/build.js";
import { line, s1, T0 } from "./helpers.js";

const NOW = T0 + 60_000;

/** What the library and the Fluent Bit module did with one record: passed over, decoded, inspected. */
async function decide(text: string) {
  const c = createCorrelator({ clock: () => NOW, maxKeys: 1024, maxStateBytes: 4 << 20 });
  c.write(text + "\n");
  const s = c.stats();
  const fb = new FluentBitFilter(await fluentBitVariant({}));
  fb.call(text, NOW);
  const at = (name: string) => fb.counter(COUNTER_NAMES.indexOf(name));
  return {
    library: { skipped: s.prefilter_skipped, escaped: s.prefilter_escaped, candidates: s.candidates_stage1 },
    fluentBit: { skipped: at("prefilter_skipped"), escaped: at("prefilter_escaped"), candidates: at("candidates_stage1") },
  };
}

const both = (v: { skipped: number; escaped: number; candidates: number }) => ({ library: v, fluentBit: v });
// an interactive exec whose process name and arguments are `name` (the tool clause is then decided by them)
const exec = (name: string, extra: Record<string, unknown> = {}) => {
  const r = s1(0, { name, args: [name, "-k"] });
  return line({ ...r, ...extra });
};

test("a tool name as a whole string value makes the record a candidate", async () => {
  expect(await decide(exec("curl"))).toEqual(both({ skipped: 0, escaped: 0, candidates: 1 }));
});

test("a longer string that begins with a tool name, or the name as a key, does not", async () => {
  expect(await decide(exec("curly"))).toEqual(both({ skipped: 1, escaped: 0, candidates: 0 }));
  expect(await decide(exec("ls", { labels: { curl: "yes" } }))).toEqual(both({ skipped: 1, escaped: 0, candidates: 0 }));
  expect(await decide(exec("ls", { labels: { tool: "curl-like" } }))).toEqual(both({ skipped: 1, escaped: 0, candidates: 0 }));
  // the same value alone is a whole token: the prefilter cannot tell its field, the full scan can
  expect(await decide(exec("ls", { labels: { tool: "curl" } }))).toEqual(both({ skipped: 0, escaped: 0, candidates: 0 }));
});

test("an escape after the literals that make the stage hold costs no decoding; one before them does", async () => {
  const after = exec("curl", { note: "caf\u00e9" }).replace("caf\u00e9", "caf\\u00e9");
  expect(after).toContain("\\u00e9");
  expect(await decide(after)).toEqual(both({ skipped: 0, escaped: 0, candidates: 1 }));
  const before = `{"note":"caf\\u00e9",${exec("curl").slice(1)}`;
  expect(await decide(before)).toEqual(both({ skipped: 0, escaped: 1, candidates: 1 }));
  // a record that is no candidate and holds an escape is decoded, then passed over
  const none = `{"note":"caf\\u00e9",${exec("ls").slice(1)}`;
  expect(await decide(none)).toEqual(both({ skipped: 1, escaped: 1, candidates: 0 }));
  // an escape that spells the tool's name: found after decoding
  const spelled = exec("curl").replace('"name":"curl"', '"name":"\\u0063url"').replace('"curl","-k"', '"\\u0063url","-k"');
  expect(await decide(spelled)).toEqual(both({ skipped: 0, escaped: 1, candidates: 1 }));
}, 30_000);

test("a literal that begins with a byte the closing-quote filter would drop ('.') is still found in the second step", async () => {
  // ".hx" is a further clause (searched after quotes, by the two bytes after each), "(px)" the first; a quote
  // followed by '.' is one the Fluent Bit search drops when no literal needs it, so here it must not
  const rules = [ruleFromToml({ rule: { rule_id: "dots", name: "dots", description: "dots", risk_score: 21, severity: "low", type: "eql", language: "eql", query: 'process where process.name == ".hx" and process.parent.name == "(px)"' } }, "dots.toml")];
  const record = (name: string, parent: string) => line({ ...s1(0, { name, args: [name] }), process: { name, args: [name], parent: { name: parent }, interactive: true } });
  const c = createCorrelator({ clock: () => NOW, maxKeys: 1024, maxStateBytes: 4 << 20, rules });
  const fb = new FluentBitFilter(await fluentBitVariant({}, rules));
  const CANDIDATES = COUNTER_NAMES.indexOf("candidates_stage1");
  const SKIPPED = COUNTER_NAMES.indexOf("prefilter_skipped");
  for (const [name, parent, candidate] of [[".hx", "(px)", true], [".hxy", "(px)", false], [".hx", "(pxz)", false]] as const) {
    const before = c.stats(), fbBefore = [fb.counter(CANDIDATES), fb.counter(SKIPPED)];
    c.write(record(name, parent) + "\n");
    fb.call(record(name, parent), NOW);
    const after = c.stats();
    expect([after.candidates_stage1 - before.candidates_stage1, fb.counter(CANDIDATES) - fbBefore[0]]).toEqual(candidate ? [1, 1] : [0, 0]);
    expect([after.prefilter_skipped - before.prefilter_skipped, fb.counter(SKIPPED) - fbBefore[1]]).toEqual(candidate ? [0, 0] : [1, 1]);
  }
}, 30_000);
