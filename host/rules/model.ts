// podprobe's rule model: predicates over logical (ECS) fields, stages with their join key, time and summary
// fields, and rules of one to several stages. The seed rule (rule.ts) and rules loaded from EQL (rules-file.ts)
// are values of these types; compile.ts turns them into the engine's program bytes.

/**
 * A predicate over logical (ECS) fields, with Elasticsearch EQL's semantics: a condition on a field holds when any
 * element of an array value meets it, and a string constant also matches a JSON number by the number's text (as a
 * `keyword` field indexes it).
 */
export type Expr =
  | { all: Expr[] }
  | { any: Expr[] }
  | { not: Expr }
  | { eq: string; values: string[] } // case-sensitive
  | { prefix: string; values: string[]; insensitive?: boolean } // startsWith(f, "…")
  | { suffix: string; values: string[]; insensitive?: boolean } // endsWith(f, "…")
  | { contains: string; values: string[]; insensitive?: boolean } // stringContains(f, "…")
  | { exists: string } // EQL `like "*"`, `!= null`: present and not null
  | { isTrue: string } // JSON true, or the string "true"
  | { isFalse: string } // JSON false, the string "false", or "" (what a boolean field indexes as false)
  | { eqCi: string; values: string[] } // EQL `in~`: ASCII case-insensitive
  | { like: string; patterns: string[]; insensitive?: boolean } // `*` any run, `?` one character
  | { regex: string; patterns: string[]; insensitive?: boolean } // Lucene regular expressions, whole value
  | { cidr: string; blocks: string[] } // cidrmatch(): IPv4/IPv6 addresses and CIDR blocks
  | { cmp: string; rel: "<" | "<=" | ">" | ">=" | "==" | "!="; value: number | bigint | string } // numbers (exact for integers), or strings bytewise
  /**
   * A function of two fields (EQL evaluates these with a script over each field's first doc value: the smallest
   * element of an array). Absent, null or [] on either side: no match.
   */
  | { fieldFn: "startsWith" | "endsWith" | "contains"; field: string; other: string; insensitive?: boolean }
  | { length: string; rel: "<" | "<=" | ">" | ">=" | "==" | "!="; value: number } // length(f) in UTF-16 units, first doc value
  | { substring: string; start: number; end?: number; values: string[] }; // substring(f, start[, end]) == any value

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
  /**
   * EQL `[…] with runs=N`: the stage stands for N consecutive positions of the sequence (1 when absent). The
   * engine keeps one buffer for them, sized by N, rather than N stages.
   */
  runs?: number;
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
   * answer for records in time order, and every key EQL reports when they arrive out of order within lateness —
   * or a sample.
   */
  stages: Stage[];
  /** Alert message; {key}, {pod}, {span_ms} and {<stage>:<summary name>} are filled in. */
  message: string;
  /**
   * EQL `sample by …`: per key, one event for each stage, distinct, in any order and at any distance in time
   * (maxspan does not apply).
   */
  sample?: boolean;
}
