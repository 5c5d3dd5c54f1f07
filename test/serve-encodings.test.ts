// HTTP mode request bodies: gzip, deflate (zlib-wrapped as Vector's `compression: zlib` sends it, and raw) and
// zstd are decoded; a corrupt body gets 400, an unknown encoding 415; decoding streams against
// --max-inflight-bytes, so a compression bomb gets 413 without inflating: measured as the serve process's peak RSS.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createGzip, deflateSync, deflateRawSync, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { line, s1, s2raw } from "./helpers.js";
import { HttpSource, startServe, until } from "./serve-helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
const records = [line({ a: 1 }), line(s1(0)), line(s2raw(100))];
const body = Buffer.from(records.join("\n") + "\n");

async function post(url: string, data: Buffer, encoding?: string): Promise<{ status: number; text: string; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/x-ndjson" };
  if (encoding) headers["content-encoding"] = encoding;
  const res = await fetch(url, { method: "POST", headers, body: data });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A zstd frame of raw blocks (RFC 8878), written by hand: no compressor needed. */
function zstdRaw(data: Buffer, windowLog = 20): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3])];
  const max = 128 * 1024;
  for (let at = 0; at < data.length || at === 0; at += max) {
    const chunk = data.subarray(at, at + max);
    const last = at + max >= data.length ? 1 : 0;
    const h = last | (0 << 1) | (chunk.length << 3);
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), chunk);
    if (data.length === 0) break;
  }
  return Buffer.concat(parts);
}

test.each([
  ["identity", body, undefined],
  ["gzip", gzipSync(body), "gzip"],
  ["deflate, zlib-wrapped (Vector's compression: zlib)", deflateSync(body), "deflate"],
  ["deflate, raw", deflateRawSync(body), "deflate"],
  ["zstd", zstdRaw(body), "zstd"],
])("%s: decoded, tagged and forwarded", async (_what, data, encoding) => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url });
  const r = await post(running.address() + "/", data, encoding);
  expect(r.status).toBe(200);
  expect(down.lines).toHaveLength(4);
  expect(down.lines[0]).toBe(records[0]);
  expect(JSON.parse(down.lines[2]).podprobe.alerts).toHaveLength(1);
  await down.stop();
});

const zstdBin = spawnSync("sh", ["-c", "command -v zstd"], { encoding: "utf8" }).stdout.trim();
test.skipIf(!zstdBin)(`zstd compressed by the zstd tool${zstdBin ? "" : " (skipped: no zstd on PATH)"}`, async () => {
  const big = Buffer.from(Array.from({ length: 2000 }, (_, i) => line({ i, msg: "container log line " + (i % 7) })).join("\n") + "\n");
  const z = spawnSync(zstdBin, ["-q", "-c", "-3"], { input: big });
  expect(z.status).toBe(0);
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url });
  expect((await post(running.address() + "/", z.stdout, "zstd")).status).toBe(200);
  expect(down.lines.join("\n") + "\n").toBe(big.toString());
  await down.stop();
});

test.each([
  ["gzip", Buffer.from("this is not gzip at all"), 400],
  ["deflate", Buffer.from("neither is this deflate"), 400],
  ["zstd", Buffer.from("nor zstd, clearly......"), 400],
  ["gzip", gzipSync(body).subarray(0, 20), 400], // truncated
  ["br", Buffer.from("x"), 415],
  ["snappy", Buffer.from("x"), 415],
])("Content-Encoding %s with a bad body or an unknown encoding: %s", async (encoding, data, status) => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url });
  const r = await post(running.address() + "/", data, encoding);
  expect(r.status).toBe(status);
  if (status === 415) expect(r.headers.get("accept-encoding")).toBe("gzip, deflate, zstd");
  expect(down.lines).toHaveLength(0);
  // and it keeps serving
  expect((await post(running.address() + "/", body)).status).toBe(200);
  await down.stop();
});

test("a body that decodes beyond --max-inflight-bytes gets 413 (gzip, deflate, zstd), and nothing is forwarded", async () => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url, maxInflightBytes: 64 * 1024 });
  const large = Buffer.from((line({ pad: "z".repeat(500) }) + "\n").repeat(1000)); // ~500 KB decoded
  for (const [data, enc] of [[gzipSync(large), "gzip"], [deflateSync(large), "deflate"], [zstdRaw(large), "zstd"]] as const) {
    expect(data.length).toBeLessThan(64 * 1024 * (enc === "zstd" ? 100 : 1));
    const r = await post(running.address() + "/", data, enc);
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/decodes to more than 65536 bytes|larger than 65536/);
  }
  expect(down.lines).toHaveLength(0);
  expect((await post(running.address() + "/", gzipSync(body), "gzip")).status).toBe(200);
  await down.stop();
});

test("a zstd frame whose window would make the decoder allocate gigabytes: 413 from its header", async () => {
  const down = await new HttpSource().start();
  const running = await startServe({ listen: "http://127.0.0.1:0", forward: down.url });
  const r = await post(running.address() + "/", zstdRaw(body, 31), "zstd");
  expect(r.status).toBe(413);
  expect(r.text).toMatch(/window/);
  await down.stop();
});

/** Peak resident memory of a process (kB), Linux. */
const peakRssKb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

test.skipIf(process.platform !== "linux")("a 200 MB gzip bomb (~0.5 MB on the wire): 413, and the serve process's peak RSS stays bounded", async () => {
  // ~200 MB of NDJSON, compressed as it is generated (the test never holds it inflated)
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on("data", (b: Buffer) => parts.push(b));
  const chunk = Buffer.from((line({ log: "a".repeat(100) }) + "\n").repeat(512)); // ~60 KB
  const rounds = Math.ceil((200 * 1024 * 1024) / chunk.length);
  for (let i = 0; i < rounds; i++) if (!gz.write(chunk)) await new Promise((r) => gz.once("drain", r));
  await new Promise((r) => gz.end(r));
  const bomb = Buffer.concat(parts);
  expect(bomb.length).toBeLessThan(1024 * 1024);

  const down = await new HttpSource().start();
  const child = spawn(process.execPath, [BIN, "serve", "--listen", "http://127.0.0.1:0", "--forward", down.url], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  try {
    await until(() => /listening on http:\/\/[\d.]+:(\d+)/.test(err), 10_000, "serve to listen");
    const url = `http://127.0.0.1:${/listening on http:\/\/[\d.]+:(\d+)/.exec(err)![1]}/`;
    expect((await post(url, gzipSync(body), "gzip")).status).toBe(200); // warm: engine compiled, buffers allocated
    const before = peakRssKb(child.pid!);
    const r = await post(url, bomb, "gzip");
    const after = peakRssKb(child.pid!);
    expect(r.status).toBe(413);
    // the decoded body is buffered up to the 64 MiB cap (the default), never to 200 MB
    const grownMb = (after - before) / 1024;
    expect(grownMb).toBeLessThan(128);
    console.log(`gzip bomb: ${bomb.length} bytes → 413; serve peak RSS ${(before / 1024).toFixed(0)} → ${(after / 1024).toFixed(0)} MB`);
    expect((await post(url, gzipSync(body), "gzip")).status).toBe(200);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.on("exit", r));
    await down.stop();
  }
}, 120_000);
