// Test helpers for the sensor shapes: exec events as Tetragon, Falco and Tracee write them (built from the saved
// examples' structure), and a reference reading of each as the ECS process event it stands for — written here
// from the sensors' documented behaviour, independently of host/rules/shapes.ts, so that tests compare the two.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: any };

const DATA = fileURLToPath(new URL("../examples/data/sensors/", import.meta.url));

/** The saved example events (examples/data/sensors), one JSON line each, by sensor and file name. */
export function savedEvents(): { sensor: string; file: string; line: string }[] {
  const out: { sensor: string; file: string; line: string }[] = [];
  for (const sensor of ["tetragon", "falco", "tracee"]) {
    for (const file of readdirSync(DATA + sensor).filter((f) => f.endsWith(".json")).sort()) {
      const text = readFileSync(`${DATA}${sensor}/${file}`, "utf8");
      // one line as the sensor writes it (the pretty-printed illustration is compacted: whitespace only)
      out.push({ sensor, file, line: text.includes("\n{") || text.trim().includes("\n") ? JSON.stringify(JSON.parse(text)) : text.trim() });
    }
  }
  return out;
}

// ── how each sensor writes an exec ──────────────────────────────────────────────────────────────────────

/** Tetragon's join of the arguments after argv[0] (pkg/process/args.go): quoted only when holding a space. */
export function tetragonJoin(args: string[]): string {
  let s = "";
  for (const a of args) {
    if (a.includes(" ")) s += ` "${a}"`;
    else if (s === "") s = a;
    else s += " " + a;
  }
  return s;
}

export interface Exec {
  pod?: string; // undefined: a host process (no pod, no container)
  ns?: string;
  /** RFC 3339 with nanoseconds */
  time: string;
  binary: string; // the executable's path
  argv: string[]; // argv[0] first
  pid: number;
  containerId?: string; // 64 hex
}

const hex64 = (n: number) => (n.toString(16).padStart(8, "0").repeat(8)).slice(0, 64);
export const containerOf = (pod: string) => hex64([...pod].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));

/** A Tetragon ≥ v1.3 process_exec (shape of testdata/events.json and the docs' curl example). */
export function tetragonExec(e: Exec, o: { inInitTree?: boolean | null; probe?: boolean; flags?: string; runtime?: string; withTime?: boolean } = {}): Obj {
  const args = tetragonJoin(e.argv.slice(1));
  const process: Obj = {
    exec_id: Buffer.from(`node:${e.pid}`).toString("base64"),
    pid: e.pid,
    uid: 0,
    cwd: "/",
    binary: e.binary,
    ...(args === "" ? {} : { arguments: args }),
    flags: o.flags ?? "execve rootcwd clone",
    start_time: e.time,
    auid: 4294967295,
  };
  if (e.pod !== undefined) {
    process.pod = {
      namespace: e.ns ?? "default",
      name: e.pod,
      container: {
        id: `${o.runtime ?? "containerd"}://${e.containerId ?? containerOf(e.pod)}`,
        name: "app",
        image: { id: "docker.io/library/alpine@sha256:" + "0".repeat(64), name: "docker.io/library/alpine:latest" },
        start_time: "2026-01-21T09:00:00Z",
        pid: 7,
        ...(o.probe ? { maybe_exec_probe: true } : {}),
      },
      pod_labels: { app: e.pod },
      workload: e.pod,
    };
    process.docker = (e.containerId ?? containerOf(e.pod)).slice(0, 31);
  }
  process.parent_exec_id = Buffer.from("node:1").toString("base64");
  process.tid = e.pid;
  if (o.inInitTree !== null) process.in_init_tree = o.inInitTree ?? false;
  return { process_exec: { process, parent: { exec_id: process.parent_exec_id, pid: 1, binary: "/bin/bash", flags: "execve clone" } }, node_name: "node-1", ...(o.withTime === false ? {} : { time: e.time }) };
}

