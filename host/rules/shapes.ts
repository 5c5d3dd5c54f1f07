// Record shapes (SPEC §2): how a logical ECS field is found in each shape. Shape 0 is ECS itself; a raw
// kube-apiserver audit Event ("kind":"Event", "apiVersion":"audit.k8s.io/…") is read as if it were the ECS
// document Elastic's audit pipeline makes of it — the record's own fields under `kubernetes.audit.`, and the ECS
// fields that pipeline sets (user.name, source.ip, event.outcome, …). Such an Event may also arrive inside a log
// line (`log` or `message`), when kube-apiserver writes its audit log to stdout. The exec events of Tetragon,
// Falco and Tracee are read as the ECS process events they stand for (sensor-shapes.ts). The compiler
// turns all this into per-field alias tables, and rewrites predicates on fields a shape derives rather than reads.

import type { Expr } from "./model.js";
import { SENSOR_SHAPES, INTERACTIVE_SOURCE, raw } from "./sensor-shapes.js";

export { SENSOR_SHAPES, INTERACTIVE_SOURCE, raw };

/**
 * One way to read a logical field: a physical path (dots under `underscoreFrom` may be underscores), a constant, or
 * a value derived from other fields of the record (the sensor shapes: sensor-shapes.ts).
 */
export type Alias = { path: string; underscoreFrom?: number } | { constant: string } | Derived;

/**
 * A field a shape computes: the union of other logical fields (ECS `related.user` is the user's id and name), or
 * a constant under a condition (`event.outcome` is "failure" when the decision is "forbid").
 */
export type Derivation = { from: string } | { when: Expr; value: string };

export interface Shape {
  name: string;
  /** Predicate over physical fields (read through shape 0) that selects this shape; none for shape 0. */
  guard?: Expr;
  aliases(field: string): Alias[];
  /** Fields this shape derives; predicates on them are rewritten (summaries, keys and times read the aliases). */
  derived?(field: string): Derivation[] | undefined;
}

const AUDIT = "kubernetes.audit.";
const ANNOTATIONS = "annotations.";
const DECISION = "kubernetes.audit.annotations.authorization_k8s_io/decision";

/** ECS fields of Elastic's audit pipeline that copy a field of the raw Event. */
const AUDIT_ECS: Record<string, string> = {
  "user.name": "user.username",
  "user.id": "user.uid",
  "user_agent.original": "userAgent",
  "source.ip": "sourceIPs",
  "client.ip": "sourceIPs",
  "related.ip": "sourceIPs",
  "event.action": "verb",
};

export const SHAPES: Shape[] = [
  {
    name: "ecs",
    aliases(field) {
      // Elastic sets both to the same value; rule revisions read one or the other (the seed rule's 2026-04
      // revision moved from event.dataset to data_stream.dataset), so either reads either
      if (field === "event.dataset") return [{ path: field }, { path: "data_stream.dataset" }];
      if (field === "data_stream.dataset") return [{ path: field }, { path: "event.dataset" }];
      return [{ path: field }];
    },
  },
  {
    name: "k8s-audit-event",
    guard: {
      all: [
        { eq: "kind", values: ["Event"] },
        { prefix: "apiVersion", values: ["audit.k8s.io/"] },
      ],
    },
    aliases(field) {
      if (field === "event.dataset" || field === "data_stream.dataset") return [{ constant: "kubernetes.audit_logs" }];
      if (field === "event.kind") return [{ constant: "event" }];
      if (field === "event.outcome") return [];
      if (field === "related.user") return [{ path: "user.uid" }, { path: "user.username" }];
      // the request's own time: more precise than an agent's read time
      if (field === "@timestamp") return [{ path: "requestReceivedTimestamp" }, { path: "stageTimestamp" }];
      if (field in AUDIT_ECS) return [{ path: AUDIT_ECS[field] }];
      if (field.startsWith(AUDIT)) {
        const own = field.slice(AUDIT.length);
        if (own.startsWith(ANNOTATIONS)) return [{ path: own, underscoreFrom: ANNOTATIONS.length }];
        return [{ path: own }];
      }
      return [{ path: field }];
    },
    derived(field) {
      // the pipeline sets the outcome from the authorizer's decision, and lists the user's id and name
      if (field === "event.outcome") {
        return [
          { when: { eq: DECISION, values: ["allow"] }, value: "success" },
          { when: { eq: DECISION, values: ["forbid"] }, value: "failure" },
        ];
      }
      if (field === "related.user") return [{ from: "user.id" }, { from: "user.name" }];
      return undefined;
    },
  },
  // Tetragon, Falco and Tracee exec events, read as ECS process events
  ...SENSOR_SHAPES,
];

