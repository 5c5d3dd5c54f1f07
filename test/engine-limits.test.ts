// The compiler refuses exactly what the engine cannot hold: every cap in host/rules/compile.ts LIMITS is the
// engine's constant of the same meaning (assembly/), and the front end's `runs` cap is EQL's and the engine's;
// the prefilter's derivation stays within the engine's table.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { LIMITS } from "../host/rules/compile.js";
import { MAX_DISPATCH_FIELDS } from "../host/rules/dispatch.js";
import { MAX_NEEDLES, MAX_STAGES, BYTES_CAP } from "../host/rules/prefilter.js";

/** The value of an `@inline` constant in an assembly file (a number, or a product of numbers and constants). */
function constant(file: string, name: string): number {
  const src = readFileSync(fileURLToPath(new URL(`../assembly/${file}`, import.meta.url)), "utf8");
  const m = new RegExp(`(?:export )?const ${name}: \\w+ = ([^;]+);`).exec(src);
  if (!m) throw new Error(`${name} not found in assembly/${file}`);
  const expr = m[1].replace(/<\w+>/g, "").replace(/[A-Z_]{3,}/g, (c) => String(constant(file, c)));
  if (!/^[\d\s*+<()]+$/.test(expr)) throw new Error(`${name} = ${m[1]}: not a plain number`);
  return Function(`return (${expr})`)() as number;
}

test.each([
  ["rules", "rules.ts", "MAX_RULES"],
  ["stageRows", "rules.ts", "MAX_STAGE_ROWS"],
  ["stages", "rules.ts", "STAGES"],
  ["positions", "rules.ts", "MAX_POSITIONS"],
  ["runs", "rules.ts", "MAX_RUNS"],
  ["keys", "rules.ts", "MAX_KEY_FIELDS"],
  ["summary", "rules.ts", "MAX_SUMMARY_FIELDS"],
  ["summaryRows", "rules.ts", "MAX_SUMMARY_ROWS"],
  ["parts", "rules.ts", "MAX_PARTS"],
  ["partRows", "rules.ts", "MAX_PART_ROWS"],
  ["strings", "program.ts", "MAX_STRINGS"],
  ["sets", "program.ts", "MAX_SETS"],
  ["fields", "program.ts", "MAX_FIELDS"],
  ["shapes", "program.ts", "MAX_SHAPES"],
  ["paths", "paths.ts", "MAX_PATHS"],
  ["derived", "derive.ts", "MAX_DERIVED"],
] as const)("LIMITS.%s is the engine's %s %s", (limit, file, name) => {
  expect(constant(file, name)).toBe(LIMITS[limit]);
});

test("the dispatch index reads at most as many fields as the engine holds; runs=N is capped as EQL caps it", () => {
  expect(constant("dispatch.ts", "MAX_DISPATCH_FIELDS")).toBe(MAX_DISPATCH_FIELDS);
  const eql = readFileSync(fileURLToPath(new URL("../host/rules/eql.ts", import.meta.url)), "utf8");
  expect(Number(/const MAX_RUNS = (\d+);/.exec(eql)![1])).toBe(LIMITS.runs);
  expect(LIMITS.rules).toBeGreaterThanOrEqual(512);
});

test("the prefilter's derivation fits the engine's table: needles, rows and needle bytes", () => {
  expect(constant("needle-tables.ts", "MAX_NEEDLES")).toBe(MAX_NEEDLES);
  expect(constant("needle-tables.ts", "BYTES_CAP")).toBe(BYTES_CAP);
  expect(constant("clauses.ts", "MAX_STAGES")).toBe(MAX_STAGES);
});
