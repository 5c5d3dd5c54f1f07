// Does HTTP compression between Vector and `podprobe serve` pay on loopback? (the Vector configs' choice)
// This process plays Vector: it batches the bench corpus as Vector's http sink does (batch.max_bytes 1 MiB,
// newline-delimited, no trailing newline), compresses each batch with Vector's default level for the codec, POSTs
// it to a real `podprobe serve` in HTTP mode (a child process, so the two sides use two cores as they would on a
// node) and answers podprobe's forwarded batches as Vector's http_server source would. Reports wall time and CPU
// of both sides per MiB of records. Run: npm run build && node build/bench/http-compression.js [--mb 64]
import { spawn } from "node:child_process";
import { Agent, createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync, gunzipSync, deflateSync, inflateSync, constants } from "node:zlib";
import { buildCorpus } from "./corpus.js";

const { values: args } = parseArgs({ options: { mb: { type: "string" }, concurrency: { type: "string" } } });
const MB = Number(args.mb ?? 64);
const CONCURRENCY = Number(args.concurrency ?? 1);
const BATCH_BYTES = 1 << 20; // the configs' batch.max_bytes
const root = fileURLToPath(new URL("../../", import.meta.url));

/** Vector's http sink batches: whole records up to BATCH_BYTES, joined by newlines, no trailing newline. */
function batches(corpus: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0; // first record of the batch being built
  let end = 0; // end of its last whole record (at a newline)
  while (end < corpus.length) {
    const nl = corpus.indexOf(10, end);
    const next = nl < 0 ? corpus.length : nl + 1;
    if (next - start > BATCH_BYTES && end > start) {
      out.push(corpus.subarray(start, end - 1));
      start = end;
    }
    end = next;
  }
  if (end > start) out.push(corpus.subarray(start, corpus[end - 1] === 10 ? end - 1 : end));
  return out;
}

// Vector's defaults: gzip and zlib at flate2's default level (6), the same as Node's zlib default.
const codecs: Record<string, { encode: (b: Buffer) => Buffer; decode: (b: Buffer) => Buffer; header?: string; serveDecodes: boolean }> = {
  none: { encode: (b) => b, decode: (b) => b, serveDecodes: true },
  gzip: { encode: (b) => gzipSync(b, { level: constants.Z_DEFAULT_COMPRESSION }), decode: gunzipSync, header: "gzip", serveDecodes: true },
  zlib: { encode: (b) => deflateSync(b, { level: constants.Z_DEFAULT_COMPRESSION }), decode: inflateSync, header: "deflate", serveDecodes: false },
};

/** CPU seconds (user + system) of another process, from /proc (Linux). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function post(port: number, body: Buffer, encoding?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { "content-type": "application/x-ndjson", "content-length": body.length };
    if (encoding) headers["content-encoding"] = encoding;
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers, agent: keepAlive }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}
const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });

async function main(): Promise<void> {
  const corpus = buildCorpus({ bytes: MB * 1024 * 1024, seed: 7 });
  const list = batches(corpus);
  const raw = list.reduce((n, b) => n + b.length, 0);
  const mib = raw / (1 << 20);
  process.stderr.write(`corpus ${mib.toFixed(1)} MiB in ${list.length} batches of ≤ 1 MiB, ${CONCURRENCY} request(s) in flight\n`);

  // Vector's http_server source: drain and answer 200
  let received = 0;
  const downstream = createServer((req: IncomingMessage, res) => {
    req.on("data", (d: Buffer) => (received += d.length));
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => downstream.listen(0, "127.0.0.1", r));
  const dport = (downstream.address() as AddressInfo).port;

  // the codec costs alone, in this process (what Vector's encoder and podprobe's decoder would spend)
  console.log("codec   ratio   encode ms/MiB   decode ms/MiB");
  for (const [name, c] of Object.entries(codecs)) {
    if (name === "none") continue;
    let enc = 0;
    let dec = 0;
    let packed = 0;
    for (const b of list) {
      const t0 = process.hrtime.bigint();
      const z = c.encode(b);
      const t1 = process.hrtime.bigint();
      c.decode(z);
      const t2 = process.hrtime.bigint();
      enc += Number(t1 - t0) / 1e6;
      dec += Number(t2 - t1) / 1e6;
      packed += z.length;
    }
    console.log(`${name.padEnd(7)} ${(raw / packed).toFixed(2).padStart(5)}   ${(enc / mib).toFixed(2).padStart(13)}   ${(dec / mib).toFixed(2).padStart(13)}`);
  }

  console.log("\nend to end through podprobe serve (HTTP mode, loopback)");
  console.log("codec   MiB/s   wall s   sender+downstream CPU ms/MiB   podprobe CPU ms/MiB");
  for (const [name, c] of Object.entries(codecs)) {
    if (!c.serveDecodes) continue;
    const child = spawn(process.execPath, [`${root}bin/podprobe.js`, "serve", "--listen", "http://127.0.0.1:0", "--forward", `http://127.0.0.1:${dport}/`], { stdio: ["ignore", "ignore", "pipe"] });
    const port = await new Promise<number>((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /listening on http:\/\/[^:]+:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    received = 0;
    // warm-up: the first batches compile the engine's hot paths
    for (const b of list.slice(0, 4)) await post(port, c.encode(b), c.header);
    const cpu0 = cpuOf(child.pid!);
    const self0 = selfCpu();
    const t0 = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < list.length; i = next++) {
        const status = await post(port, c.encode(list[i]), c.header);
        if (status !== 200) throw new Error(`serve answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const podCpu = cpuOf(child.pid!) - cpu0;
    const vecCpu = selfCpu() - self0;
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    console.log(`${name.padEnd(7)} ${(mib / wall).toFixed(0).padStart(5)}   ${wall.toFixed(2).padStart(6)}   ${((vecCpu * 1000) / mib).toFixed(2).padStart(28)}   ${((podCpu * 1000) / mib).toFixed(2).padStart(19)}`);
  }
  keepAlive.destroy();
  downstream.close();
}

await main();
