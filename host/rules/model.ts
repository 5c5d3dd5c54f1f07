// podprobe's rule model: predicates over logical (ECS) fields, stages with their join key, time and summary
// fields, and rules of one to several stages. The seed rule (rule.ts) and rules loaded from EQL (rules-file.ts)
// are values of these types; compile.ts turns them into the engine's program bytes.

/** A predicate over logical (ECS) fields. */
export type Expr =
  | { all: Expr[] }
  | { any: Expr[] }
  | { not: Expr }
  | { eq: string; values: string[] } // case-sensitive; any element of an array field
  | { prefix: string; values: string[] }
  | { exists: string } // EQL `like "*"`: present and not null
  | { isTrue: string } // JSON true, or the string "true"
  | { eqCi: string; values: string[] } // EQL `in~`: ASCII case-insensitive
  | { like: string; patterns: string[]; insensitive?: boolean } // `*` any run, `?` one character
  | { cmp: string; rel: "<" | "<=" | ">" | ">=" | "==" | "!="; value: number | string }; // numbers, or strings bytewise

export interface SummaryField {
  /** Name in `peer` and in the alert's events (flattened, dotted). */
  name: string;
  /** Logical field; defaults to name. */
  field?: string;
  /** Mask bearer tokens, JWTs and --token values in the alert record. */
  redact?: boolean;
}

export interface Stage {
  when: Expr;
  /**
   * Logical fields holding the join key, in order (EQL `by` fields: the sequence's own first, then the stage's);
   * 1 to 8, the same number in every stage of a sequence. An array value makes the record a candidate under each
   * element (several arrays: each combination, up to `max_keys_per_record`).
   */
  keys: string[];
  /** namespace-pod key mode: where the namespace comes from. */
  namespace: { field: string; from: "value" | "serviceaccount" };
  /** Logical field holding the event time (RFC 3339 or epoch ms). */
  time: string;
  summary: SummaryField[];
}

export interface SequenceRule {
  id: string;
  name: string;
  severity: number;
  riskScore: number;
  threat: unknown[];
  /**
   * The sequence's span; undefined: no maxspan (a partial sequence then waits as long as state and lateness keep
   * it). A single-event rule ignores it.
   */
  maxspanMs?: number;
  /**
   * One stage: a single-event rule (each matching record alerts on its own). Two to eight: a sequence — EQL's
   * answer for records in time order, and every key EQL reports when they arrive out of order within lateness.
   */
  stages: Stage[];
  /** Alert message; {key}, {pod}, {span_ms} and {<stage>:<summary name>} are filled in. */
  message: string;
}
