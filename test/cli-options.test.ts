// The command line's options: every bad value is a message naming the option and exit 2 (never a stack
// trace), integers are strict, flags win over --config (also to switch a config's false back on), every serve
// flag is a config key, an option that does not apply to the chosen mode is refused, FILE arguments and help.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCorrelator, OptionError } from "../host/index.js";
import { line, s1, s2raw } from "./helpers.js";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
const cli = (args: string[], input = "") => spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", timeout: 30_000 });
const stream = [line({ log: "x" }), line(s1(0)), line(s2raw(100))].join("\n") + "\n";
const dir = mkdtempSync(join(tmpdir(), "podprobe-opts-"));
const config = (name: string, json: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof json === "string" ? json : JSON.stringify(json));
  return p;
};

/** A usage or option error: exit 2, one message line naming what was wrong, no stack trace, nothing on stdout. */
function refused(args: string[], message: RegExp) {
  const r = cli(args, stream);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
}

test.each([
  [{ rules: "x" }, /option rules: expected a list of rule file or folder paths \(got "x"\)/],
  [{ rules: ["x"] }, /option rules: .*(ENOENT|no such file).*x/i],
  [{ rules: [] }, /option rules: expected a list of rule file or folder paths/],
  [{ clock: "x" }, /option clock: unknown option/],
  [{ alerts: "no" }, /option alerts: expected true or false \(got "no"\)/],
  [{ max_inflight_bytes: "lots" }, /option max_inflight_bytes: expected an integer/],
  [{ keyMode: "pod" }, /option keyMode: unknown option; config files spell options in snake_case \(key_mode\)/],
])("--config %j is refused with a message and exit 2", (json, message) => {
  refused(["--config", config("c.json", json)], message);
});

