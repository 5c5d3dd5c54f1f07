// SPEC §9 Vector, socket mode: Vector's socket sink → podprobe serve → Vector's socket source, over tcp and
// unix sockets; reconnects when the source restarts; one state across connections.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { line, s1, s2raw } from "./helpers.js";
import { SocketSource, socketSink, until, startServe } from "./serve-helpers.js";


test("tcp: records round-trip, the sequence tagged, the alert after it", async () => {
  const source = await new SocketSource().start();
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url });
  const sink = await socketSink(running.address());
  const recs = [line({ log: "x" }), line(s1(0)), line(s2raw(100))];
  sink.write(recs.join("\n") + "\n");
  await until(() => source.lines.length === 4, 5000, "4 lines");
  expect(source.lines.slice(0, 2)).toEqual(recs.slice(0, 2));
  expect(JSON.parse(source.lines[2]).podprobe.alerts[0].sequence.key).toBe("pod-a");
  expect(JSON.parse(source.lines[3]).event.kind).toBe("alert");
  sink.destroy();
  await source.stop();
});

test("unix sockets on both sides; stages from two different connections meet in one state", async () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-sock-"));
  const source = await new SocketSource({ path: join(dir, "out.sock") }).start();
  const running = await startServe({ listen: `unix://${join(dir, "in.sock")}`, forward: source.url });
  const nodeAgent = await socketSink(running.address());
  const auditAgent = await socketSink(running.address());
  nodeAgent.write(line(s1(0)) + "\n");
  await until(() => source.lines.length === 1);
  // a record split across writes is framed per connection
  const s2 = line(s2raw(200));
  auditAgent.write(s2.slice(0, 50));
  await new Promise((r) => setTimeout(r, 30));
  auditAgent.write(s2.slice(50) + "\n");
  await until(() => source.lines.length === 3);
  expect(JSON.parse(source.lines[1]).podprobe.alerts).toHaveLength(1);
  nodeAgent.destroy();
  auditAgent.destroy();
  await source.stop();
});

test("reconnects when the downstream source restarts; records sent meanwhile are delivered", async () => {
  const source = await new SocketSource().start();
  const port = source.where.port!;
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url });
  const sink = await socketSink(running.address());
  sink.write(line({ n: 1 }) + "\n");
  await until(() => source.lines.length === 1);
  await source.stop();
  await new Promise((r) => setTimeout(r, 100)); // podprobe notices the close
  for (let i = 2; i <= 50; i++) sink.write(line({ n: i }) + "\n");
  await new Promise((r) => setTimeout(r, 200));
  const again = await new SocketSource({ port }).start();
  await until(() => again.lines.length === 49, 8000, "the queued records");
  expect(again.lines.map((l) => JSON.parse(l).n)).toEqual(Array.from({ length: 49 }, (_, i) => i + 2));
  sink.destroy();
  await again.stop();
});

test("a slow consumer: inputs are paused, memory in flight stays bounded, nothing is lost", async () => {
  const source = await new SocketSource().start();
  const port = source.where.port!;
  await source.stop(); // downstream away: everything queues
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: `tcp://127.0.0.1:${port}`, maxInflightBytes: 64 * 1024 });
  const sink = await socketSink(running.address());
  const rec = line({ pad: "z".repeat(1000) });
  let written = 0;
  for (let i = 0; i < 2000; i++) {
    if (!sink.write(rec + "\n")) await new Promise((r) => sink.once("drain", r));
    written++;
    if (i === 1000) break; // the socket is paused long before: the kernel buffers fill up
  }
  await new Promise((r) => setTimeout(r, 200));
  const stats = running.correlator.stats();
  // podprobe stopped reading: far fewer records were taken than written, and its queue is near the cap
  expect(stats.records_in).toBeLessThan(written);
  const back = await new SocketSource({ port }).start();
  await until(() => back.lines.length === written, 10_000, "all records after the consumer came back");
  sink.destroy();
  await back.stop();
});
