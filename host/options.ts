// Options: one table is the documentation (name, unit in the name, default, bounds). Library callers use
// camelCase, config files snake_case, the CLI --kebab-case. Everything is validated before the first record;
// an error names the option and the value.

export type KeyMode = "pod" | "namespace-pod";

export interface CorrelatorOptions {
  /** Join on the pod name alone (the rule's own) or on namespace and pod. */
  keyMode?: KeyMode;
  /** Candidates further than this behind the newest event time are `late` and pass untagged. */
  latenessMs?: number;
  /** Event times further than this ahead of the host clock never move the watermark. */
  maxFutureMs?: number;
  /** Stage 2 may precede stage 1 by this much (clock disagreement between node and API server). */
  skewMs?: number;
  /** Hold stage-1 candidates up to this long so both records of a sequence leave tagged (0: off). */
  holdMs?: number;
  /** Write an alert record after each completing record. */
  alerts?: boolean;
  /** Override the rule's maxspan. */
  maxspanMs?: number;
  /** Every byte of correlation state counts against this cap. */
  maxStateBytes?: number;
  /** Keys tracked at once; the least recently used is evicted beyond it. */
  maxKeys?: number;
  /** Candidates kept per stage per key; the oldest is overwritten beyond it. */
  ringCapacity?: number;
  /** Larger records pass through untouched (`oversize`). */
  maxRecordBytes?: number;
  /** Cap on one candidate's summary (peer / alert events); fields that do not fit are left out. */
  maxSummaryBytes?: number;
  /** Bytes handed to the engine per call. */
  batchBytes?: number;
  /** Mask bearer tokens, JWTs and --token values in every value podprobe copies into a tag or an alert. */
  redact?: boolean;
  /** A source that sent no candidate for this long (host clock) stops holding the watermark back. */
  sourceIdleMs?: number;
  /** Sources tracked at once (per-source watermarks); beyond it the oldest idle one is dropped. */
  maxSources?: number;
  /** A record field naming the record's source (e.g. Vector's `source_type` or `file`); unset: none. */
  sourceField?: string;
  /** Key combinations one record is a candidate under (array keys); the rest are counted. */
  maxKeysPerRecord?: number;
  /**
   * `candidates`: a record that a literal prefilter proves cannot be a candidate passes without being validated
   * (`invalid` counts invalid records among those inspected); `all`: every record is validated and counted.
   */
  validate?: "candidates" | "all";
}

export type ResolvedOptions = Required<Omit<CorrelatorOptions, "maxspanMs">> & { maxspanMs: number | undefined };

type Spec =
  | { kind: "int"; def: number; min: number; max: number; why: string }
  | { kind: "bool"; def: boolean }
  | { kind: "enum"; def: string; values: string[] }
  | { kind: "string"; def: string; what: string };

const MiB = 1024 * 1024;

export const OPTION_SPECS: Record<keyof CorrelatorOptions, Spec> = {
  keyMode: { kind: "enum", def: "pod", values: ["pod", "namespace-pod"] },
  latenessMs: { kind: "int", def: 5000, min: 0, max: 86_400_000, why: "0 to 86400000 (one day)" },
  maxFutureMs: { kind: "int", def: 60_000, min: 0, max: 86_400_000, why: "0 to 86400000 (one day)" },
  skewMs: { kind: "int", def: 0, min: 0, max: 3_600_000, why: "0 to 3600000 (one hour)" },
  holdMs: { kind: "int", def: 0, min: 0, max: 600_000, why: "0 to 600000 (ten minutes)" },
  alerts: { kind: "bool", def: true },
  maxspanMs: { kind: "int", def: 0, min: 1, max: 86_400_000, why: "1 to 86400000: a sequence needs a span > 0" },
  maxStateBytes: { kind: "int", def: 64 * MiB, min: 1, max: 3 * 1024 * MiB, why: "at most 3 GiB (WASM memory is 4 GiB)" },
  maxKeys: { kind: "int", def: 65_536, min: 1, max: 16_777_216, why: "1 to 16777216" },
  ringCapacity: { kind: "int", def: 8, min: 1, max: 255, why: "1 to 255" },
  maxRecordBytes: { kind: "int", def: MiB, min: 64, max: 256 * MiB, why: "64 to 268435456" },
  maxSummaryBytes: { kind: "int", def: 2048, min: 256, max: 65_000, why: "256 to 65000" },
  batchBytes: { kind: "int", def: MiB, min: 4096, max: 256 * MiB, why: "4096 to 268435456" },
  redact: { kind: "bool", def: true },
  sourceIdleMs: { kind: "int", def: 30_000, min: 1, max: 86_400_000, why: "1 to 86400000 (one day)" },
  maxSources: { kind: "int", def: 64, min: 1, max: 65_536, why: "1 to 65536" },
  sourceField: { kind: "string", def: "", what: "a record field name" },
  maxKeysPerRecord: { kind: "int", def: 16, min: 1, max: 256, why: "1 to 256" },
  validate: { kind: "enum", def: "candidates", values: ["candidates", "all"] },
};

export class OptionError extends Error {
  constructor(readonly option: string, readonly value: unknown, detail: string) {
    super(`option ${option}: ${detail} (got ${JSON.stringify(value)})`);
    this.name = "OptionError";
  }
}

