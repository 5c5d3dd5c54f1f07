// The exec events of the open-source sensors as record shapes. Tetragon, Falco and Tracee each write an exec as
// their own JSON; each is read as the ECS process event it stands for. What a sensor writes as one string
// (Tetragon's arguments, a binary's path) or as an array of {name, value} objects (Tracee's arguments) becomes an
// ECS value through a derived alias (shapes.ts's Derived), computed by the engine once per record
// (assembly/derive.ts) from the fields it names, which are read in the same shape.

import type { Expr } from "./model.js";
import type { Alias, Derived, Shape } from "./shapes.js";

/** The summary field naming the signal a sensor's process.interactive stands on (absent for other shapes). */
export const INTERACTIVE_SOURCE = "\u0000interactive_source";

/** A field that is the record's own path in every shape, for a shape whose ECS name for something is that path. */
export const raw = (path: string) => `\u0000raw:${path}`;

/** What every sensor's exec event means in ECS. */
function execConstants(field: string): Alias[] | undefined {
  if (field === "event.category") return [{ constant: "process" }];
  if (field === "event.type") return [{ constant: "start" }];
  if (field === "event.action") return [{ constant: "exec" }];
  if (field === "host.os.type") return [{ constant: "linux" }];
  return undefined;
}

/** The value of a field unless it is empty, null or one of `not` (a sensor's way of saying "no container"). */
const unless = (of: string, ...not: string[]): Derived => ({
  derive: "when",
  of,
  holds: { all: [{ exists: of }, { not: { eq: of, values: ["", ...not] } }] },
});

// Tetragon ≥ v1.3 `process_exec` (protojson, snake_case names): the binary's path, its arguments as one string
// without argv[0], the pod, and `time` (absent on some events: then the process's start time)
const TG = "process_exec.process.";
const tetragon: Shape & { argsTruncated: Expr } = {
  name: "tetragon-exec",
  // a /proc scan at Tetragon's start-up reports running processes as process_exec with the flag procFS: no exec
  guard: { all: [{ exists: TG + "binary" }, { not: { contains: TG + "flags", values: ["procFS"] } }] },
  argsTruncated: { contains: TG + "flags", values: ["truncArgs"] },
  aliases(field) {
    const c = execConstants(field);
    if (c) return c;
    switch (field) {
      case "@timestamp":
        return [{ path: "time" }, { path: TG + "start_time" }];
      case "process.name":
        return [{ derive: "basename", of: TG + "binary" }];
      case "process.executable":
        return [{ path: TG + "binary" }];
      case "process.args":
        return [{ derive: "split", head: TG + "binary", of: TG + "arguments", quoting: "tetragon" }];
      case "process.pid":
        return [{ path: TG + "pid" }];
      case "process.entity_id":
        return [{ path: TG + "exec_id" }];
      case "process.working_directory":
        return [{ path: TG + "cwd" }];
      case "process.parent.name":
        return [{ derive: "basename", of: "process_exec.parent.binary" }];
      case "process.parent.executable":
        return [{ path: "process_exec.parent.binary" }];
      case "process.parent.pid":
        return [{ path: "process_exec.parent.pid" }];
      case "process.interactive":
        // not a descendant of the container's PID 1 (kubectl exec, with or without a tty) and not an exec probe
        return [
          {
            derive: "bool",
            present: { exists: TG + "in_init_tree" },
            holds: { all: [{ isFalse: TG + "in_init_tree" }, { not: { isTrue: TG + "pod.container.maybe_exec_probe" } }] },
          },
        ];
      case INTERACTIVE_SOURCE:
        return [{ constant: "tetragon:in_init_tree" }];
      case "user.id":
        return [{ path: TG + "uid" }];
      case "container.id":
        // "containerd://…", "cri-o://…", "docker://…"
        return [{ derive: "after", of: TG + "pod.container.id", separator: "://" }];
      case "container.name":
        return [{ path: TG + "pod.container.name" }];
      case "container.image.name":
        return [{ path: TG + "pod.container.image.name" }];
      case "orchestrator.resource.name":
        return [{ path: TG + "pod.name" }];
      case "orchestrator.namespace":
        return [{ path: TG + "pod.namespace" }];
      case "host.name":
        return [{ path: "node_name" }];
    }
    return [{ path: field }];
  },
};