test("1025 rule files: the limit, named, exit 2", () => {
  const rules = join(dir, "too-many");
  const src = fileURLToPath(new URL("../examples/rules/forbidden-direct-interactive-k8s-api-request.toml", import.meta.url));
  spawnSync("mkdir", ["-p", rules]);
  // 1025 distinct rules (files that share a rule_id would load once)
  const seed = readFileSync(src, "utf8");
  for (let i = 0; i < 1025; i++) writeFileSync(join(rules, `r${i}.toml`), seed.replace(/rule_id = "[^"]+"/, `rule_id = "00000000-0000-4000-8000-${String(i).padStart(12, "0")}"`));
  expect(readdirSync(rules)).toHaveLength(1025);
  refused(["--rules", rules], /option --rules: rule program: 1 to 1024 rules/);
});

test("the library throws OptionError for wrong types, never a TypeError", () => {
  for (const bad of [{ rules: "x" }, { rules: ["x"] }, { rules: [] }, { clock: "x" }, { rules: [{ id: 1 }] }, { redact: 1 }]) {
    expect(() => createCorrelator(bad as never)).toThrow(OptionError);
  }
  expect(() => createCorrelator("x" as never)).toThrow(OptionError);
});

test.each([
  [["--lateness-ms", "0x10"], /option --lateness-ms: expected a decimal integer \(got "0x10"\)/],
  [["--lateness-ms", "1e3"], /expected a decimal integer \(got "1e3"\)/],
  [["--lateness-ms", "1.0"], /expected a decimal integer/],
  [["--lateness-ms", " 5"], /expected a decimal integer/],
  [["--lateness-ms", "-5"], /option --lateness-ms: must be 0 to 86400000 \(one day\); negative values are not allowed \(got -5\)/],
  [["--lateness-ms=-5"], /negative values are not allowed \(got -5\)/],
  [["--max-keys", "99999999999999999999"], /option --max-keys: too large/],
])("strict integers: %j", (args, message) => refused(args, message));

test("--alerts overrides a config's alerts: false; the last of --alerts / --no-alerts wins", () => {
  const off = config("off.json", { alerts: false });
  expect(JSON.parse(cli(["--config", off, "--stats"], stream).stderr).alerts).toBe(0);
  expect(JSON.parse(cli(["--config", off, "--alerts", "--stats"], stream).stderr).alerts).toBe(1);
  expect(JSON.parse(cli(["--alerts", "--no-alerts", "--stats"], stream).stderr).alerts).toBe(0);
  expect(JSON.parse(cli(["--no-alerts", "--alerts", "--stats"], stream).stderr).alerts).toBe(1);
});

test("an option that does not apply to the chosen mode is an error", () => {
  refused(["serve", "--listen", "tcp://127.0.0.1:0", "--forward", "tcp://127.0.0.1:1", "--retry-timeout-ms", "100"], /option --retry-timeout-ms: does not apply to serve in socket mode \(it is for serve in HTTP mode\)/);
  refused(["--listen", "tcp://127.0.0.1:0"], /option --listen: does not apply to the filter/);
  refused(["--config", config("serve.json", { max_inflight_bytes: 100000 })], /option max_inflight_bytes: does not apply to the filter/);
  refused(["key", "--hold-ms", "100"], /option --hold-ms: does not apply to podprobe key/);
  refused(["demo", "--rules", "examples/rules"], /option --rules: does not apply to podprobe demo/);
  refused(["build-fluent-bit", "--hold-ms", "100", "--out", join(dir, "x.wasm")], /option --hold-ms: does not apply to build-fluent-bit/);
  refused(["serve", "--listen", "http://127.0.0.1:0", "--forward", "http://127.0.0.1:1/", "--hold-ms", "100"], /option --hold-ms: does not apply to serve in HTTP mode/);
});

test("FILE arguments are read in order; - is stdin; a missing file is an I/O error (exit 1)", () => {
  const a = config("a.ndjson", line(s1(0)) + "\n");
  const b = config("b.ndjson", line(s2raw(100)) + "\n");
  const r = cli([a, "-", b, "--stats"], line({ between: 1 }) + "\n");
  expect(r.status).toBe(0);
  const out = r.stdout.trim().split("\n");
  expect(out[0]).toBe(line(s1(0)));
  expect(out[1]).toBe(line({ between: 1 }));
  expect(JSON.parse(out[2]).podprobe.alerts[0].sequence.key).toBe("pod-a");
  expect(JSON.parse(r.stderr).matches).toBe(1);
  expect(cli(["key", a]).stdout).toBe("pod-a\n");
  const missing = cli([join(dir, "nope.ndjson")]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/cannot read .*nope\.ndjson: ENOENT/);
  expect(missing.stdout).toBe("");
  // a word that is neither a command nor a file: a usage error
  expect(cli(["serv"]).status).toBe(2);
});

test("every serve flag is also a config key", () => {
  const c = config("serve-all.json", { listen: "tcp://127.0.0.1:0", forward: "tcp://127.0.0.1:1", metrics: "127.0.0.1:bad", max_inflight_bytes: 2048 });
  // the config is read and its metrics address checked before anything is opened
  refused(["serve", "--config", c], /option metrics: expected HOST:PORT \(got "127.0.0.1:bad"\)/);
});

test("podprobe help, podprobe help serve, podprobe serve --help", () => {
  const h = cli(["help"]);
  expect(h.status).toBe(0);
  expect(h.stdout).toMatch(/^usage: podprobe/);
  for (const args of [["help", "serve"], ["serve", "--help"]]) {
    const r = cli(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: podprobe serve/);
    expect(r.stdout).toContain("--retry-timeout-ms");
  }
  expect(cli(["build-fluent-bit", "--help"]).stdout).toMatch(/^usage: podprobe build-fluent-bit/);
  expect(cli(["help", "frob"]).status).toBe(2);
});

test("demo --no-alerts reports the sequences it tagged", () => {
  const r = cli(["demo", "--no-alerts"]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("Found 2 sequences");
  expect(r.stdout).not.toContain("Found 0");
  expect(r.stdout).not.toContain("✗");
});
