// The CLI in a pipeline: a reader that goes away (`| head -1`) ends podprobe quietly with exit 0 and no further
// writes; any other write failure is an I/O error (exit 1); sustained backpressure does not pile up listeners.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { line, s1, s2raw } from "./helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
const big = (n: number) => (line({ log: "y".repeat(200) }) + "\n").repeat(n);

test("| head -1: exit 0, nothing on stderr", () => {
  // the shell's pipeline, as a user types it; podprobe's status is the first of PIPESTATUS
  const r = spawnSync("bash", ["-c", `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --stats | head -1 > /dev/null; echo "status=\${PIPESTATUS[0]}"`], {
    input: big(200_000),
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  expect(r.stdout.trim()).toBe("status=0");
  // only the requested --stats line: no EPIPE message, no stack
  const err = r.stderr.trim().split("\n").filter(Boolean);
  expect(err).toHaveLength(1);
  expect(JSON.parse(err[0]).records_in).toBeGreaterThan(0);
});

test("a reader that closes the pipe mid-stream: exit 0 and no message", async () => {
  const child = spawn(process.execPath, [BIN], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  child.stdout.once("data", () => child.stdout.destroy());
  child.stdin.on("error", () => {});
  child.stdin.end(big(100_000));
  const code = await new Promise<number | null>((res) => child.on("close", res));
  expect(code).toBe(0);
  expect(err).toBe("");
});

test.skipIf(!existsSync("/dev/full"))("a full disk is an I/O failure: exit 1 with the cause", () => {
  const r = spawnSync("sh", ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} > /dev/full`], { input: big(1000), encoding: "utf8" });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/podprobe: cannot write: .*ENOSPC/);
});

test("sustained backpressure: no listener piles up (no MaxListenersExceededWarning)", async () => {
  const child = spawn(process.execPath, [BIN], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  // a slow reader: take a little, pause, so that podprobe waits for drain many times
  let got = 0;
  child.stdout.on("data", (d: Buffer) => {
    got += d.length;
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 2);
  });
  child.stdin.on("error", () => {});
  const input = big(100_000) + line(s1(0)) + "\n" + line(s2raw(100)) + "\n";
  child.stdin.end(input);
  const code = await new Promise<number | null>((res) => child.on("close", res));
  expect(code).toBe(0);
  expect(err).not.toMatch(/MaxListenersExceeded/);
  expect(err).toBe("");
  expect(got).toBeGreaterThan(input.length); // everything, plus the tag and the alert
}, 120_000);

test("memory does not follow the input's size: peak RSS for 200 MB piped in is within 40 MB of that for 40 MB", async () => {
  const main = new URL("../build/host/cli/main.js", import.meta.url).href;
  const script = `import(${JSON.stringify(main)}).then((m) => m.main([])).then((code) => { process.stderr.write("maxrss " + process.resourceUsage().maxRSS + "\\n"); process.exitCode = code; });`;
  const chunk = Buffer.from(big(20_000)); // ~4.5 MB
  const peak = async (mb: number) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    for (let sent = 0; sent < mb * 1e6; sent += chunk.length) if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once("drain", r));
    child.stdin.end();
    expect(await new Promise((r) => child.on("close", r))).toBe(0);
    return Number(/maxrss (\d+)/.exec(err)![1]) / 1024;
  };
  const small = await peak(40);
  const large = await peak(200);
  expect(large - small).toBeLessThan(40);
}, 120_000);