// Falco's JSON alert (json_output: true): the rule's output fields under `output_fields`, keys holding dots and
// brackets literally ("proc.args[0]"), and `time`. Only alerts of exec events are read as execs: when the output
// names the event type or its result, they must say a successful execve.
const OF = "output_fields.";
const FALCO_ARG_INDEXES = 4;
const falcoArg = (i: number) => `${OF}proc.args[${i}]`;
// argv[0] and the split arguments (read only when the output has proc.args: else the command line is)
const FALCO_JOINED_ARGS = "\u0000falco:args";
const falco: Shape = {
  name: "falco-alert",
  guard: {
    all: [
      { exists: "rule" },
      { exists: "priority" },
      { exists: OF + "proc.name" },
      { not: { all: [{ exists: OF + "evt.type" }, { not: { eq: OF + "evt.type", values: ["execve", "execveat"] } }] } },
      { not: { all: [{ exists: OF + "evt.res" }, { not: { eq: OF + "evt.res", values: ["SUCCESS"] } }] } },
    ],
  },
  aliases(field) {
    const c = execConstants(field);
    if (c) return c;
    switch (field) {
      case "@timestamp":
        return [{ path: "time" }, { derive: "epochNs", of: OF + "evt.time" }];
      case "process.name":
        return [{ path: OF + "proc.name" }];
      case "process.executable":
        return [{ path: OF + "proc.exepath" }];
      case "process.args":
        // exact from argv[0] and the indexed arguments; else split from the space-joined arguments (lossy), else from
        // the command line (its first word is the process name, not argv[0])
        return [
          { derive: "list", head: OF + "proc.exe", count: OF + "proc.cmdnargs", items: Array.from({ length: FALCO_ARG_INDEXES }, (_, i) => falcoArg(i)) },
          { derive: "when", of: FALCO_JOINED_ARGS, holds: { exists: OF + "proc.args" } },
          { derive: "split", of: OF + "proc.cmdline", quoting: "plain" },
        ];
      case FALCO_JOINED_ARGS:
        return [{ derive: "split", head: OF + "proc.exe", of: OF + "proc.args", quoting: "plain" }];
      case "process.pid":
        return [{ path: OF + "proc.pid" }];
      case "process.working_directory":
        return [{ path: OF + "proc.cwd" }];
      case "process.parent.name":
        return [{ path: OF + "proc.pname" }];
      case "process.interactive":
        // the process has a controlling terminal
        return [{ derive: "bool", present: { exists: OF + "proc.tty" }, holds: { not: { eq: OF + "proc.tty", values: ["0"] } } }];
      case INTERACTIVE_SOURCE:
        return [{ constant: "falco:proc.tty" }];
      case "user.name":
        return [{ path: OF + "user.name" }];
      case "container.id":
        // the container plugin says "host" for a process outside containers; the short id is the fallback
        return [unless(OF + "container.full_id", "host"), unless(OF + "container.id", "host")];
      case "container.name":
        return [{ path: OF + "container.name" }];
      case "container.image.name":
        return [{ path: OF + "container.image.repository" }];
      case "orchestrator.resource.name":
        return [unless(OF + "k8s.pod.name")];
      case "orchestrator.namespace":
        return [unless(OF + "k8s.ns.name")];
      case "host.name":
        return [{ path: "hostname" }];
    }
    return [{ path: field }];
  },
};

// Tracee `sched_process_exec`, in both JSON schemas. Arguments are an array of {name, …} objects, read by
// selecting the element of a name; the helper fields below name the two the interactive signal needs.
const ARG = (name: string) => `\u0000tracee:${name}`;
const STDIN_TTY: Expr = { regex: ARG("stdin_path"), patterns: ["/dev/(pts/[0-9]+|tty[A-Za-z0-9]*|console)"] };
const traceeInteractive: Derived = {
  derive: "bool",
  present: { exists: ARG("stdin_type") },
  // stdin is a character device that is a terminal (the type alone also holds for /dev/null)
  holds: { all: [{ eq: ARG("stdin_type"), values: ["S_IFCHR", "8192"] }, STDIN_TTY] },
};

