// examples/: the shipper configs parse and are wired to podprobe as the README says (the Vector configs have
// their own file: test/vector-configs.test.ts).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { expect, test } from "vitest";

const ex = (p: string) => fileURLToPath(new URL(`../examples/${p}`, import.meta.url));
const yaml = (p: string) => parse(readFileSync(ex(p), "utf8"));
const onPath = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim();

/** The classic format's sections: [NAME] then `Key Value` lines (keys lower-cased). */
function classic(p: string): { name: string; props: Record<string, string> }[] {
  const out: { name: string; props: Record<string, string> }[] = [];
  for (const raw of readFileSync(ex(p), "utf8").split("\n")) {
    const l = raw.trim();
    if (!l || l.startsWith("#")) continue;
    const sec = /^\[(\w+)\]$/.exec(l);
    if (sec) out.push({ name: sec[1].toLowerCase(), props: {} });
    else {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      if (m) out[out.length - 1].props[m[1].toLowerCase()] = m[2];
    }
  }
  return out;
}

/** Fluent Bit's tail paths are shell globs. */
const glob = (g: string) => new RegExp("^" + g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$");
const APISERVER_LOG = "/var/log/containers/kube-apiserver-cp-1_kube-system_kube-apiserver-4f2a9c.log";
const APP_LOG = "/var/log/containers/web-7d9f6c-x2x9q_shop_app-0b1c2d.log";

test("fluent-bit.yaml: the wasm filter runs only on the inputs that can carry candidates, one tag each", () => {
  const c = yaml("fluent-bit/fluent-bit.yaml");
  const filters = c.pipeline.filters.filter((f: { name: string }) => f.name === "wasm");
  expect(filters).toHaveLength(1); // one instance: one shared state
  const [f] = filters;
  expect(f).toMatchObject({ name: "wasm", event_format: "json", function_name: "podprobe_filter" });
  expect(f.wasm_path).toMatch(/podprobe-fluent-bit\.wasm$/);
  const re = new RegExp(f.match_regex);
  const inputs = c.pipeline.inputs as { tag: string; path: string; exclude_path?: string }[];
  const routed = inputs.filter((i) => re.test(i.tag));
  const bypass = inputs.filter((i) => !re.test(i.tag));
  // process events, the audit log file and the apiserver's own container log go through the filter …
  expect(routed.map((i) => i.path).sort()).toEqual(["/var/log/containers/kube-apiserver-*_kube-system_kube-apiserver-*.log", "/var/log/kubernetes/audit/audit.log", "/var/log/podprobe/process-events.ndjson"]);
  // … each under its own fixed tag (the tag names the source of a per-source watermark)
  for (const i of routed) expect(i.tag).not.toContain("*");
  expect(new Set(routed.map((i) => i.tag)).size).toBe(routed.length);
  // other container logs bypass it; the apiserver's log is read once, by its own input
  expect(bypass).toHaveLength(1);
  const [generic] = bypass;
  expect(re.test(generic.tag.replace("*", "var.log.containers.web.log"))).toBe(false);
  expect(glob(generic.path).test(APP_LOG)).toBe(true);
  expect(glob(generic.exclude_path!).test(APP_LOG)).toBe(false);
  expect(glob(generic.exclude_path!).test(APISERVER_LOG)).toBe(true);
  expect(routed.filter((i) => glob(i.path).test(APISERVER_LOG))).toHaveLength(1);
});

test("fluent-bit.conf (classic) is the same pipeline as fluent-bit.yaml", () => {
  const y = yaml("fluent-bit/fluent-bit.yaml").pipeline;
  const sections = classic("fluent-bit/fluent-bit.conf");
  const inputs = sections.filter((s) => s.name === "input").map((s) => ({ tag: s.props.tag, path: s.props.path, exclude: s.props.exclude_path }));
  expect(inputs).toEqual(y.inputs.map((i: { tag: string; path: string; exclude_path?: string }) => ({ tag: i.tag, path: i.path, exclude: i.exclude_path })));
  const [f] = sections.filter((s) => s.name === "filter");
  expect(f.props).toMatchObject({ name: "wasm", match_regex: y.filters[0].match_regex, event_format: "json", function_name: "podprobe_filter" });
  expect(f.props.wasm_path).toBe(y.filters[0].wasm_path);
});

const fluentBit = onPath("fluent-bit");
test.skipIf(!fluentBit)(`fluent-bit --dry-run accepts both configs${fluentBit ? "" : " (skipped: no fluent-bit on PATH)"}`, () => {
  for (const f of ["fluent-bit.yaml", "fluent-bit.conf"]) {
    const r = spawnSync(fluentBit, ["--dry-run", "-c", ex(`fluent-bit/${f}`)], { encoding: "utf8", cwd: ex("fluent-bit") });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }
});
