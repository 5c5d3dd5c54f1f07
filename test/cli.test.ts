// SPEC §8 CLI: stdin → stdout filter, --stats, --config, key, demo; exit 0 / 2 (usage, options) / 1 (I/O).
import { spawnSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { COUNTER_NAMES } from "../host/index.js";
import { line, s1, s2raw } from "./helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
const cli = (args: string[], input = "") => spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8" });
const stream = [line({ log: "x" }), line(s1(0)), line(s2raw(100))].join("\n") + "\n";

test("filters stdin to stdout: every record, the tag, and the alert", () => {
  const r = cli([], stream);
  expect(r.status).toBe(0);
  const out = r.stdout.split("\n").filter(Boolean);
  expect(out).toHaveLength(4);
  expect(out[0]).toBe(line({ log: "x" }));
  expect(out[1]).toBe(line(s1(0)));
  expect(JSON.parse(out[2]).podprobe.alerts[0].sequence.key).toBe("pod-a");
  expect(JSON.parse(out[3]).event.kind).toBe("alert");
  expect(r.stderr).toBe("");
});

test("--stats prints one JSON line of every counter on stderr", () => {
  const r = cli(["--stats", "--no-alerts"], stream);
  expect(r.status).toBe(0);
  const s = JSON.parse(r.stderr.trim());
  for (const n of COUNTER_NAMES) expect(typeof s[n]).toBe("number");
  expect(s).toMatchObject({ records_in: 3, records_out: 3, matches: 1, alerts: 0 });
  expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(3);
});

test("PODPROBE_TIMING=1 (the bench's) adds one JSON line of processing time on stderr; the output is the same", () => {
  const plain = cli([], stream);
  const timed = spawnSync(process.execPath, [BIN], { input: stream, encoding: "utf8", env: { ...process.env, PODPROBE_TIMING: "1" } });
  expect(timed.status).toBe(0);
  expect(timed.stdout).toBe(plain.stdout);
  const t = JSON.parse(timed.stderr.trim());
  expect(Object.keys(t).sort()).toEqual(["processing_cpu_seconds", "processing_seconds"]);
  expect(t.processing_seconds).toBeGreaterThan(0);
  expect(t.processing_cpu_seconds).toBeGreaterThanOrEqual(0);
  expect(plain.stderr).toBe("");
});

test("an option error exits 2 naming the flag and the value, before reading input", () => {
  const r = cli(["--lateness-ms", "soon"], stream);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("--lateness-ms");
  expect(r.stderr).toContain('"soon"');
  expect(r.stdout).toBe("");
  const z = cli(["--ring-capacity", "0"]);
  expect(z.status).toBe(2);
  expect(z.stderr).toMatch(/option --ring-capacity: must be 1 to 255 \(got 0\)/);
});

test("an unknown flag or command is a usage error (exit 2)", () => {
  expect(cli(["--frob"]).status).toBe(2);
  const r = cli(["serve-all"]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("usage:");
});

test("--config reads snake_case options; flags win; bad keys name the key", () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-"));
  const good = join(dir, "good.json");
  writeFileSync(good, JSON.stringify({ key_mode: "namespace-pod", alerts: false }));
  const r = cli(["--config", good, "--stats"], stream);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stderr).alerts).toBe(0);
  expect(r.stdout).toContain('"key":"default/pod-a"');
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ max_keys: 0 }));
  const b = cli(["--config", bad]);
  expect(b.status).toBe(2);
  expect(b.stderr).toMatch(/option max_keys: must be 1 to 16777216 \(got 0\)/);
  writeFileSync(bad, "{not json");
  expect(cli(["--config", bad]).status).toBe(2);
  expect(cli(["--config", join(dir, "missing.json")]).status).toBe(2);
});

test("key prints one line per record: the join key, or nothing", () => {
  const r = cli(["key"], stream + line(s1(0, { pod: "q\"x" })));
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('\npod-a\npod-a\nq\\"x\n');
  const ns = cli(["key", "--key-mode", "namespace-pod"], stream);
  expect(ns.stdout).toBe("\ndefault/pod-a\ndefault/pod-a\n");
});

test("demo runs on the bundled sample stream and explains its detections", () => {
  const r = cli(["demo"]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("Found 2 sequences");
  expect(r.stdout).toContain("webapp-7d9f6c-x2x9q");
  expect(r.stdout).not.toContain("✗");
});

test("--rules loads Elastic rule files; unsupported ones stop start-up (exit 2) unless --skip-unsupported", () => {
  const rules = fileURLToPath(new URL("./rules", import.meta.url));
  const examples = fileURLToPath(new URL("../examples/rules", import.meta.url));
  const bad = cli(["--rules", join(rules, "unsupported-until.toml")], stream);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/option --rules: rule\.query: unsupported: "until" at line 4, column 1/);
  const ok = cli(["--rules", examples, "--rules", rules, "--skip-unsupported", "--stats"], stream);
  expect(ok.status).toBe(0);
  expect(ok.stderr).toMatch(/skipped .*unsupported-until\.toml/);
  expect(ok.stderr).toMatch(/rule 5d1c962d-5d2a-48d4-bdcf-e980e3914947 is in .* loading .*-2026-04\.toml/);
  // the seed's revision (one rule_id loads once) and the common-utilities sibling match the stream's sequence
  expect(JSON.parse(ok.stderr.trim().split("\n").pop()!).matches).toBe(2);
  expect(cli(["--skip-unsupported"]).status).toBe(2);
});

const hasScript = spawnSync("sh", ["-c", "command -v script"], { encoding: "utf8" }).stdout.trim() !== "";
test.skipIf(!hasScript)(`a live progress line on stderr when it is a terminal${hasScript ? "" : " (skipped: no script(1) for a pseudo-terminal)"}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-tty-"));
  const input = join(dir, "in.ndjson");
  writeFileSync(input, stream);
  // script(1) gives the command a terminal; stdout goes to /dev/null, so what script captures is stderr
  const r = spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} < ${JSON.stringify(input)} > /dev/null`, "/dev/null"], { encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/podprobe: 3 records, 0\.0 MB, 1 sequences, 0 invalid/);
});
