// SIGTERM / SIGINT in the CLI: records held by --hold-ms and the last partial line still leave, --stats is
// printed, exit 0 — as serve does. A second signal ends it at once.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { line, s1 } from "./helpers.js";
import { until } from "./serve-helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));

test.each(["SIGTERM", "SIGINT"] as const)("%s with --hold-ms: held records are flushed, --stats printed, exit 0", async (sig) => {
  const child = spawn(process.execPath, [BIN, "--hold-ms", "600000", "--stats", "--max-keys", "1024", "--max-state-bytes", "4194304"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const held = line({ ...s1(0), "@timestamp": new Date().toISOString() });
  // stdin stays open: podprobe is waiting for more input when the signal comes
  child.stdin.write(line({ before: 1 }) + "\n" + held + "\n" + line({ after: 2 }) + "\n" + '{"partial":');
  await until(() => out.split("\n").length >= 3, 10_000, "the records that are not held");
  expect(out).toBe(line({ before: 1 }) + "\n" + line({ after: 2 }) + "\n");
  const code = new Promise<number | null>((r) => child.on("close", r));
  child.kill(sig);
  expect(await code).toBe(0);
  // the partial line as the last record read (a newline keeps it apart from what follows), then the held record
  expect(out).toBe(line({ before: 1 }) + "\n" + line({ after: 2 }) + "\n" + '{"partial":' + "\n" + held + "\n");
  const stats = JSON.parse(err.trim().split("\n").pop()!);
  expect(stats).toMatchObject({ records_in: 4, records_out: 4, held: 1 });
});
