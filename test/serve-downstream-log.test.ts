// serve logs downstream's connects and disconnects, one line each, rate-limited: a flapping downstream costs one
// line per interval, summed up with the state at its end.
import { afterEach, expect, test, vi } from "vitest";
import { ChangeLog } from "../host/serve/changes.js";
import { SocketSource, socketSink, startServe, until } from "./serve-helpers.js";
import { line } from "./helpers.js";

afterEach(() => void vi.useRealTimers());

test("one line per change, at most one per interval; changes in between are summed up with the state then", () => {
  vi.useFakeTimers();
  const lines: string[] = [];
  let now = 0;
  let state = "connected";
  const log = new ChangeLog((l) => lines.push(l), "downstream X", () => state, 10_000, () => now);
  log.change("downstream X connected");
  expect(lines).toEqual(["downstream X connected"]);
  for (let i = 0; i < 50; i++) {
    now += 100;
    state = i % 2 === 0 ? "disconnected" : "connected";
    log.change(`downstream X ${state}`);
  }
  expect(lines).toHaveLength(1);
  now = 10_000;
  vi.advanceTimersByTime(10_000);
  expect(lines).toEqual(["downstream X connected", "downstream X: 50 more changes in 10 s, now connected"]);
  now = 30_000;
  log.change("downstream X disconnected");
  expect(lines[2]).toBe("downstream X disconnected");
  log.close();
});

test("socket mode: downstream not reachable, connected, disconnected — each said once", async () => {
  const lines: string[] = [];
  const source = new SocketSource();
  await source.start();
  const url = source.url;
  await source.stop();
  const running = await startServe({ listen: "tcp://127.0.0.1:0", forward: url, log: (l) => lines.push(l), logIntervalMs: 0 });
  await until(() => lines.some((l) => l.includes("not reachable")), 5000, "the not-reachable line");
  const again = new SocketSource({ port: Number(new URL(url).port) });
  await again.start();
  await until(() => lines.some((l) => l.endsWith(" connected")), 10_000, "the connected line");
  const sink = await socketSink(running.address());
  sink.write(line({ a: 1 }) + "\n");
  await until(() => again.lines.length === 1, 5000, "the record");
  await again.stop();
  await until(() => lines.some((l) => l.includes("disconnected")), 5000, "the disconnected line");
  // retries while it is away do not repeat the not-reachable line
  await new Promise((r) => setTimeout(r, 500));
  expect(lines.filter((l) => l.includes("not reachable")).length).toBeLessThanOrEqual(2);
  expect(lines.filter((l) => l.includes(" connected")).length).toBe(1);
  sink.destroy();
});