/** A Falco alert of examples/falco's rule (json_output; output fields as that rule's output names them). */
export function falcoExec(e: Exec, o: { tty?: number | null; indexed?: number; joined?: boolean; cmdline?: boolean; evtType?: string; evtRes?: string } = {}): Obj {
  const args = e.argv.slice(1);
  const of: Obj = {
    "evt.type": o.evtType ?? "execve",
    "evt.res": o.evtRes ?? "SUCCESS",
    "evt.time": 0, // (set below from the time)
    "proc.name": e.binary.split("/").pop()!.slice(0, 15),
    "proc.exe": e.argv[0],
    "proc.exepath": e.binary,
    "proc.cmdnargs": args.length,
    "proc.pid": e.pid,
    "proc.pname": "bash",
    "container.full_id": e.pod === undefined ? "host" : (e.containerId ?? containerOf(e.pod)),
    "container.id": e.pod === undefined ? "host" : (e.containerId ?? containerOf(e.pod)).slice(0, 12),
    "k8s.pod.name": e.pod ?? null,
    "k8s.ns.name": e.pod === undefined ? null : (e.ns ?? "default"),
    "user.name": "root",
  };
  // (no tty option: a terminal; tty: undefined leaves the field out)
  if (!("tty" in o)) of["proc.tty"] = 34816;
  else if (o.tty !== undefined) of["proc.tty"] = o.tty;
  if (o.joined !== false) of["proc.args"] = args.join(" ");
  for (let i = 0; i < (o.indexed ?? 4); i++) of[`proc.args[${i}]`] = args[i] ?? "";
  if (o.cmdline) of["proc.cmdline"] = [of["proc.name"], ...args].join(" ");
  of["evt.time"] = Number(nsOf(e.time) / 1_000_000_000n) * 1e9; // only a fallback: `time` is read first
  return {
    hostname: "falco-abcde",
    output: `tty exec in container (exe=${e.argv[0]})`,
    priority: "Informational",
    rule: "PodProbe exec with tty in container",
    source: "syscall",
    tags: ["podprobe"],
    time: e.time,
    output_fields: of,
  };
}

const TTY_DEV = "/dev/pts/0";
/** Tracee ≤ v0.24 `trace.Event` sched_process_exec (the legacy docs example's shape, enriched). */
export function traceeLegacyExec(e: Exec, o: { stdinType?: string | number; stdinPath?: string | null; flatPod?: boolean } = {}): Obj {
  const args: Obj[] = [
    { name: "cmdpath", type: "const char*", value: e.argv[0] },
    { name: "pathname", type: "const char*", value: e.binary },
    { name: "argv", type: "const char**", value: e.argv },
    { name: "invoked_from_kernel", type: "int", value: 0 },
    { name: "stdin_type", type: "string", value: o.stdinType ?? "S_IFCHR" },
  ];
  if (o.stdinPath !== null) args.push({ name: "stdin_path", type: "const char*", value: o.stdinPath ?? TTY_DEV });
  const cid = e.pod === undefined ? "" : (e.containerId ?? containerOf(e.pod));
  return {
    timestamp: "@@NS@@", // replaced by the exact integer in traceeLine()
    threadStartTime: 620317257297855,
    processorId: 3,
    processId: e.pid,
    cgroupId: 1,
    threadId: e.pid,
    parentProcessId: 1,
    hostProcessId: e.pid + 100000,
    userId: 0,
    processName: e.binary.split("/").pop()!.slice(0, 15),
    hostName: e.pod ?? "node-1",
    containerId: cid,
    ...(o.flatPod ? { podName: e.pod ?? "", podNamespace: e.pod === undefined ? "" : (e.ns ?? "default") } : {}),
    container: e.pod === undefined ? {} : { id: cid, name: "app", image: "alpine" },
    kubernetes: e.pod === undefined || o.flatPod ? {} : { podName: e.pod, podNamespace: e.ns ?? "default" },
    eventId: "707",
    eventName: "sched_process_exec",
    argsNum: args.length,
    returnValue: 0,
    syscall: "execve",
    contextFlags: { containerStarted: e.pod !== undefined, isCompat: false },
    args,
  };
}

/** Tracee main `v1beta1.Event` sched_process_exec, as its JSON encoder (api/v1beta1/event_json.go) writes it. */
export function traceeV1Exec(e: Exec, o: { stdinType?: string | number; stdinPath?: string | null } = {}): Obj {
  const type = o.stdinType ?? "S_IFCHR";
  const data: Obj[] = [
    { name: "cmdpath", str: e.argv[0] },
    { name: "pathname", str: e.binary },
    { name: "argv", str_array: { value: e.argv } },
    typeof type === "number" ? { name: "stdin_type", u_int32: type } : { name: "stdin_type", str: type },
  ];
  if (o.stdinPath !== null) data.push({ name: "stdin_path", str: o.stdinPath ?? TTY_DEV });
  const workload: Obj = {
    process: { executable: { path: e.binary }, unique_id: e.pid * 7, host_pid: e.pid + 100000, pid: e.pid, real_user: { id: 0 }, thread: { start_time: e.time, name: e.binary.split("/").pop()!.slice(0, 15), tid: e.pid, syscall: "execve" } },
  };
  if (e.pod !== undefined) {
    workload.container = { id: e.containerId ?? containerOf(e.pod), name: "app", image: { id: "sha256:" + "1".repeat(64), name: "alpine" }, started: true };
    workload.k8s = { pod: { name: e.pod, uid: "uid-" + e.pod }, namespace: { name: e.ns ?? "default" } };
  }
  return { timestamp: e.time, id: 707, name: "sched_process_exec", policies: { matched: ["podprobe-exec"] }, workload, data };
}

