// SPEC §4/§9: in `podprobe serve` (socket mode) each connection is a source of its own: the control plane's audit
// stream running a minute ahead of a node's process events does not make the node's candidates late.
import { expect, test } from "vitest";
import { line, s1, s2raw } from "./helpers.js";
import { SocketSource, socketSink, until, startServe } from "./serve-helpers.js";

const PODS = 10;
const processEvents = Array.from({ length: PODS }, (_, i) => line(s1(i * 6000, { pod: `pod-${i}`, pid: i })));
const auditLines = Array.from({ length: PODS }, (_, i) => line(s2raw(i * 6000 + 400, { pod: `pod-${i}`, auditId: `a${i}` })));

test("two connections at different event times: every sequence is found", async () => {
  const source = await new SocketSource().start();
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url }, { clock: () => Date.parse("2026-01-21T10:01:30Z") });
  const auditAgent = await socketSink(running.address());
  const nodeAgent = await socketSink(running.address());
  // the audit stream's whole minute first, then the node's process events
  auditAgent.write(auditLines.join("\n") + "\n");
  await until(() => source.lines.length === PODS, 5000, "the audit lines");
  nodeAgent.write(processEvents.join("\n") + "\n");
  await until(() => source.lines.length === 3 * PODS, 5000, "process events and alerts");
  const s = running.correlator.stats();
  expect(s.late).toBe(0);
  expect(s.matches).toBe(PODS);
  expect(s.sources_active).toBe(2);
  auditAgent.destroy();
  nodeAgent.destroy();
  await source.stop();
});

test("the same records over one connection: the node's events fall behind the audit stream's watermark", async () => {
  const source = await new SocketSource().start();
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: source.url }, { clock: () => Date.parse("2026-01-21T10:01:30Z") });
  const agent = await socketSink(running.address());
  agent.write(auditLines.join("\n") + "\n" + processEvents.join("\n") + "\n");
  await until(() => running.correlator.stats().records_in === 2 * PODS, 5000, "every record");
  const s = running.correlator.stats();
  expect(s.late).toBeGreaterThan(PODS / 2);
  expect(s.matches).toBeLessThan(PODS / 2);
  agent.destroy();
  await source.stop();
});
