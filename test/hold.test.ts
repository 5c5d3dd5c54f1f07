// SPEC §5 hold_ms: stage-1 candidates are held so both records of a sequence leave tagged; held records
// leave at the latest when the hold expires (advance) or at end of input, and only they change order.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { line, parseOutput, s1, s2raw, T0, SMALL } from "./helpers.js";

const mk = (holdMs: number) => createCorrelator({ ...SMALL, holdMs });

test("both records of a completed sequence leave tagged, partner first", () => {
  const c = mk(500);
  c.advance(T0);
  const a = c.write([line({ log: 1 }), line(s1(0)), line({ log: 2 })].join("\n") + "\n").toString();
  expect(a).toBe(line({ log: 1 }) + "\n" + line({ log: 2 }) + "\n"); // the stage 1 is held
  const b = parseOutput(Buffer.concat([c.write(line(s2raw(100)) + "\n"), c.end()]).toString(), c);
  expect(b.tagged.map((t) => t.tag.alerts[0].sequence.index)).toEqual([0, 1]);
  expect(b.tagged[0].tag.alerts[0].sequence.id).toBe(b.tagged[1].tag.alerts[0].sequence.id);
  expect(b.tagged[0].tag.alerts[0].peer["kubernetes.audit.auditID"]).toBe("a-100");
  expect(b.alerts).toHaveLength(1);
  expect(b.stats.held).toBe(1);
  expect(b.stats.records_out).toBe(b.stats.records_in);
});

test("a held record is released untagged when its hold expires", () => {
  const c = mk(500);
  c.advance(T0);
  expect(c.write(line(s1(0)) + "\n").length).toBe(0);
  expect(c.advance(T0 + 499).length).toBe(0);
  expect(c.advance(T0 + 500).toString()).toBe(line(s1(0)) + "\n");
  // the sequence can still complete afterwards: only the stage 2 is tagged then
  const r = parseOutput(Buffer.concat([c.write(line(s2raw(200)) + "\n"), c.end()]).toString(), c);
  expect(r.tagged).toHaveLength(1);
  expect(r.tagged[0].tag.alerts[0].sequence.index).toBe(1);
});

test("end of input releases every held record", () => {
  const c = mk(60_000);
  c.advance(T0);
  const out = Buffer.concat([c.write([line(s1(0, { pod: "x" })), line(s1(1, { pod: "y" }))].join("\n") + "\n"), c.end()]).toString();
  expect(out).toBe(line(s1(0, { pod: "x" })) + "\n" + line(s1(1, { pod: "y" })) + "\n");
  expect(c.stats().records_out).toBe(2);
});

test("non-candidates are never held and keep their order", () => {
  const c = mk(1000);
  c.advance(T0);
  const recs = [{ a: 1 }, s1(0, { interactive: false }), { b: 2 }].map(line);
  expect(c.write(recs.join("\n") + "\n").toString()).toBe(recs.join("\n") + "\n");
});

test("a full hold arena releases the oldest held record early (held_early)", () => {
  const c = createCorrelator({ maxKeys: 64, maxStateBytes: 1024 * 1024, holdMs: 60_000 });
  c.advance(T0);
  const big = (i: number) => line(s1(i, { pod: `p${i}`, args: ["curl", "q".repeat(20_000)] }));
  let out = "";
  for (let i = 0; i < 20; i++) out += c.write(big(i) + "\n").toString();
  out += c.end().toString();
  expect(c.stats().held_early).toBeGreaterThan(0);
  expect(out.split("\n").filter(Boolean)).toEqual(Array.from({ length: 20 }, (_, i) => big(i)));
});
