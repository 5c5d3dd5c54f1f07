// SPEC §5: every record leaves once, in order, byte-identical, except one member added to a record that
// takes part in a sequence. Ids are deterministic; `peer` carries the partner's summary verbatim.
import { expect, test } from "vitest";
import { line, run, s1, s2raw, untag, T0 } from "./helpers.js";
import { createCorrelator } from "../host/index.js";

const plain = [{ log: "a" }, { log: "b", n: 1.5e3, u: "\u00e9\u4e2d" }];

test("untagged records are byte-identical and in order", () => {
  const input = [line(plain[0]), " { \"spaced\" : true } ", line(s1(0)), line(plain[1]), line(s2raw(100)), "[1,2]"];
  const r = run(input);
  expect(r.records.map(untag)).toEqual(input);
  expect(r.records.length).toBe(input.length);
});

test("the completing record gets exactly one member at the end of its top-level object", () => {
  const s2 = line(s2raw(100));
  const r = run([s1(0), s2]);
  const t = r.tagged[0];
  expect(t.line.startsWith(s2.slice(0, -1) + ',"podprobe":{"alerts":[')).toBe(true);
  expect(t.line.endsWith("]}}")).toBe(true);
  const { podprobe, ...rest } = JSON.parse(t.line);
  expect(rest).toEqual(JSON.parse(s2));
  expect(Object.keys(podprobe)).toEqual(["alerts"]);
  const a = podprobe.alerts[0];
  expect(a.rule).toEqual({ id: "5d1c962d-5d2a-48d4-bdcf-e980e3914947", name: "Forbidden Direct Interactive Kubernetes API Request" });
  expect(a.sequence.id).toMatch(/^[0-9a-f]{16}$/);
  expect(a.sequence.index).toBe(1);
  expect(a.sequence.key).toBe("pod-a");
});

test("peer holds the partner's summary fields, flattened, values verbatim", () => {
  const rec = s1(0, { args: ["curl", "-H", "X: \"q\" \\ \u00e9", "https://x"], pid: 4242 });
  const text = line(rec).replace('"pid":4242', '"pid":4242.0');
  const r = run([text, s2raw(100)]);
  const peer = r.tagged[0].tag.alerts[0].peer;
  expect(Object.keys(peer)).toEqual(["@timestamp", "process.name", "process.args", "process.pid", "process.entity_id", "container.id", "orchestrator.namespace"]);
  expect(peer["process.args"]).toEqual(["curl", "-H", "X: \"q\" \\ \u00e9", "https://x"]);
  expect(r.tagged[0].line).toContain('"process.pid":4242.0'); // the number's own text
});

test("whitespace inside the record's closing brace stays; the member goes right before the brace", () => {
  const s2 = line(s2raw(100)).replace(/\}$/, " \t }");
  const r = run([s1(0), s2]);
  expect(r.tagged[0].line.startsWith(s2.slice(0, -1) + ',"podprobe":')).toBe(true);
  expect(JSON.parse(r.tagged[0].line).podprobe.alerts).toHaveLength(1);
});

test("sequence ids are deterministic across runs and differ between sequences", () => {
  const recs = [s1(0), s2raw(100), s1(2000, { pod: "b" }), s2raw(2100, { pod: "b" })];
  const a = run(recs).tagged.map((t) => t.tag.alerts[0].sequence.id);
  const b = run(recs).tagged.map((t) => t.tag.alerts[0].sequence.id);
  expect(a).toEqual(b);
  expect(new Set(a).size).toBe(2);
});

test("a record that already has a top-level podprobe member is left unchanged and completes no sequence (tag_conflict)", () => {
  const s2 = { ...s2raw(100), podprobe: { mine: 1 } };
  const r = run([s1(0), s2]);
  expect(r.records[1]).toBe(line(s2));
  expect(r.stats.tag_conflict).toBe(1);
  expect(r.stats.matches).toBe(0);
  expect(r.alerts).toHaveLength(0);
});

test("CRLF line endings: the tag goes inside the object, the CR stays where it was", () => {
  const s2 = line(s2raw(100));
  const c = createCorrelator({ clock: () => T0 + 10_000, maxKeys: 16, maxStateBytes: 1 << 20 });
  const out = Buffer.concat([c.write(line(s1(0)) + "\r\n" + s2 + "\r\n"), c.end()]).toString();
  const lines = out.split("\n");
  expect(lines[0]).toBe(line(s1(0)) + "\r");
  expect(lines[1].endsWith("]}}\r")).toBe(true);
  expect(JSON.parse(lines[1]).podprobe.alerts).toHaveLength(1);
});

test("a final line without newline passes; an alert after it is on its own line", () => {
  const c = createCorrelator({ clock: () => T0 + 10_000, maxKeys: 16, maxStateBytes: 1 << 20 });
  const out = Buffer.concat([c.write(line(plain[0]) + "\n" + line(plain[1])), c.end()]).toString();
  expect(out).toBe(line(plain[0]) + "\n" + line(plain[1]));
  const c2 = createCorrelator({ clock: () => T0 + 10_000, maxKeys: 16, maxStateBytes: 1 << 20 });
  const out2 = Buffer.concat([c2.write(line(s1(0)) + "\n" + line(s2raw(100))), c2.end()]).toString();
  const lines = out2.split("\n");
  expect(lines).toHaveLength(4);
  expect(lines[1].startsWith(line(s2raw(100)).slice(0, -1))).toBe(true);
  expect(JSON.parse(lines[2]).event.kind).toBe("alert");
  expect(lines[3]).toBe("");
});
