// `podprobe rules check PATH…`: a table of file, rule, and loaded or why not; exit 0 only when every EQL rule loads.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const BIN = fileURLToPath(new URL("../bin/podprobe.js", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const check = (...args: string[]) => spawnSync(process.execPath, [BIN, "rules", "check", ...args], { encoding: "utf8", cwd: ROOT });
const row = (out: string, file: string) => out.split("\n").find((l) => l.startsWith(file));

test("a folder that loads: exit 0; other rule types and replaced duplicates are listed, not failures", () => {
  const r = check("examples/rules", "test/rules/kuery-rule.toml");
  expect(r.status).toBe(0);
  expect(r.stdout.split("\n")[0]).toMatch(/^FILE +RULE +RESULT$/);
  expect(row(r.stdout, "examples/rules/dns-to-cluster-api.toml")).toMatch(/Kubernetes API DNS Lookup from a Container +loaded$/);
  expect(row(r.stdout, "examples/rules/forbidden-direct-interactive-k8s-api-request.toml ")).toMatch(/replaced by examples\/rules\/forbidden-direct-interactive-k8s-api-request-2026-04\.toml \(same rule_id\)$/);
  expect(row(r.stdout, "test/rules/kuery-rule.toml")).toMatch(/skipped \(type\): a query rule \(language kuery\); podprobe runs EQL rules$/);
  expect(r.stdout).toMatch(/\n8 files: 6 loaded, 1 replaced, 1 skipped \(type\)\n/);
  expect(r.stdout).toMatch(/warning: rule 5d1c962d-5d2a-48d4-bdcf-e980e3914947 is in /);
  expect(r.stdout).toMatch(/the 6 loaded rules compile into one program of \d+ bytes \(it fits the Fluent Bit module's 1048560\)\n$/);
});

test("a file that does not load: exit 1, with the kind and the construct", () => {
  const r = check("test/rules/unsupported-until.toml", "test/rules/regex.toml", "test/rules/sample-by.toml");
  expect(r.status).toBe(1);
  expect(row(r.stdout, "test/rules/unsupported-until.toml")).toMatch(/Until Is Not Supported +not loaded \(unsupported\): rule\.query: unsupported: "until" at line 4, column 1$/);
  expect(row(r.stdout, "test/rules/sample-by.toml")).toMatch(/loaded$/);
  expect(row(r.stdout, "test/rules/regex.toml")).toMatch(/loaded$/);
});

test("a TOML syntax error is a row with its line and column; deprecated rules load with --include-deprecated", () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-check-"));
  writeFileSync(join(dir, "broken.toml"), "[rule]\nname = 'x\n");
  const r = check(dir);
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/broken\.toml +- +not loaded \(toml\): TOML syntax error at line 2, column \d+/);
  expect(check("test/rules/deprecated.toml").status).toBe(1); // nothing loads
  expect(row(check("test/rules/deprecated.toml", "--include-deprecated").stdout, "test/rules/deprecated.toml")).toMatch(/An Old Rule +loaded$/);
});

test("usage errors exit 2", () => {
  expect(check().status).toBe(2);
  expect(spawnSync(process.execPath, [BIN, "rules", "lint", "x"], { encoding: "utf8" }).status).toBe(2);
  expect(check("--frobnicate", "x").status).toBe(2);
});