export const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
export const camel = (snakeName: string) => snakeName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** What a value is, in words, for messages. */
const what = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v);

/**
 * Validates options (camelCase keys). `spelling` turns a key into the name the user wrote, for messages.
 */
export function resolveOptions(input: Record<string, unknown>, spelling: (k: string) => string = (k) => k): ResolvedOptions {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new OptionError("options", input, `expected an object of options, not ${what(input)}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(key in OPTION_SPECS)) throw new OptionError(spelling(key), input[key], `unknown option; known: ${Object.keys(OPTION_SPECS).map(spelling).join(", ")}`);
  }
  for (const [key, spec] of Object.entries(OPTION_SPECS) as [keyof CorrelatorOptions, Spec][]) {
    const v = input[key];
    if (v === undefined) {
      out[key] = key === "maxspanMs" ? undefined : spec.def;
      continue;
    }
    checkValue(spelling(key), spec, v);
    out[key] = v;
  }
  return out as ResolvedOptions;
}

function checkValue(name: string, spec: Spec | HostSpec, v: unknown): void {
  if (spec.kind === "int") {
    if (typeof v !== "number" || !Number.isInteger(v)) throw new OptionError(name, v, "expected an integer");
    if (v < spec.min || v > spec.max) throw new OptionError(name, v, `must be ${spec.why}${v < 0 && spec.min >= 0 ? "; negative values are not allowed" : ""}`);
  } else if (spec.kind === "bool") {
    if (typeof v !== "boolean") throw new OptionError(name, v, "expected true or false");
  } else if (spec.kind === "enum") {
    if (typeof v !== "string" || !spec.values.includes(v)) throw new OptionError(name, v, `expected one of ${spec.values.join(", ")}`);
  } else if (spec.kind === "string") {
    if (typeof v !== "string" || v === "") throw new OptionError(name, v, `expected ${spec.what}`);
  } else if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string" && x !== "")) {
    throw new OptionError(name, v, `expected ${spec.what}`);
  }
}

// ── options of the command line and the sidecar ───────────────────────────────────────────────────────
// Settable as flags (--kebab-case) and in a --config file (snake_case), like the engine's options above.

type HostSpec =
  | { kind: "int"; def: number; min: number; max: number; why: string }
  | { kind: "bool"; def: boolean }
  | { kind: "string"; what: string }
  | { kind: "list"; what: string };

export interface HostOptions {
  /** Elastic detection-rule TOML files or folders (a config file's paths are relative to the file). */
  rules?: string[];
  /** Load the other rules when one uses EQL podprobe cannot run yet. */
  skipUnsupported?: boolean;
  /** Also load rules whose maturity is "deprecated". */
  includeDeprecated?: boolean;
  /** One JSON line of counters on stderr at exit. */
  stats?: boolean;
  /** serve: where Vector's sink connects (tcp://, unix://, http://). */
  listen?: string;
  /** serve: Vector's source (tcp://, unix://, http://). */
  forward?: string;
  /** serve: HOST:PORT of the Prometheus endpoint. */
  metrics?: string;
  /** serve: bytes queued toward downstream (socket mode) or in flight (HTTP mode) before inputs wait. */
  maxInflightBytes?: number;
  /** serve, HTTP mode: how long a batch is retried downstream before the upstream gets 503. */
  retryTimeoutMs?: number;
  /** build-fluent-bit: where to write the module. */
  out?: string;
}

export const HOST_OPTION_SPECS: Record<keyof HostOptions, HostSpec> = {
  rules: { kind: "list", what: "a list of rule file or folder paths" },
  skipUnsupported: { kind: "bool", def: false },
  includeDeprecated: { kind: "bool", def: false },
  stats: { kind: "bool", def: false },
  listen: { kind: "string", what: "an address: tcp://host:port, unix:///path or http://host:port" },
  forward: { kind: "string", what: "an address: tcp://host:port, unix:///path or http://host:port/path" },
  metrics: { kind: "string", what: "HOST:PORT" },
  maxInflightBytes: { kind: "int", def: 64 * MiB, min: 1024, max: 4 * 1024 * MiB, why: "1024 to 4294967296" },
  retryTimeoutMs: { kind: "int", def: 30_000, min: 0, max: 3_600_000, why: "0 to 3600000 (one hour)" },
  out: { kind: "string", what: "a file path" },
};

/** Validates the command line's and the sidecar's own options (camelCase keys; unknown keys are the caller's). */
export function checkHostOptions(input: Record<string, unknown>, spelling: (k: string) => string = (k) => k): HostOptions {
  for (const [key, spec] of Object.entries(HOST_OPTION_SPECS) as [keyof HostOptions, HostSpec][]) {
    if (input[key] !== undefined) checkValue(spelling(key), spec, input[key]);
  }
  return input as HostOptions;
}

/** Reads a JSON config file's object (snake_case keys) into camelCase options. */
export function optionsFromConfig(json: unknown, file: string): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new OptionError("--config", file, "the file must hold one JSON object");
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    if (k !== snake(camel(k))) throw new OptionError(k, v, `unknown option; config files spell options in snake_case (${snake(camel(k.replace(/-/g, "_")))})`);
    out[camel(k)] = v;
  }
  return out;
}