/** RFC 3339 with nanoseconds to epoch nanoseconds (BigInt). */
export function nsOf(t: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t)!;
  return BigInt(Date.parse(m[1] + "Z")) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** A record as one line; Tracee's legacy timestamp written as the exact integer (beyond 2^53). */
export function sensorLine(rec: Obj, time?: string): string {
  const s = JSON.stringify(rec);
  return s.includes('"@@NS@@"') ? s.replace('"@@NS@@"', String(nsOf(time!))) : s;
}

// ── the reference reading: the ECS document a sensor event stands for ──────────────────────────────────

/** Tetragon's arguments string read back (the join above, reversed where it can be). */
export function tetragonSplit(s: string): string[] {
  const out: string[] = [];
  if (s === "") return out;
  let i = 0;
  const bareTo = (from: number) => {
    const sp = s.indexOf(" ", from);
    const end = sp < 0 ? s.length : sp;
    out.push(s.slice(from, end));
    return end;
  };
  if (s[0] !== " ") i = bareTo(0);
  while (i < s.length) {
    i++; // the space before each argument
    if (s[i] === '"') {
      let close = -1;
      for (let j = i + 1; j < s.length; j++) {
        if (s[j] === '"' && (j + 1 === s.length || s[j + 1] === " ")) {
          close = j;
          break;
        }
      }
      if (close >= 0) {
        out.push(s.slice(i + 1, close));
        i = close + 1;
        continue;
      }
    }
    i = bareTo(i);
  }
  return out;
}

/** Falco's space-joined arguments read back (every space separates). */
export const plainSplit = (s: string) => (s === "" ? [] : s.split(" "));

const present = (v: unknown) => v !== undefined && v !== null;
const unless = (v: unknown, ...not: unknown[]) => (present(v) && v !== "" && !not.includes(v) ? v : undefined);
const TTY_PATH = /^\/dev\/(pts\/[0-9]+|tty[A-Za-z0-9]*|console)$/;

function doc(time: Json | undefined, p: Obj, container: unknown, pod: unknown, ns: unknown, source: string): Obj {
  const d: Obj = {
    event: { category: ["process"], type: ["start"], action: "exec" },
    host: { os: { type: "linux" } },
    process: Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
  };
  if (time !== undefined) d["@timestamp"] = time;
  if (container !== undefined) d.container = { id: container };
  if (pod !== undefined || ns !== undefined) d.orchestrator = { ...(pod !== undefined ? { resource: { name: pod } } : {}), ...(ns !== undefined ? { namespace: ns } : {}) };
  d.__interactive_source = source;
  return d;
}

/**
 * The ECS process event a sensor record stands for, or undefined when it is none (not an exec, a /proc scan).
 * `@timestamp` stays as the record writes it (Tracee v0.24: the integer, as a BigInt); `__interactive_source`
 * names the signal read for process.interactive.
 */
