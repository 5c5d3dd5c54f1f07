// Host framing: the output does not depend on how the input is chunked (splits inside records, inside
// multi-byte characters, one byte at a time), and records stay in order.
import { expect, test } from "vitest";
import { createCorrelator } from "../host/index.js";
import { line, s1, s2raw, T0, SMALL } from "./helpers.js";
import { sampleStream } from "../host/cli/sample.js";

const input = Buffer.from(
  [
    line({ u: "\u00e9\u4e2d\ud83d\ude00" }),
    line(s1(0)),
    "garbage {",
    line(s2raw(100)),
    ...sampleStream().lines.slice(0, 40),
    line(s1(2000, { pod: "z" })),
    line(s2raw(2100, { pod: "z" })),
  ].join("\n") + "\n",
);

function runChunks(sizes: (i: number) => number, opts = {}): Buffer {
  const c = createCorrelator({ clock: () => T0 + 10_000, ...SMALL, ...opts });
  const outs: Buffer[] = [];
  for (let i = 0, k = 0; i < input.length; k++) {
    const n = Math.max(1, sizes(k));
    outs.push(c.write(input.subarray(i, i + n)));
    i += n;
  }
  outs.push(c.end());
  return Buffer.concat(outs);
}

test("the same output whatever the chunk sizes", () => {
  const whole = runChunks(() => input.length);
  expect(whole.toString()).toContain('"key":"z"');
  for (const size of [1, 2, 3, 7, 64, 1000, 4096]) expect(runChunks(() => size).equals(whole)).toBe(true);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 300;
  expect(runChunks(random).equals(whole)).toBe(true);
});

test("small batches (batch_bytes) give the same output", () => {
  const whole = runChunks(() => input.length);
  expect(runChunks(() => input.length, { batchBytes: 4096, maxRecordBytes: 2048 }).equals(whole)).toBe(true);
});

test("string input works like bytes", () => {
  const c = createCorrelator({ clock: () => T0 + 10_000, ...SMALL });
  const out = Buffer.concat([c.write(input.toString("utf8")), c.end()]);
  expect(out.equals(runChunks(() => input.length))).toBe(true);
});
