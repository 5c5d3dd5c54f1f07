// `podprobe serve` start-up: every failure exits at once with its cause (2 for a usage or option error, 1 for
// I/O), a live unix socket is never taken over (a stale one is replaced), and signal handlers are in place
// before anything serves. Each child process runs under a timeout: a hang fails the test instead of blocking it.
import { spawn, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { SocketSource, socketSink, until } from "./serve-helpers.js";
import { line } from "./helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
const SMALL = ["--max-keys", "1024", "--max-state-bytes", "4194304"];
const run = (args: string[]) => spawnSync(process.execPath, [BIN, "serve", ...args, ...SMALL], { encoding: "utf8", timeout: 15_000 });

async function busyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port };
}

test.each([
  ["a bad --metrics value", ["--listen", "tcp://127.0.0.1:0", "--forward", "tcp://127.0.0.1:1", "--metrics", "nope"], 2, /option --metrics: expected HOST:PORT \(got "nope"\)/],
  ["a bad --listen scheme", ["--listen", "udp://127.0.0.1:1", "--forward", "tcp://127.0.0.1:1"], 2, /option --listen: unsupported scheme udp:/],
  ["mixed modes", ["--listen", "http://127.0.0.1:0", "--forward", "tcp://127.0.0.1:1"], 2, /HTTP mode needs http:\/\/ on both/],
])("%s: exit 2 at once with the cause", (_what, args, code, message) => {
  const r = run(args as string[]);
  expect(r.error).toBeUndefined(); // no timeout
  expect(r.status).toBe(code);
  expect(r.stderr).toMatch(message as RegExp);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test("--metrics port in use: exit 1 naming the address and the cause, nothing left serving", async () => {
  const { server, port } = await busyPort();
  const r = run(["--listen", "tcp://127.0.0.1:0", "--forward", "tcp://127.0.0.1:1", "--metrics", `127.0.0.1:${port}`]);
  server.close();
  expect(r.error).toBeUndefined();
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`cannot listen on tcp://127\\.0\\.0\\.1:${port} \\(--metrics\\): address already in use \\(EADDRINUSE\\)`));
});

test("--listen port in use (socket and HTTP mode): exit 1", async () => {
  const { server, port } = await busyPort();
  const s = run(["--listen", `tcp://127.0.0.1:${port}`, "--forward", "tcp://127.0.0.1:1"]);
  const h = run(["--listen", `http://127.0.0.1:${port}`, "--forward", "http://127.0.0.1:1/"]);
  server.close();
  for (const r of [s, h]) {
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\(--listen\): address already in use \(EADDRINUSE\)/);
  }
});

test("a unix socket in a missing directory: exit 1, reported as a missing directory (not EACCES)", () => {
  const r = run(["--listen", "unix:///nonexistent-podprobe-dir/in.sock", "--forward", "tcp://127.0.0.1:1"]);
  expect(r.error).toBeUndefined();
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/cannot listen on unix:\/\/\/nonexistent-podprobe-dir\/in\.sock \(--listen\): directory \/nonexistent-podprobe-dir does not exist \(ENOENT\)/);
  expect(r.stderr).not.toMatch(/EACCES/);
});

test("a second serve on a live unix socket refuses; the first keeps serving", async () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-takeover-"));
  const sock = join(dir, "in.sock");
  const source = await new SocketSource().start();
  const first = spawn(process.execPath, [BIN, "serve", "--listen", `unix://${sock}`, "--forward", source.url, ...SMALL], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  first.stderr.on("data", (d) => (err += d));
  await until(() => err.includes("listening on"), 10_000, "the first serve");
  const second = run(["--listen", `unix://${sock}`, "--forward", source.url]);
  expect(second.status).toBe(1);
  expect(second.stderr).toMatch(/another process is listening on .*in\.sock .*not taking it over/);
  // the first still answers on its socket
  const sink = await socketSink(`unix://${sock}`);
  sink.write(line({ still: "first" }) + "\n");
  await until(() => source.lines.length === 1, 5000, "a record through the first serve");
  sink.destroy();
  const code = new Promise<number | null>((r) => first.on("exit", r));
  first.kill("SIGTERM");
  expect(await code).toBe(0);
  await source.stop();
});

test("a stale unix socket (nobody answers) is replaced; a path that is not a socket is left alone", async () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-stale-"));
  const sock = join(dir, "in.sock");
  // a socket file whose listener is gone: a killed serve leaves this
  const child = spawnSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, "SIGKILL"))`]);
  expect(child.signal).toBe("SIGKILL");
  expect(existsSync(sock)).toBe(true);
  const source = await new SocketSource().start();
  const p = spawn(process.execPath, [BIN, "serve", "--listen", `unix://${sock}`, "--forward", source.url, ...SMALL], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  p.stderr.on("data", (d) => (err += d));
  await until(() => err.includes("listening on"), 10_000, "serve on the stale path");
  const code = new Promise<number | null>((r) => p.on("exit", r));
  p.kill("SIGTERM");
  expect(await code).toBe(0);
  await source.stop();
  const file = join(dir, "not-a-socket");
  writeFileSync(file, "keep me");
  const r = run(["--listen", `unix://${file}`, "--forward", "tcp://127.0.0.1:1"]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/exists and is not a socket/);
});

test("socket mode, SIGTERM with nothing queued and no downstream: exit 0 at once", async () => {
  const p = spawn(process.execPath, [BIN, "serve", "--listen", "tcp://127.0.0.1:0", "--forward", "tcp://127.0.0.1:1", ...SMALL], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  p.stderr.on("data", (d) => (err += d));
  await until(() => err.includes("listening on"), 10_000, "serve to start");
  const t = Date.now();
  const code = new Promise<number | null>((r) => p.on("exit", r));
  p.kill("SIGTERM");
  expect(await code).toBe(0);
  // the old behaviour waited for the 10 s flush timeout; a generous bound that still tells them apart
  expect(Date.now() - t).toBeLessThan(5000);
  expect(err).not.toMatch(/did not take everything/);
});

test("with --metrics, SIGTERM flushes and exits 0", async () => {
  const source = await new SocketSource().start();
  const p = spawn(process.execPath, [BIN, "serve", "--listen", "tcp://127.0.0.1:0", "--forward", source.url, "--metrics", "127.0.0.1:0", ...SMALL], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  p.stderr.on("data", (d) => (err += d));
  const code = new Promise<number | null>((r) => p.on("exit", r));
  await until(() => err.includes("listening on"), 10_000, "serve to start");
  p.kill("SIGTERM");
  expect(await code).toBe(0);
  expect(err).toContain("SIGTERM: flushing");
  await source.stop();
});

test("the library's serve() checks option types too (OptionError, nothing opened)", async () => {
  const { serve } = await import("../host/serve/index.js");
  const { OptionError } = await import("../host/index.js");
  await expect(serve({ listen: "tcp://127.0.0.1:0", forward: "tcp://127.0.0.1:1", maxInflightBytes: "big" as never }, {})).rejects.toThrow(OptionError);
  await expect(serve({ listen: "http://127.0.0.1:0", forward: "http://127.0.0.1:1/", retryTimeoutMs: -1 }, {})).rejects.toThrow(/retryTimeoutMs: must be 0 to 3600000/);
  await expect(serve({ listen: "tcp://127.0.0.1:0", forward: "tcp://127.0.0.1:1", retryTimeoutMs: 100 }, {})).rejects.toThrow(/retryTimeoutMs.*HTTP mode only/);
});