/** Tracee ≤ v0.24 (`trace.Event`): camelCase, `timestamp` in epoch nanoseconds, `args: [{name, type, value}]`. */
const traceeLegacy: Shape = {
  name: "tracee-event",
  guard: { all: [{ eq: "eventName", values: ["sched_process_exec"] }, { exists: "timestamp" }] },
  aliases(field) {
    const c = execConstants(field);
    if (c) return c;
    const arg = (name: string): Derived => ({ derive: "select", of: "args", key: "name", equals: name, member: "value" });
    switch (field) {
      case ARG("stdin_type"):
        return [arg("stdin_type")];
      case ARG("stdin_path"):
        return [arg("stdin_path")];
      case ARG("podName"):
      case ARG("podNamespace"):
        // read from the `kubernetes` object when asked, rather than as paths: container logs enriched by Fluent Bit
        // carry a `kubernetes` object too, and every one of its keys would be looked up on the way
        return [{ derive: "member", of: "kubernetes", member: field.slice(ARG("").length) }];
      case "@timestamp":
        return [{ derive: "epochNs", of: "timestamp" }];
      case "process.name":
        return [{ path: "processName" }];
      case "process.executable":
        return [arg("pathname"), { path: "executable.path" }];
      case "process.args":
        return [arg("argv")];
      case "process.pid":
        return [{ path: "processId" }];
      case "process.parent.pid":
        return [{ path: "parentProcessId" }];
      case "process.entity_id":
        return [{ path: "processEntityId" }];
      case "process.interactive":
        return [traceeInteractive];
      case INTERACTIVE_SOURCE:
        return [{ constant: "tracee:stdin" }];
      case "user.id":
        return [{ path: "userId" }];
      case "container.id":
        // (`container.id` is also the ECS name: the derivation reads the record's own path)
        return [unless(raw("container.id")), unless("containerId")];
      case "container.name":
        return [{ path: "container.name" }];
      case "container.image.name":
        return [{ path: "container.image" }];
      case "orchestrator.resource.name":
        return [unless(ARG("podName")), unless("podName")];
      case "orchestrator.namespace":
        return [unless(ARG("podNamespace")), unless("podNamespace")];
    }
    return [{ path: field }];
  },
};

/** Tracee main (`v1beta1.Event`): snake_case, `timestamp` in RFC 3339, `workload`, `data: [{name, <type>: value}]`. */
const traceeV1 = {
  name: "tracee-v1beta1",
  guard: { all: [{ eq: "name", values: ["sched_process_exec"] }, { exists: "timestamp" }, { exists: "workload" }] },
  aliases(field: string): Alias[] {
    const c = execConstants(field);
    if (c) return c;
    const data = (name: string, member: string): Derived => ({ derive: "select", of: "data", key: "name", equals: name, member });
    switch (field) {
      case ARG("stdin_type"):
        // a name once arguments are decoded ("S_IFCHR"), the mode bits otherwise
        return [data("stdin_type", "str"), data("stdin_type", "u_int32")];
      case ARG("stdin_path"):
        return [data("stdin_path", "str")];
      case "@timestamp":
        return [{ path: "timestamp" }];
      case "process.name":
        return [{ path: "workload.process.thread.name" }];
      case "process.executable":
        return [data("pathname", "str"), { path: "workload.process.executable.path" }];
      case "process.args":
        return [data("argv", "str_array.value")];
      case "process.pid":
        return [{ path: "workload.process.pid" }];
      case "process.entity_id":
        return [{ path: "workload.process.unique_id" }];
      case "process.interactive":
        return [traceeInteractive];
      case INTERACTIVE_SOURCE:
        return [{ constant: "tracee:stdin" }];
      case "user.id":
        return [{ path: "workload.process.real_user.id" }];
      case "container.id":
        return [unless("workload.container.id")];
      case "container.name":
        return [{ path: "workload.container.name" }];
      case "container.image.name":
        return [{ path: "workload.container.image.name" }];
      case "orchestrator.resource.name":
        return [unless("workload.k8s.pod.name")];
      case "orchestrator.namespace":
        return [unless("workload.k8s.namespace.name")];
    }
    return [{ path: field }];
  },
} satisfies Shape;

/** The sensor shapes, in the order their guards are tried (after ECS and the raw audit Event). */
export const SENSOR_SHAPES: Shape[] = [tetragon, falco, traceeLegacy, traceeV1];
