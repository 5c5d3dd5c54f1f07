// The library leaves V8's flags to the application: nothing reachable from `import "podprobe"` calls
// setFlagsFromString (they are process-wide); the command's entry point sets the engine's tiering flags.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const HOST = fileURLToPath(new URL("../host/", import.meta.url));

/** Every host source file reachable by relative imports from `entry`. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    for (const m of text.matchAll(/(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/g)) visit(resolve(dirname(file), m[1].replace(/\.js$/, ".ts")));
  };
  visit(entry);
  return seen;
}

test("nothing the library imports changes V8 flags", () => {
  const files = reachable(HOST + "index.ts");
  expect(files.size).toBeGreaterThan(8);
  for (const [file, text] of files) expect(text.includes("setFlagsFromString"), file).toBe(false);
});

test("the CLI (and so serve) sets them before the first engine is compiled", () => {
  const files = reachable(HOST + "cli/main.ts");
  expect([...files.values()].some((t) => t.includes('setFlagsFromString("--no-liftoff")'))).toBe(true);
  const main = files.get(HOST + "cli/main.ts")!;
  expect(main.indexOf("preferOptimizedWasm();")).toBeLessThan(main.indexOf("createCorrelator(args.engine"));
  expect(main.indexOf("preferOptimizedWasm();")).toBeLessThan(main.indexOf("runServe(args, signals)"));
});
