// examples/kubernetes/ and the Dockerfile: every manifest parses, and what must agree does — the embedded shipper
// configs are the examples' own, the sidecar's and the init container's arguments are valid podprobe command
// lines whose socket paths, ports, module path and function name match the configs and the volume mounts, and
// the image runs as non-root with a read-only root filesystem.
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { expect, test } from "vitest";
import { parse as parseCommandLine } from "../host/cli/main.js";
import { resolveOptions, optionsFromConfig } from "../host/options.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const K8S = join(ROOT, "examples/kubernetes");
const docsOf = (file: string) => parseAllDocuments(readFileSync(join(K8S, file), "utf8")).map((d) => {
  expect(d.errors, file).toEqual([]);
  return d.toJS() as Record<string, any>;
});
const manifests = readdirSync(K8S).filter((f) => f.endsWith(".yaml"));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const IMAGE = `podprobe:${pkg.version}`;

type Container = { name: string; image: string; args?: string[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[]; ports?: { containerPort: number }[]; securityContext?: Record<string, any>; readinessProbe?: any; livenessProbe?: any };

function daemonSet(file: string) {
  const docs = docsOf(file);
  const ds = docs.find((d) => d.kind === "DaemonSet")!;
  const configMaps = Object.fromEntries(docs.filter((d) => d.kind === "ConfigMap").map((d) => [d.metadata.name, d.data as Record<string, string>]));
  const spec = ds.spec.template.spec;
  const all: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  const volumes = Object.fromEntries((spec.volumes as any[]).map((v) => [v.name, v]));
  expect(ds.spec.selector.matchLabels).toEqual(ds.spec.template.metadata.labels);
  return { docs, ds, configMaps, containers: all, volumes, byName: (n: string) => all.find((c) => c.name === n)! };
}

/** The volume mount (name, mount path) of a container under which `path` lies. */
function mountOf(c: Container, path: string) {
  const m = (c.volumeMounts ?? []).filter((v) => path === v.mountPath || path.startsWith(v.mountPath.replace(/\/$/, "") + "/"));
  expect(m.length, `${c.name}: ${path} is not under a volume mount`).toBeGreaterThan(0);
  return m.sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** Runs the podprobe arguments through the CLI's own parser, with the ConfigMap's files in place of mounts. */
function podprobeArgs(c: Container, configMaps: Record<string, Record<string, string>>, volumes: Record<string, any>) {
  expect(c.image).toBe(IMAGE);
  const args = [...c.args!];
  const dir = mkdtempSync(join(tmpdir(), "podprobe-k8s-"));
  const i = args.indexOf("--config");
  if (i >= 0) {
    const m = mountOf(c, args[i + 1]);
    const cm = configMaps[volumes[m.name].configMap.name];
    const key = posix.relative(m.mountPath, args[i + 1]);
    expect(cm[key], `${args[i + 1]} in ConfigMap ${volumes[m.name].configMap.name}`).toBeDefined();
    resolveOptions(optionsFromConfig(JSON.parse(cm[key]), key));
    args[i + 1] = join(dir, "podprobe.json");
    writeFileSync(args[i + 1], cm[key]);
  }
  return parseCommandLine(args);
}

test("every manifest parses; every object has apiVersion, kind and a name", () => {
  expect(manifests.sort()).toEqual(["fluent-bit-daemonset.yaml", "vector-daemonset.yaml"]);
  for (const f of manifests) {
    for (const d of docsOf(f)) {
      expect(d.apiVersion, f).toBeTruthy();
      expect(d.kind, f).toBeTruthy();
      expect(d.metadata?.name, f).toBeTruthy();
    }
  }
});

test("Fluent Bit: the init container builds the module where the filter loads it, with the example's config", () => {
  const { configMaps, volumes, byName } = daemonSet("fluent-bit-daemonset.yaml");
  const init = byName("podprobe-module");
  const fb = byName("fluent-bit");
  const parsed = podprobeArgs(init, configMaps, volumes);
  expect(parsed.command).toBe("build-fluent-bit");
  const out = parsed.host.out!;
  // the embedded configuration is the example's
  const cfgPath = fb.args![fb.args!.indexOf("-c") + 1];
  const cfgMount = mountOf(fb, cfgPath);
  const cfgMap = configMaps[volumes[cfgMount.name].configMap.name];
  const embedded = parse(cfgMap[posix.basename(cfgPath)]);
  expect(embedded).toEqual(parse(readFileSync(join(ROOT, "examples/fluent-bit/fluent-bit.yaml"), "utf8")));
  expect(cfgMap[embedded.service.parsers_file]).toBe(readFileSync(join(ROOT, "examples/fluent-bit/parsers.conf"), "utf8"));
  const wasm = embedded.pipeline.filters.find((f: any) => f.name === "wasm");
  expect(wasm.function_name).toBe("podprobe_filter");
  expect(wasm.event_format).toBe("json");
  // the module is written to the path the filter loads, on a volume both containers mount
  expect(wasm.wasm_path).toBe(out);
  const written = mountOf(init, out);
  const read = mountOf(fb, wasm.wasm_path);
  expect(written.name).toBe(read.name);
  expect(written.mountPath).toBe(read.mountPath);
  expect(volumes[written.name].emptyDir).toBeDefined();
  expect(wasm.accessible_paths).toBe(dirname(wasm.wasm_path));
  // every tailed file is on a host path the container mounts
  for (const input of embedded.pipeline.inputs.filter((i: any) => i.name === "tail")) {
    expect(volumes[mountOf(fb, input.path).name].hostPath, input.path).toBeDefined();
  }
});

test("Vector: the sidecar serves in socket mode on the paths of the example's socket sink and source", () => {
  const { configMaps, volumes, byName } = daemonSet("vector-daemonset.yaml");
  const sidecar = byName("podprobe");
  const vector = byName("vector");
  const parsed = podprobeArgs(sidecar, configMaps, volumes);
  expect(parsed.command).toBe("serve");
  expect(parsed.mode).toBe("socket");
  const cfgPath = vector.args![vector.args!.indexOf("--config") + 1];
  const cfgMount = mountOf(vector, cfgPath);
  const text = configMaps[volumes[cfgMount.name].configMap.name][posix.basename(cfgPath)];
  const cfg = parse(text);
  expect(cfg).toEqual(parse(readFileSync(join(ROOT, "examples/vector/vector-socket.yaml"), "utf8")));
  const sink = Object.values(cfg.sinks as Record<string, any>).find((s) => s.type === "socket")!;
  const source = Object.values(cfg.sources as Record<string, any>).find((s) => s.type === "socket")!;
  expect(parsed.host.listen).toBe(`unix://${sink.path}`);
  expect(parsed.host.forward).toBe(`unix://${source.path}`);
  expect(sink.encoding.codec).toBe("json");
  expect(source.decoding.codec).toBe("json");
  for (const p of [sink.path, source.path]) {
    const a = mountOf(sidecar, p);
    const b = mountOf(vector, p);
    expect(a.name).toBe(b.name);
    expect(a.mountPath).toBe(b.mountPath);
    expect(volumes[a.name].emptyDir).toBeDefined();
  }
  // metrics: the port podprobe serves is the declared port, the probes' port and the scrape annotation's
  const port = Number(parsed.host.metrics!.split(":").pop());
  expect(sidecar.ports!.map((p) => p.containerPort)).toContain(port);
  expect(sidecar.readinessProbe.httpGet.port).toBe(port);
  expect(sidecar.readinessProbe.httpGet.path).toBe("/metrics");
  expect(sidecar.livenessProbe.httpGet.port).toBe(port);
  const ds = daemonSet("vector-daemonset.yaml").ds;
  expect(ds.spec.template.metadata.annotations["prometheus.io/port"]).toBe(String(port));
  // the files Vector reads and its data_dir are on mounted host paths
  for (const src of Object.values(cfg.sources as Record<string, any>).filter((s) => s.type === "file")) {
    for (const p of src.include) expect(volumes[mountOf(vector, p).name].hostPath, p).toBeDefined();
  }
  expect(volumes[mountOf(vector, cfg.data_dir).name].hostPath).toBeDefined();
});

test("podprobe containers run as non-root with a read-only root filesystem", () => {
  for (const f of manifests) {
    const { containers } = daemonSet(f);
    for (const c of containers.filter((x) => x.image === IMAGE)) {
      expect(c.securityContext, `${f} ${c.name}`).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.securityContext!.runAsUser).not.toBe(0);
    }
  }
});

test("the Dockerfile: non-root user, the CLI as entry point, only files that exist and the package ships", () => {
  const text = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1];
  const user = /^USER\s+(\S+)/m.exec(final)![1];
  expect(user.split(":")[0]).not.toMatch(/^(0|root)$/);
  expect(JSON.parse(/^ENTRYPOINT\s+(.*)$/m.exec(final)![1])).toEqual(["node", "/app/bin/podprobe.js"]);
  expect(pkg.bin.podprobe).toBe("./bin/podprobe.js");
  // what the build stage copies from the checkout exists
  for (const m of stages[0].matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)) {
    for (const src of m[1].split(/\s+/)) expect(() => readFileSync(join(ROOT, src)), src).not.toThrow(/ENOENT/);
  }
  // what the final stage takes from the build is what the npm package ships
  for (const m of final.matchAll(/^COPY --from=build\s+(.+)\s+\S+$/gm)) {
    for (const src of m[1].split(/\s+/)) {
      const rel = src.replace(/^\/src\//, "");
      if (rel === "node_modules" || rel === "package.json") continue;
      expect(pkg.files.some((f: string) => rel === f || rel.startsWith(f + "/") || new RegExp(`^${f.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`).test(rel)), rel).toBe(true);
    }
  }
});
