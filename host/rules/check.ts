// `podprobe rules check PATH…`: loads rule files and folders as `--rules` would and prints one line per file —
// file, rule, and "loaded" or why not — then a summary by kind, whether the loaded rules fit one program, and its
// size against the Fluent Bit module's block.
// Exit 0 when every EQL rule file loads and the loaded rules compile together; 1 otherwise; 2 on a usage error.

import { parseArgs } from "node:util";
import { relative } from "node:path";
import { loadRuleFiles, type FileResult } from "./rules-file.js";
import { compileRules } from "./compile.js";
import { PROGRAM_CAPACITY } from "../fluent-bit/build.js";

export const RULES_USAGE = `usage: podprobe rules check [--include-deprecated] PATH…
  Loads Elastic detection-rule files (*.toml, folders recursively) and prints, for each file, the rule and
  whether it loads or why not. Exit 0 when every EQL rule loads and the loaded rules run together.`;

function describe(r: FileResult): string {
  if (r.status === "loaded") return "loaded";
  if (r.status === "replaced") return `replaced by ${relative(".", r.by!) || r.by} (same rule_id)`;
  return `${r.status === "skipped" ? "skipped" : "not loaded"} (${r.error!.kind}): ${r.error!.detail}`;
}

/** Runs `podprobe rules …` with the arguments after "rules"; returns the exit code. */
export function runRulesCommand(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { "include-deprecated": { type: "boolean" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    err(`podprobe: ${(e as Error).message}\n${RULES_USAGE}\n`);
    return 2;
  }
  const [sub, ...paths] = parsed.positionals;
  if (parsed.values.help) {
    out(RULES_USAGE + "\n");
    return 0;
  }
  if (sub !== "check" || paths.length === 0) {
    err(`podprobe: ${sub === "check" ? "rules check needs at least one PATH" : `unknown command: rules ${sub ?? ""}`.trim()}\n${RULES_USAGE}\n`);
    return 2;
  }
  let loaded;
  try {
    loaded = loadRuleFiles(paths, { collect: true, includeDeprecated: parsed.values["include-deprecated"] === true });
  } catch (e) {
    err(`podprobe: ${(e as Error).message}\n`);
    return 2;
  }
  const rows = loaded.results.map((r) => [relative(".", r.file) || r.file, r.name ?? r.id ?? "-", describe(r)]);
  const width = [0, 1].map((c) => Math.min(80, Math.max(c === 0 ? 4 : 4, ...rows.map((row) => row[c].length))));
  const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s.padEnd(n));
  out(`${pad("FILE", width[0])}  ${pad("RULE", width[1])}  RESULT\n`);
  for (const row of rows) out(`${pad(row[0], width[0])}  ${pad(row[1], width[1])}  ${row[2]}\n`);

  const counts = new Map<string, number>();
  for (const r of loaded.results) {
    const k = r.error ? `${r.status === "skipped" ? "skipped" : "not loaded"} (${r.error.kind})` : r.status;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  out(`\n${loaded.results.length} files: ${[...counts].map(([k, n]) => `${n} ${k}`).join(", ")}\n`);
  for (const w of loaded.warnings) out(`warning: ${w}\n`);
  let together = true;
  if (loaded.rules.length > 0) {
    try {
      const bytes = compileRules(loaded.rules).length;
      const room = PROGRAM_CAPACITY - 16;
      out(`the ${loaded.rules.length} loaded rules compile into one program of ${bytes} bytes (${bytes <= room ? "it fits" : "too large for"} the Fluent Bit module's ${room})\n`);
    } catch (e) {
      together = false;
      out(`the ${loaded.rules.length} loaded rules do not run together: ${(e as Error).message}\n`);
    }
  }
  const refused = loaded.results.some((r) => r.status === "refused");
  return !refused && together && loaded.rules.length > 0 ? 0 : 1;
}