export function ecsOf(r: Obj, rawLine?: string): Obj | undefined {
  const tg = r.process_exec?.process;
  if (typeof tg?.binary === "string") {
    if (typeof tg.flags === "string" && tg.flags.includes("procFS")) return undefined;
    const args = typeof tg.arguments === "string" ? tetragonSplit(tg.arguments) : [];
    const inInit = tg.in_init_tree;
    const cid = tg.pod?.container?.id;
    const after = typeof cid === "string" ? (cid.includes("://") ? cid.slice(cid.indexOf("://") + 3) : cid) : undefined;
    const base = tg.binary.slice(tg.binary.lastIndexOf("/") + 1);
    return doc(
      r.time ?? tg.start_time,
      {
        name: base === "" ? undefined : base,
        executable: tg.binary,
        args: [tg.binary, ...args],
        pid: tg.pid,
        entity_id: tg.exec_id,
        interactive: present(inInit) ? (inInit === false || inInit === "false" || inInit === "") && !(tg.pod?.container?.maybe_exec_probe === true) : undefined,
      },
      after === "" ? undefined : after,
      tg.pod?.name,
      tg.pod?.namespace,
      "tetragon:in_init_tree",
    );
  }
  const of = r.output_fields;
  if (present(r.rule) && present(r.priority) && of && present(of["proc.name"])) {
    if (present(of["evt.type"]) && !["execve", "execveat"].includes(of["evt.type"])) return undefined;
    if (present(of["evt.res"]) && of["evt.res"] !== "SUCCESS") return undefined;
    const exe = of["proc.exe"];
    let args: unknown;
    const n = of["proc.cmdnargs"];
    const indexed = Array.from({ length: typeof n === "number" ? n : 0 }, (_, i) => of[`proc.args[${i}]`]);
    if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 4 && typeof exe === "string" && indexed.every((a) => typeof a === "string")) args = [exe, ...indexed];
    else if (present(of["proc.args"]) && typeof of["proc.args"] === "string" && typeof exe === "string") args = [exe, ...plainSplit(of["proc.args"])];
    else if (typeof of["proc.cmdline"] === "string") args = plainSplit(of["proc.cmdline"]);
    const tty = of["proc.tty"];
    return doc(
      r.time ?? undefined,
      { name: of["proc.name"], executable: of["proc.exepath"], args, pid: of["proc.pid"], interactive: present(tty) ? tty !== 0 && tty !== "0" : undefined },
      unless(of["container.full_id"], "host") ?? unless(of["container.id"], "host"),
      unless(of["k8s.pod.name"]),
      unless(of["k8s.ns.name"]),
      "falco:proc.tty",
    );
  }
  const interactive = (type: unknown, path: unknown) =>
    present(type) ? (type === "S_IFCHR" || type === 8192 || type === "8192") && typeof path === "string" && TTY_PATH.test(path) : undefined;
  if (r.eventName === "sched_process_exec" && present(r.timestamp)) {
    const arg = (name: string) => (r.args as Obj[] | undefined)?.find((a) => a && typeof a === "object" && a.name === name)?.value;
    const ts = rawLine ? /"timestamp":(-?\d+)/.exec(rawLine)?.[1] : undefined;
    return doc(
      ts !== undefined ? (BigInt(ts) as unknown as Json) : undefined,
      { name: r.processName, executable: arg("pathname") ?? r.executable?.path, args: arg("argv"), pid: r.processId, interactive: interactive(arg("stdin_type"), arg("stdin_path")) },
      unless(r.container?.id) ?? unless(r.containerId),
      unless(r.kubernetes?.podName) ?? unless(r.podName),
      unless(r.kubernetes?.podNamespace) ?? unless(r.podNamespace),
      "tracee:stdin",
    );
  }
  if (r.name === "sched_process_exec" && present(r.timestamp) && present(r.workload)) {
    const el = (name: string) => (r.data as Obj[] | undefined)?.find((a) => a && typeof a === "object" && a.name === name);
    const w = r.workload;
    const stdinType = el("stdin_type")?.str ?? el("stdin_type")?.u_int32;
    return doc(
      r.timestamp,
      { name: w.process?.thread?.name, executable: el("pathname")?.str ?? w.process?.executable?.path, args: el("argv")?.str_array?.value, pid: w.process?.pid, entity_id: w.process?.unique_id, interactive: interactive(stdinType, el("stdin_path")?.str) },
      unless(w.container?.id),
      unless(w.k8s?.pod?.name),
      unless(w.k8s?.namespace?.name),
      "tracee:stdin",
    );
  }
  return undefined;
}

/** The ECS document as a record podprobe reads (Tracee's BigInt time as an RFC 3339 string of the same instant). */
export function ecsRecord(d: Obj): Obj {
  const { __interactive_source, ...rest } = d;
  void __interactive_source;
  const t = rest["@timestamp"];
  if (typeof t === "bigint") rest["@timestamp"] = isoNs(t);
  return rest;
}

/** Epoch nanoseconds as RFC 3339 with nine fraction digits. */
export function isoNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  return new Date(Number(ms)).toISOString().slice(0, 19) + "." + (ns % 1_000_000_000n).toString().padStart(9, "0") + "Z";
}
