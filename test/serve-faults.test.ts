// Serve-mode faults: garbage from a client passes through untouched; downstream closing mid-batch loses
// nothing acknowledged (HTTP) and duplicates nothing (socket).
import { expect, test } from "vitest";
import { line } from "./helpers.js";
import { HttpSource, SocketSource, httpSink, socketSink, until, startServe } from "./serve-helpers.js";
import { rng } from "../host/cli/sample.js";


test("socket mode: a client sending garbage gets it through byte-identical and counted", async () => {
  const source = await new SocketSource().start();
  // (validate "all": every garbage line is inspected and counted, not only those holding a rule literal)
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url }, { validate: "all" });
  const sink = await socketSink(running.address());
  const r = rng(9);
  const garbage = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? line({ ok: i }) : Buffer.from(Array.from({ length: 1 + Math.floor(r() * 80) }, () => 32 + Math.floor(r() * 90))).toString("latin1")));
  sink.write(garbage.join("\n") + "\n");
  await until(() => source.lines.length === 200, 5000, "all garbage lines");
  expect(source.lines).toEqual(garbage);
  expect(running.correlator.stats().invalid).toBeGreaterThan(100);
  sink.destroy();
  await source.stop();
});

test("socket mode: downstream closed mid-stream — after it returns, nothing is duplicated and order holds", async () => {
  const source = await new SocketSource().start();
  const port = source.where.port!;
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url });
  const sink = await socketSink(running.address());
  const total = 20_000;
  let sent = 0;
  const pump = async () => {
    while (sent < total) {
      const batch = Array.from({ length: 500 }, (_, k) => line({ n: sent + k, pad: "x".repeat(100) })).join("\n") + "\n";
      sent += 500;
      if (!sink.write(batch)) await new Promise((r) => sink.once("drain", r));
      await new Promise((r) => setImmediate(r));
    }
  };
  const pumping = pump();
  await until(() => source.lines.length > 2000, 5000, "traffic");
  await source.stop(); // mid-stream
  const before = source.lines.slice();
  const again = await new SocketSource({ port }).start();
  await pumping;
  // delivery resumes: the last record arrives (socket mode is at-most-once: what was in flight when the
  // source went away may be lost, but nothing may arrive twice or out of order)
  await until(() => again.lines.some((l) => JSON.parse(l).n === total - 1), 15_000, "the last record");
  const seen = [...before, ...again.lines].map((l) => JSON.parse(l).n as number);
  expect(new Set(seen).size).toBe(seen.length); // nothing twice
  for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]); // in order
  expect(running.correlator.stats().records_in).toBe(total);
  sink.destroy();
  await again.stop();
});

test("HTTP mode: downstream closing connections mid-batch — every acknowledged batch arrives", async () => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, retryTimeoutMs: 3000 });
  down.mode = "drop";
  setTimeout(() => (down.mode = "ok"), 250);
  const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => httpSink(running!.address() + "/", [line({ b: i, k: 0 }), line({ b: i, k: 1 })])));
  const acked = statuses.map((s, i) => (s === 200 ? i : -1)).filter((i) => i >= 0);
  expect(acked.length).toBe(10);
  const got = new Set(down.lines.map((l) => JSON.parse(l).b));
  for (const i of acked) expect(got.has(i)).toBe(true);
  await down.stop();
});
