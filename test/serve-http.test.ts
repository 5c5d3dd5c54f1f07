// SPEC §9 Vector, HTTP mode: Vector's http sink → podprobe → Vector's http_server source; a batch is answered
// 2xx only after downstream accepted it, so with acknowledgements delivery is at-least-once end to end.
import { expect, test } from "vitest";
import { line, s1, s2raw } from "./helpers.js";
import { HttpSource, httpSink, startServe } from "./serve-helpers.js";


test("a batch round-trips tagged and is answered 200 after downstream took it", async () => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url });
  const status = await httpSink(running.address() + "/", [line({ a: 1 }), line(s1(0)), line(s2raw(100))]);
  expect(status).toBe(200);
  expect(down.lines).toHaveLength(4);
  expect(JSON.parse(down.lines[2]).podprobe.alerts).toHaveLength(1);
  await down.stop();
});

test("downstream killed and restarted mid-stream: nothing acknowledged is lost", async () => {
  const down = await new HttpSource().start();
  const port = down.port;
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, retryTimeoutMs: 400 });
  const acked: number[] = [];
  const send = async (i: number) => {
    const status = await httpSink(running!.address() + "/", [line({ batch: i, k: 0 }), line({ batch: i, k: 1 })]);
    if (status === 200) acked.push(i);
    return status;
  };
  for (let i = 0; i < 5; i++) expect(await send(i)).toBe(200);
  await down.stop();
  // while it is down: retried with backoff, then 503 so that Vector retries the batch
  expect(await send(5)).toBe(503);
  const again = await new HttpSource().start(port);
  // once it is back, batches are accepted again
  const late = send(6);
  expect(await late).toBe(200);
  for (let i = 7; i < 10; i++) expect(await send(i)).toBe(200);
  const delivered = new Set([...down.lines, ...again.lines].map((l) => JSON.parse(l).batch));
  for (const i of acked) expect(delivered.has(i)).toBe(true);
  expect(acked).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
  await again.stop();
});

test("a downstream outage shorter than the retry timeout is invisible upstream", async () => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, retryTimeoutMs: 5000 });
  down.mode = "fail";
  setTimeout(() => (down.mode = "ok"), 300);
  expect(await httpSink(running.address() + "/", [line({ x: 1 })])).toBe(200);
  expect(down.lines).toEqual([line({ x: 1 })]);
  await down.stop();
});

test("a downstream that takes a batch and never answers: 503 upstream at the retry deadline, not after the 30 s POST timeout", async () => {
  const down = await new HttpSource().start();
  down.mode = "hang";
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, retryTimeoutMs: 400 });
  const t = Date.now();
  // without the deadline the POST would wait DOWNSTREAM_TIMEOUT_MS (30 s), past this test's own timeout
  expect(await httpSink(running.address() + "/", [line({ x: 1 })])).toBe(503);
  expect(Date.now() - t).toBeLessThan(10_000);
  await down.stop();
});

test("bytes in flight are capped: beyond the cap, 503 at once", async () => {
  const down = await new HttpSource().start();
  down.mode = "fail";
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, maxInflightBytes: 4096, retryTimeoutMs: 1000 });
  const big = Array.from({ length: 30 }, (_, i) => line({ i, pad: "p".repeat(100) }));
  const first = httpSink(running.address() + "/", big);
  await new Promise((r) => setTimeout(r, 50));
  const t = Date.now();
  expect(await httpSink(running.address() + "/", big)).toBe(503);
  expect(Date.now() - t).toBeLessThan(500);
  expect(await first).toBe(503);
  await down.stop();
});

test("metrics: totals typed counter with _total names, levels as gauges, # HELP for each", async () => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, metrics: "127.0.0.1:0" });
  await httpSink(running.address() + "/", [line(s1(0)), line(s2raw(100))]);
  const text = await (await fetch(running.metricsAddress!())).text();
  expect(text).toMatch(/^# TYPE podprobe_records_in_total counter$/m);
  expect(text).toMatch(/^podprobe_records_in_total 2$/m);
  expect(text).toMatch(/^podprobe_matches_total 1$/m);
  expect(text).toMatch(/^# TYPE podprobe_state_bytes gauge$/m);
  expect(text).toMatch(/^# TYPE podprobe_keys_active gauge$/m);
  expect(text).toMatch(/^# TYPE podprobe_http_inflight_bytes gauge$/m);
  expect(text).toMatch(/^podprobe_http_batches_total 1$/m);
  // every metric has help text and a type; no counter without _total
  const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
  expect(names.length).toBeGreaterThan(25);
  for (const [name, type] of names) {
    expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, "m"));
    expect(type === "counter").toBe(name.endsWith("_total"));
  }
  await down.stop();
});

test("hold_ms is refused in HTTP mode (acknowledgements would not cover held records)", async () => {
  await expect(startServe({ listen: "http://127.0.0.1:0", forward: "http://127.0.0.1:1/" }, { holdMs: 100 })).rejects.toThrow(/holdMs.*HTTP mode/);
});
