// write(chunk, { reuseOutput: true }): the output goes into a buffer the correlator keeps and reuses instead of a
// fresh one per call. The bytes are those write() returns, whatever the chunking, the batch size (several batches
// per call), oversize lines passed through, carried partial lines and named sources; the view lives until the
// next call, and plain write() calls in between are not affected.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { rng, sampleStream } from "../host/cli/sample.js";
import { line, s1, s2raw, T0, SMALL } from "./helpers.js";

const OPTS = { ...SMALL, clock: () => T0 + 60_000, batchBytes: 4096, maxRecordBytes: 2048 };

function corpus(seed: number, oversize = true): Buffer {
  const r = rng(seed);
  const lines: string[] = [];
  const sample = sampleStream().lines;
  for (let i = 0; i < 400; i++) {
    const x = r();
    if (x < 0.05 && oversize) lines.push(line({ log: "y".repeat(2048 + Math.floor(r() * 3000)) })); // oversize: passed through
    else if (x < 0.1) lines.push(line(s1(i * 10, { pod: `p${i % 7}` })));
    else if (x < 0.15) lines.push(line(s2raw(i * 10 + 5, { pod: `p${i % 7}` })));
    else if (x < 0.17) lines.push("not json {");
    else lines.push(sample[Math.floor(r() * sample.length)]);
  }
  return Buffer.from(lines.join("\n") + "\n");
}

/** The whole output, each call's result copied at once (reused: before the next call overwrites it). */
function run(input: Buffer, seed: number, reuseOutput: boolean, sources: boolean): { out: Buffer; matches: number } {
  const c = createCorrelator(OPTS);
  const r = rng(seed);
  const outs: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = 1 + Math.floor(r() * 9000);
    const source = sources ? `s${Math.floor(r() * 3)}` : undefined;
    outs.push(Buffer.from(c.write(input.subarray(i, i + n), { source, reuseOutput })));
    i += n;
  }
  outs.push(c.end());
  return { out: Buffer.concat(outs), matches: c.stats().matches };
}

test("the same bytes as write() for any chunking, several batches per call, oversize lines and sources", () => {
  for (const seed of [1, 2, 3]) {
    const input = corpus(seed);
    for (const sources of [false, true]) {
      const plain = run(input, seed, false, sources);
      const reused = run(input, seed, true, sources);
      expect(plain.matches).toBeGreaterThan(0);
      expect(plain.out.length).toBeGreaterThan(input.length);
      expect(reused.out.equals(plain.out)).toBe(true);
      expect(reused.matches).toBe(plain.matches);
    }
  }
});

test("successive calls reuse one buffer; a call's output is one view of it; plain write() gets its own", () => {
  const c = createCorrelator(OPTS);
  // (no oversize line: one is passed through as a piece of its own, and the call's output is then joined by a copy)
  const input = corpus(4, false);
  expect(input.length).toBeGreaterThan(105536);
  // the buffer grows to the largest output a call has had (a call that outgrows it is joined by a copy)
  c.write(input.subarray(0, 40000), { reuseOutput: true });
  // two calls of several batches each (16 KiB against 4 KiB batches)
  const a = c.write(input.subarray(40000, 56384), { reuseOutput: true });
  const aCopy = Buffer.from(a);
  const b = c.write(input.subarray(56384, 72768), { reuseOutput: true });
  expect(a.length).toBeGreaterThan(8192);
  expect(b.buffer).toBe(a.buffer);
  expect(b.byteOffset).toBe(a.byteOffset);
  // the first view now shows the second call's bytes: it lived until the next call
  expect(a.subarray(0, 64).equals(aCopy.subarray(0, 64))).toBe(false);
  const plain = c.write(input.subarray(72768, 89152));
  const plainCopy = Buffer.from(plain);
  expect(plain.buffer).not.toBe(a.buffer);
  c.write(input.subarray(89152, 105536), { reuseOutput: true });
  expect(plain.equals(plainCopy)).toBe(true);
});
