// examples/: the shipper configs parse and are wired to podprobe as the README says (the Vector configs have
// their own file: test/vector-configs.test.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { expect, test } from "vitest";

const ex = (p: string) => fileURLToPath(new URL(`../examples/${p}`, import.meta.url));
const yaml = (p: string) => parse(readFileSync(ex(p), "utf8"));

test("fluent-bit.yaml: one wasm filter over all podprobe inputs, json events, podprobe_filter", () => {
  const c = yaml("fluent-bit/fluent-bit.yaml");
  const [f] = c.pipeline.filters;
  expect(f).toMatchObject({ name: "wasm", event_format: "json", function_name: "podprobe_filter" });
  expect(f.wasm_path).toMatch(/podprobe-fluent-bit\.wasm$/);
  const re = new RegExp(f.match_regex);
  for (const i of c.pipeline.inputs) expect(re.test(i.tag.replace("*", "x"))).toBe(true);
  const classic = readFileSync(ex("fluent-bit/fluent-bit.conf"), "utf8");
  expect(classic).toMatch(/Function_Name\s+podprobe_filter/);
  expect(classic).toMatch(/Event_Format\s+json/);
});