/** Records inside a log line: the fields that may carry one, the shape it must have, and a marker its text holds. */
export const EMBEDDED = { carriers: ["log", "message"], shape: "k8s-audit-event", marker: "audit.k8s.io/" };

// A logical field that is present (as a constant) in exactly one shape: guards a derivation to its shape.
const SHAPE_MARK = "\u0000shape:";

/**
 * The aliases of a logical field in a shape (including the compiler's own shape markers). Fields podprobe itself
 * defines (a name starting with NUL: the interactive source, a sensor shape's helpers) are never read from a
 * record under their own name: a shape that does not define one reads it as absent; `raw(path)` is that path in
 * every shape.
 */
export function aliasesOf(shape: Shape, field: string): Alias[] {
  if (field.startsWith(SHAPE_MARK)) return field === SHAPE_MARK + shape.name ? [{ constant: "1" }] : [];
  if (field.startsWith(raw(""))) return [{ path: field.slice(raw("").length) }];
  const aliases = shape.aliases(field);
  if (field.startsWith("\u0000") && aliases.every((a) => "path" in a && a.path === field)) return [];
  return aliases;
}

/** The field a predicate leaf reads: its operator's own key holds it (`{ eq: field, values }`, `{ cmp: field, … }`). */
function leafField(e: Expr): string | undefined {
  if ("fieldFn" in e) return undefined; // a function of two fields: left as it is
  const first = Object.keys(e)[0];
  const v = (e as Record<string, unknown>)[first];
  return typeof v === "string" ? v : undefined;
}

function withField(e: Expr, field: string): Expr {
  const first = Object.keys(e)[0];
  return { ...e, [first]: field } as Expr;
}

/** ASCII case folding, as EQL's `~` operators do. */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function wildcard(v: string, p: string, ci: boolean): boolean {
  const re = new RegExp("^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]") + "$", ci ? "i" : "");
  return re.test(v);
}

