// Records for the prefilter's soundness tests: every record shape podprobe reads (ECS process events and audit
// documents, raw and embedded audit Events, Tetragon, Falco and both Tracee schemas), built from the literals
// the loaded rules compare (so that many are candidates, and many near misses are not), and adversarial
// spellings of any of their strings.
import type { Expr, SequenceRule } from "../host/index.js";
import { containerLog } from "../host/cli/sample.js";
import { line, s1, s2ecs, s2raw, T0, ts } from "./helpers.js";
import { falcoExec, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec } from "./sensors.js";

export const SHAPE_KINDS = ["ecs-process", "ecs-audit", "ecs-any", "raw-audit", "embedded-audit", "tetragon", "falco", "tracee-legacy", "tracee-v1", "container-log"] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** Field → string values the rules compare it with (like patterns with their wildcards filled in). */
export function ruleValues(rules: SequenceRule[], r: () => number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (f: string, vs: string[]) => out.set(f, [...(out.get(f) ?? []), ...vs]);
  const fill = (p: string) => p.replace(/\*/g, () => ["", "x", "kubernetes.default.svc"][Math.floor(r() * 3)]).replace(/\?/g, "s");
  const walk = (e: Expr) => {
    if ("all" in e || "any" in e) ("all" in e ? e.all : e.any).forEach(walk);
    else if ("not" in e) walk(e.not);
    else if ("eq" in e) add(e.eq, e.values);
    else if ("eqCi" in e) add(e.eqCi, e.values);
    else if ("like" in e) add(e.like, e.patterns.map(fill));
    else if ("prefix" in e) add(e.prefix, e.values.map((v) => v + "x"));
    else if ("suffix" in e) add(e.suffix, e.values.map((v) => "x" + v));
    else if ("contains" in e) add(e.contains, e.values.map((v) => `a${v}b`));
    else if ("cidr" in e) add(e.cidr, ["10.1.2.3", "8.8.8.8", "fe80::1"]);
    else if ("cmp" in e) add(e.cmp, [String(e.value)]);
    else if ("substring" in e) add(e.substring, e.values.map((v) => v + "zz"));
    else if ("regex" in e || "isTrue" in e || "isFalse" in e || "exists" in e || "length" in e) add(Object.values(e)[0] as string, []);
    else if ("fieldFn" in e) {
      add(e.field, []);
      add(e.other, []);
    }
  };
  for (const rule of rules) for (const st of rule.stages) walk(st.when);
  return out;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const NOISE = ["", "x", "curlx", "Exec", "FORBID", "start", "ls", "/bin/sh", "true", "process", "network", "kubectl", "0", "café"];

/** A value for a field: one the rules compare it with (any case), a near miss, a number, a boolean or an array. */
function valueFor(values: string[], r: () => number): unknown {
  const v = values.length && r() < 0.7 ? pick(r, values) : pick(r, NOISE);
  const x = r();
  if (x < 0.08) return v.toUpperCase();
  if (x < 0.14) return Number.isFinite(Number(v)) && v !== "" ? Number(v) : v + "1";
  if (x < 0.18) return r() < 0.5;
  if (x < 0.4) return [pick(r, NOISE), v];
  return v;
}

/** Sets a dotted field in a document: nested objects, or a flattened dotted key. */
function put(doc: Record<string, unknown>, field: string, v: unknown, r: () => number): void {
  if (r() < 0.2) {
    doc[field] = v;
    return;
  }
  const segs = field.split(".");
  let o = doc;
  for (const s of segs.slice(0, -1)) {
    if (typeof o[s] !== "object" || o[s] === null || Array.isArray(o[s])) o[s] = {};
    o = o[s] as Record<string, unknown>;
  }
  o[segs[segs.length - 1]] = v;
}

/** An ECS document with a random selection of the rules' fields, over a base document. */
function ecsWith(base: Record<string, unknown>, values: Map<string, string[]>, r: () => number): Record<string, unknown> {
  const doc = structuredClone(base);
  for (const [f, vs] of values) if (r() < 0.35) put(doc, f, valueFor(vs, r), r);
  return doc;
}

function exec(values: Map<string, string[]>, r: () => number, ms: number): Exec {
  const names = [...(values.get("process.name") ?? []), "ls", "sh", "python3"];
  const args = [...(values.get("process.args") ?? []), "-k", "https://kubernetes.default.svc", "Authorization: Bearer x", "a b"];
  const name = pick(r, names).replace(/[^A-Za-z0-9_.-]/g, "") || "sh";
  const binary = pick(r, ["/usr/bin/", "/bin/", "/usr/local/bin/", ""]) + name;
  return {
    pod: r() < 0.9 ? pick(r, ["pod-a", "pod-b"]) : undefined,
    ns: "default",
    time: ts(ms),
    binary,
    argv: [name, ...Array.from({ length: Math.floor(r() * 4) }, () => pick(r, args))],
    pid: 100 + Math.floor(r() * 1000),
  };
}

/** One record of the given shape (a JSON line). */
export function recordOf(kind: ShapeKind, values: Map<string, string[]>, r: () => number): string {
  const ms = Math.floor(r() * 5000);
  const decision = pick(r, ["forbid", "allow", "Forbid"]);
  const stage = pick(r, ["ResponseComplete", "ResponseStarted", "RequestReceived"]);
  switch (kind) {
    case "ecs-process":
      return line(ecsWith(s1(ms, { name: pick(r, [...(values.get("process.name") ?? []), "ls"]), interactive: r() < 0.8 }), values, r));
    case "ecs-audit":
      return line(ecsWith(s2ecs(ms, { decision, stage }), values, r));
    case "ecs-any":
      return line(ecsWith({ "@timestamp": ts(ms), orchestrator: { resource: { name: "pod-a" } }, host: { id: "h1" }, user: { name: "u" }, source: { ip: "10.0.0.1" } }, values, r));
    case "raw-audit":
      return line(s2raw(ms, { decision, stage, extra: r() < 0.3 ? { verb: pick(r, ["create", "list", "exec"]), objectRef: { subresource: "exec" } } : {} }));
    case "embedded-audit": {
      const inner = line(s2raw(ms, { decision, stage }));
      return line(r() < 0.5 ? { log: inner, stream: "stdout", kubernetes: { pod_name: "kube-apiserver" } } : { message: inner, source_type: "kubernetes_logs" });
    }
    case "tetragon": {
      const e = exec(values, r, ms);
      return sensorLine(tetragonExec(e, { inInitTree: r() < 0.8 ? false : true, flags: r() < 0.1 ? "procFS auid" : undefined, probe: r() < 0.1 }));
    }
    case "falco":
      return sensorLine(falcoExec(exec(values, r, ms), { tty: r() < 0.8 ? 34816 : 0, indexed: Math.floor(r() * 5), joined: r() < 0.7, cmdline: r() < 0.3 }));
    case "tracee-legacy": {
      const e = exec(values, r, ms);
      return sensorLine(traceeLegacyExec(e, { flatPod: r() < 0.3 }), e.time);
    }
    case "tracee-v1":
      return sensorLine(traceeV1Exec(exec(values, r, ms), { stdinType: r() < 0.5 ? "S_IFCHR" : 8192 }));
    default:
      return line(containerLog(r, T0 + ms, ["pod-a", "pod-b"]));
  }
}

/** The record's text with one of the adversarial spellings applied to one of its strings (or none). */
export function mutate(text: string, r: () => number): string {
  const strings = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)];
  if (strings.length === 0) return text;
  const m = strings[Math.floor(r() * strings.length)];
  const body = m[1];
  const at = (m.index ?? 0) + 1;
  const replaceBody = (nb: string) => text.slice(0, at) + nb + text.slice(at + body.length);
  const letters = [...body.matchAll(/[A-Za-z]/g)].map((x) => x.index!);
  const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(4, "0");
  switch (Math.floor(r() * 10)) {
    case 0: // a letter as \u00XX (either case of hex digits)
      if (!letters.length) return text;
      {
        const i = letters[Math.floor(r() * letters.length)];
        const e = "\\u" + (r() < 0.5 ? hex(body[i]) : hex(body[i]).toUpperCase());
        return replaceBody(body.slice(0, i) + e + body.slice(i + 1));
      }
    case 1: // every letter escaped
      return replaceBody(body.replace(/[A-Za-z]/g, (c) => "\\u" + hex(c)));
    case 2: // slashes escaped
      return replaceBody(body.replace(/\//g, "\\/"));
    case 3: // a case variant
      return replaceBody(body.replace(/[a-z]/g, (c) => (r() < 0.5 ? c.toUpperCase() : c)));
    case 4: // the string becomes a number or a literal
      return text.slice(0, at - 1) + ["0", "1", "-2.5e3", "true", "false", "null"][Math.floor(r() * 6)] + text.slice(at + body.length + 1);
    case 5: // non-ASCII text, raw or escaped as Fluent Bit's json.escape_unicode writes it
      return replaceBody(body + (r() < 0.5 ? "café 中文" : "caf\\u00e9 \\u4e2d\\u6587"));
    case 6: // the whole record carried in a string of another, escaped once more
      return JSON.stringify({ log: text, stream: "stdout" });
    case 7: // an escaped quote or backslash next to the token
      return replaceBody(r() < 0.5 ? body + '\\"' : "\\\\" + body);
    default:
      return text;
  }
}
