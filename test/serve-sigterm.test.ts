// `podprobe serve` as a process: SIGTERM stops accepting, flushes held records downstream and exits 0.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { line, s1 } from "./helpers.js";
import { SocketSource, socketSink, until } from "./serve-helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));

test("SIGTERM during traffic: held records are flushed, exit 0", async () => {
  const source = await new SocketSource().start();
  const child = spawn(process.execPath, [BIN, "serve", "--listen", "tcp://127.0.0.1:0", "--forward", source.url, "--hold-ms", "60000", "--max-keys", "1024", "--max-state-bytes", "4194304"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  await until(() => /listening on tcp:\/\/[\d.]+:(\d+)/.test(err), 10_000, "serve to listen");
  const port = /listening on tcp:\/\/[\d.]+:(\d+)/.exec(err)![1];
  const sink = await socketSink(`tcp://127.0.0.1:${port}`);
  const now = new Date().toISOString();
  const held = line({ ...s1(0), "@timestamp": now });
  sink.write(line({ before: 1 }) + "\n" + held + "\n" + line({ after: 2 }) + "\n");
  await until(() => source.lines.length === 2, 5000, "the records that are not held");
  expect(source.lines).toEqual([line({ before: 1 }), line({ after: 2 })]);
  const code = new Promise<number | null>((r) => child.on("exit", r));
  child.kill("SIGTERM");
  expect(await code).toBe(0);
  await until(() => source.lines.length === 3, 5000, "the held record");
  expect(source.lines[2]).toBe(held);
  expect(err).toContain("SIGTERM: flushing");
  sink.destroy();
  await source.stop();
});
