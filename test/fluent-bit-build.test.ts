// `podprobe build-fluent-bit` from the installed package: the npm tarball has no assembly/ and no compiler,
// yet the command writes a module with the chosen rules and options (it fills in the shipped module's program
// block). Its errors are one line; --skip-unsupported works; hold_ms is refused.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, existsSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { line, s1, s2raw, T0 } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLES = join(ROOT, "examples/rules");
const UNSUPPORTED = join(ROOT, "test/rules/unsupported-until.toml");
let pkg = "";
let dir = "";

/** The package as npm installs it: the packed files, and only the runtime dependencies beside it. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "podprobe-pkg-"));
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" });
  expect(pack.status, pack.stderr).toBe(0);
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  const app = join(dir, "app");
  mkdirSync(join(app, "node_modules"), { recursive: true });
  expect(spawnSync("tar", ["xzf", join(dir, tgz), "-C", join(app, "node_modules")]).status).toBe(0);
  pkg = join(app, "node_modules/package");
  const deps = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies as Record<string, string>;
  for (const d of Object.keys(deps)) symlinkSync(join(ROOT, "node_modules", d), join(app, "node_modules", d));
}, 120_000);

const cli = (args: string[]) => spawnSync(process.execPath, [join(pkg, "bin/podprobe.js"), "build-fluent-bit", ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });

test("the tarball has neither the engine's sources nor the compiler", () => {
  expect(existsSync(join(pkg, "assembly"))).toBe(false);
  expect(existsSync(join(dir, "app/node_modules/assemblyscript"))).toBe(false);
  expect(existsSync(join(pkg, "build/podprobe-fluent-bit.wasm"))).toBe(true);
  expect(existsSync(join(pkg, "LICENSE"))).toBe(true);
});

test("builds a module with every example rule and a config; the module runs them with those options", () => {
  const config = join(dir, "podprobe.json");
  writeFileSync(config, JSON.stringify({ key_mode: "namespace-pod", redact: false }));
  const out = join(dir, "custom.wasm");
  const r = cli(["--rules", EXAMPLES, "--config", config, "--out", out]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/wrote .*custom\.wasm \(\d+ bytes; rule program \d+ of \d+ bytes\) with 6 rules: .*Forbidden Direct Interactive Kubernetes API Request/);
  const f = new FluentBitFilter(readFileSync(out));
  expect(f.x.podprobe_ready()).toBe(1);
  const bearer = JSON.parse(f.call(line(s1(0, { args: ["curl", "-H", "Authorization: Bearer x", "https://k8s"] })), T0).toString());
  expect(bearer.podprobe.alerts.map((a: { rule: { name: string } }) => a.rule.name)).toContain("Bearer Token in Process Arguments");
  const tagged = JSON.parse(f.call(line(s2raw(300)), T0).toString());
  const seed = tagged.podprobe.alerts.find((a: { rule: { id: string } }) => a.rule.id === "5d1c962d-5d2a-48d4-bdcf-e980e3914947");
  expect(seed.sequence.key).toBe("default/pod-a"); // key_mode from the config
  expect(seed.peer["process.args"]).toContain("Authorization: Bearer x"); // redact: false from the config
});

test("--skip-unsupported loads the rest and names what it skipped", () => {
  const out = join(dir, "skip.wasm");
  const r = cli(["--rules", EXAMPLES, "--rules", UNSUPPORTED, "--skip-unsupported", "--out", out]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/skipped .*unsupported-until\.toml/);
  expect(existsSync(out)).toBe(true);
});

test.each([
  [["--rules", UNSUPPORTED], 2, /^podprobe: option --rules: rule\.query: unsupported: "until" at line 4, column 1/],
  [["--hold-ms", "100"], 2, /^podprobe: option --hold-ms: does not apply to build-fluent-bit/],
  [["--rules", "/nonexistent/rules"], 2, /^podprobe: option --rules: .*ENOENT/],
  [["--out", "/nonexistent/dir/x.wasm"], 1, /^podprobe build-fluent-bit: cannot write \/nonexistent\/dir\/x\.wasm: ENOENT$/],
])("errors are one line: %j", (args, code, message) => {
  const r = cli(args as string[]);
  expect(r.status).toBe(code);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(message as RegExp);
});

test("a config's hold_ms is refused too (the filter cannot hold a record)", () => {
  const config = join(dir, "hold.json");
  writeFileSync(config, JSON.stringify({ hold_ms: 200 }));
  const r = cli(["--config", config]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/option hold_ms: does not apply to build-fluent-bit/);
});

test("a rule program beyond the module's block is refused with one line naming both sizes", () => {
  // 60 rules, each listing 600 distinct process names of 40 bytes: a program of ~1.5 MB
  const big = join(dir, "big-pack");
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < 60; i++) {
    const names = Array.from({ length: 600 }, (_, j) => `"tool-${String(i).padStart(3, "0")}-${String(j).padStart(4, "0")}-${"x".repeat(24)}"`).join(", ");
    writeFileSync(join(big, `r${i}.toml`), `[rule]\nrule_id = "big-${i}"\nname = "Big ${i}"\ntype = "eql"\nlanguage = "eql"\nquery = '''process where process.name in (${names})'''\n`);
  }
  const r = cli(["--rules", big, "--out", join(dir, "big.wasm")]);
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/option (--)?rules: the compiled rule program does not fit the module's 1048560 bytes: load fewer rules \(got "\d{7} bytes"\)/);
  expect(existsSync(join(dir, "big.wasm"))).toBe(false);
});