/** The leaf's answer when its field holds the string v (a derived constant). */
function holdsFor(e: Expr, v: string): boolean {
  const ci = (x: string) => ("insensitive" in e && e.insensitive ? fold(x) : x);
  if ("eq" in e) return e.values.includes(v);
  if ("prefix" in e) return e.values.some((p) => ci(v).startsWith(ci(p)));
  if ("suffix" in e) return e.values.some((p) => ci(v).endsWith(ci(p)));
  if ("contains" in e) return e.values.some((p) => ci(v).includes(ci(p)));
  if ("isFalse" in e) return v === "false" || v === "";
  if ("substring" in e) return e.values.includes(v.slice(e.start, e.end));
  if ("exists" in e) return true;
  if ("isTrue" in e) return v === "true";
  if ("eqCi" in e) return e.values.some((x) => fold(x) === fold(v));
  if ("like" in e) return e.patterns.some((p) => wildcard(v, p, e.insensitive === true));
  if ("length" in e) {
    const c = v.length - e.value;
    return { "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0, "==": c === 0, "!=": c !== 0 }[e.rel];
  }
  if ("cmp" in e) {
    if (typeof e.value === "bigint") return false;
    const c = typeof e.value === "number" ? (v.trim() === "" ? NaN : Number(v)) - e.value : v < e.value ? -1 : v > e.value ? 1 : 0;
    if (Number.isNaN(c)) return false;
    return { "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0, "==": c === 0, "!=": c !== 0 }[e.rel];
  }
  return false; // regex, cidrmatch, functions of two fields: the derived field reads as absent there
}

const TRUE: Expr = { all: [] };
const FALSE: Expr = { any: [] };

/**
 * Rewrites a predicate for the shapes' derived fields: a leaf on such a field also holds when, in a shape that
 * derives it, one of the derivations does (a union member's leaf, or the condition with the constant's answer).
 */
export function expandDerived(e: Expr, shapes: Shape[] = SHAPES): Expr {
  if ("all" in e) return { all: e.all.map((x) => expandDerived(x, shapes)) };
  if ("any" in e) return { any: e.any.map((x) => expandDerived(x, shapes)) };
  if ("not" in e) return { not: expandDerived(e.not, shapes) };
  const field = leafField(e);
  if (field === undefined) return e;
  const alts: Expr[] = [];
  for (const s of shapes) {
    const ds = s.derived?.(field);
    if (!ds) continue;
    for (const d of ds) {
      const then = "from" in d ? withField(e, d.from) : { all: [d.when, holdsFor(e, d.value) ? TRUE : FALSE] };
      alts.push({ all: [{ exists: SHAPE_MARK + s.name }, then] });
    }
  }
  return alts.length ? { any: [e, ...alts] } : e;
}

// ── derived values, and the sensor shapes (sensor-shapes.ts) ─────────────────────────────────────────────

/** A value a shape computes from other fields of the record (read in the same shape). */
export type Derived =
  /** the part of a path after its last `/` (absent when empty) */
  | { derive: "basename"; of: string }
  /** the part after the first `separator` (the whole value without one; absent when empty) */
  | { derive: "after"; of: string; separator: string }
  /**
   * an argument list: `head` (when given it must be present), then the string `of` split at spaces — `plain`: at
   * every space (Falco's join); `tetragon`: an argument holding a space is wrapped in quotes (Tetragon's join)
   */
  | { derive: "split"; of: string; head?: string; quoting: "plain" | "tetragon" }
  /** `head`, then `items[0 … count-1]`: present only when the record holds every one of them */
  | { derive: "list"; head?: string; count: string; items: string[] }
  /** the member at path `member` (member names joined by dots) of the object `of` */
  | { derive: "member"; of: string; member: string }
  /** in the array `of`, the first object whose member `key` is the string `equals`: its member at path `member` */
  | { derive: "select"; of: string; key: string; equals: string; member: string }
  /** the value of `of` when the predicate holds */
  | { derive: "when"; of: string; holds: Expr }
  /** true or false as the predicate `holds`; absent when `present` does not hold */
  | { derive: "bool"; present?: Expr; holds: Expr }
  /** an integer of epoch nanoseconds (an event time) */
  | { derive: "epochNs"; of: string };

/** The predicate that tells a shape's records whose arguments the sensor marked as truncated, if it marks them. */
export function argsTruncated(shape: Shape): Expr | undefined {
  return (shape as { argsTruncated?: Expr }).argsTruncated;
}

/**
 * How the values a field is compared with can appear in a record, over every shape: "token" — as the record's own
 * JSON value (a path, or an element or member of one); "substring" — inside one of the record's strings (a
 * basename, a split argument, the part after a separator); "none" — not at all (a constant, or a boolean the
 * shape computes). A literal prefilter may require a value as a quoted token only for "token" fields, as a
 * substring for "substring" fields, and nothing for "none".
 */
export function spelling(field: string, shapes: Shape[] = SHAPES): "token" | "substring" | "none" {
  let worst: "token" | "substring" | "none" = "token";
  const rank = { token: 0, substring: 1, none: 2 } as const;
  const note = (s: "token" | "substring" | "none") => {
    if (rank[s] > rank[worst]) worst = s;
  };
  const visit = (shape: Shape, f: string, depth: number) => {
    for (const a of aliasesOf(shape, f)) {
      if ("path" in a) continue;
      if ("constant" in a) note("none");
      else if (a.derive === "when" || a.derive === "select" || a.derive === "member") depth < 8 ? visit(shape, a.of, depth + 1) : note("none");
      else if (a.derive === "list") {
        for (const x of [a.head, ...a.items]) if (x !== undefined) visit(shape, x, depth + 1);
      } else if (a.derive === "epochNs" || a.derive === "bool") note("none");
      else note("substring");
    }
  };
  for (const s of shapes) visit(s, field, 0);
  return worst;
}
