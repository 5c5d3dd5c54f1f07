// Elastic detection-rule files (TOML with an EQL query) compiled onto podprobe's rule model, so that users can
// run Elastic's packs, their own tuned copies, new revisions and sibling rules. Every file ends up loaded,
// skipped (another rule type or language, deprecated, or — with skipUnsupported — EQL podprobe cannot run yet)
// or refused; each refusal has a kind (RuleFileError.kind) that decides what --skip-unsupported may skip.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { parseEql, EqlError, positions, type Cond, type EventQuery, type Literal, type Call, type Term } from "./eql.js";
import type { Expr, SequenceRule, Stage } from "./model.js";
import { PROFILES, profileFor, sequenceMessage, eventMessage, type ProfileName } from "./profiles.js";
import { compileRegex, RegexError } from "./regex.js";
import { parseCidr } from "./cidr.js";
import { compileRules, NotYetSupported } from "./compile.js";

/**
 * Why a file did not load:
 * - `toml`: not a TOML document (file, line, column); `invalid`: not a detection rule (no [rule], no query, …)
 * - `syntax`: the query is not valid EQL (Elasticsearch refuses it too)
 * - `unsupported`: valid EQL that podprobe's front end cannot express yet (until, join, pipes, …)
 * - `engine`: the rule compiles but the engine cannot run its shape yet (e.g. more stages or keys than it runs)
 * - `not-yet`: EQL the front end parses but no engine part runs yet (`sample by`)
 * - `type`: another rule type or query language (kuery, esql, threshold, machine_learning, new_terms, …)
 * - `deprecated`: `maturity = "deprecated"` (loaded only on request)
 */
export type RuleFileErrorKind = "toml" | "invalid" | "syntax" | "unsupported" | "engine" | "not-yet" | "type" | "deprecated";

/** Kinds that --skip-unsupported skips: valid rules podprobe cannot run yet. */
export const SKIPPABLE: ReadonlySet<RuleFileErrorKind> = new Set(["unsupported", "engine", "not-yet"]);
/** Kinds that are always skipped (reported, never an error): not EQL rules for podprobe to run. */
export const NOT_FOR_PODPROBE: ReadonlySet<RuleFileErrorKind> = new Set(["type", "deprecated"]);

export class RuleFileError extends Error {
  constructor(readonly file: string, readonly detail: string, readonly kind: RuleFileErrorKind = "invalid", readonly ruleId?: string, readonly ruleName?: string) {
    super(`${file}: ${detail}`);
    this.name = "RuleFileError";
  }
}

const SEVERITY: Record<string, number> = { low: 21, medium: 47, high: 73, critical: 99 };

/** A rule's threat entries in ECS order (framework, tactic, technique[id, name, reference, subtechnique]). */
function threatOf(raw: unknown): unknown[] {
  if (!Array.isArray(raw)) return [];
  const pick = (o: Record<string, unknown> | undefined) => (o ? { id: o.id, name: o.name, reference: o.reference } : undefined);
  return raw.map((t: Record<string, any>) => ({
    framework: t.framework,
    tactic: pick(t.tactic),
    technique: (t.technique ?? []).map((x: Record<string, any>) => ({
      ...pick(x),
      ...(x.subtechnique ? { subtechnique: x.subtechnique.map((y: Record<string, unknown>) => pick(y)) } : {}),
    })),
  }));
}

/** A refusal while mapping the query onto the model, at the node's place in rule.query. */
class Refusal extends Error {
  constructor(detail: string, node: object | undefined, readonly kind: "syntax" | "unsupported") {
    const at = node ? positions.get(node) : undefined;
    super(at ? `${detail} at line ${at.line}, column ${at.column}` : detail);
  }
}

const one = (xs: Expr[]): Expr => (xs.length === 1 ? xs[0] : { all: xs });
const anyOf = (xs: Expr[]): Expr => (xs.length === 1 ? xs[0] : { any: xs });
const isNum = (v: Literal): v is number | bigint => typeof v === "number" || typeof v === "bigint";

/** Functions Elasticsearch evaluates with a script: a negation of one is false when an argument is absent. */
function scripted(c: Cond): string[] | undefined {
  if (c.k === "callcmp") return c.call.args.filter((a) => a.k === "field").map((a) => (a as { name: string }).name);
  if (c.k === "call" && c.call.args.filter((a) => a.k === "field").length > 1) return c.call.args.map((a) => (a as { name: string }).name);
  return undefined;
}

function regexExpr(field: string, patterns: string[], insensitive: boolean, node: object): Expr {
  try {
    compileRegex(patterns, insensitive);
  } catch (e) {
    if (e instanceof RegexError) throw new Refusal(`regex${insensitive ? "~" : ""} ${JSON.stringify(patterns.length === 1 ? patterns[0] : patterns)}: ${e.message}`, node, e.kind === "syntax" ? "syntax" : "unsupported");
    throw e;
  }
  return { regex: field, patterns, insensitive };
}

function callExpr(c: Call, node: object): Expr {
  const [first, ...rest] = c.args;
  const fn = `${c.name}${c.insensitive ? "~" : ""}()`;
  const strings = (args: typeof rest, what: string): string[] =>
    args.map((a) => {
      if (a.k !== "lit" || typeof a.value !== "string") throw new Refusal(`${fn}: ${what} must be string constants`, node, a.k === "field" ? "unsupported" : "syntax");
      return a.value;
    });
  if (first.k !== "field") throw new Refusal(`${fn} on a constant (its first argument must be a field)`, node, "unsupported");
  switch (c.name) {
    case "cidrmatch": {
      const blocks = strings(rest, "the addresses and CIDR blocks");
      for (const b of blocks) if (!parseCidr(b)) throw new Refusal(`cidrmatch(): ${JSON.stringify(b)} is not an IPv4/IPv6 address or CIDR block`, node, "syntax");
      return { cidr: first.name, blocks };
    }
    case "startswith":
    case "endswith":
    case "stringcontains": {
      const kind = ({ startswith: "prefix", endswith: "suffix", stringcontains: "contains" } as const)[c.name];
      const second = rest[0];
      if (second.k === "field") return { fieldFn: ({ prefix: "startsWith", suffix: "endsWith", contains: "contains" } as const)[kind], field: first.name, other: second.name, insensitive: c.insensitive };
      const values = strings(rest, "its second argument");
      return { [kind]: first.name, values, insensitive: c.insensitive } as Expr;
    }
    case "wildcard":
      return { like: first.name, patterns: strings(rest, "its patterns"), insensitive: false };
    default:
      throw new Refusal(`${fn} is not a condition (compare its result)`, node, "syntax");
  }
}

function callCmpExpr(c: Cond & { k: "callcmp" }): Expr {
  const { call, op, value } = c;
  const first = call.args[0];
  if (first.k !== "field") throw new Refusal(`${call.name}() on a constant (its first argument must be a field)`, c, "unsupported");
  if (call.name === "length") {
    if (typeof value !== "number") throw new Refusal(`length() compared with ${JSON.stringify(String(value))} (a number is expected)`, c, "syntax");
    return { length: first.name, rel: op, value };
  }
  if (call.name === "substring") {
    const ints = call.args.slice(1).map((a) => (a.k === "lit" && typeof a.value === "number" && Number.isInteger(a.value) ? a.value : undefined));
    if (ints.some((x) => x === undefined)) throw new Refusal("substring(): start and end must be whole-number constants", c, "syntax");
    if (typeof value !== "string") throw new Refusal("substring() compared with a non-string", c, "syntax");
    if (op !== "==" && op !== "!=") throw new Refusal(`substring() ${op} "…" (only == and != are supported)`, c, "unsupported");
    const e: Expr = { substring: first.name, start: ints[0]!, ...(ints.length > 1 ? { end: ints[1]! } : {}), values: [value] };
    return op === "==" ? e : { all: [{ exists: first.name }, { not: e }] };
  }
  throw new Refusal(`${call.name}() ${op} … (this function is a condition: use it alone, or compare it with true or false)`, c, "syntax");
}

/** EQL condition → rule predicate, with Elasticsearch EQL's semantics. */
function toExpr(c: Cond): Expr[] {
  switch (c.k) {
    case "bool":
      return [c.value ? { all: [] } : { any: [] }];
    case "and":
      return c.items.flatMap(toExpr);
    case "or":
      return [{ any: c.items.map((x) => one(toExpr(x))) }];
    case "not": {
      // a scripted function of an absent field is null, and so is its negation (no match)
      const fields = scripted(c.item);
      const inner = one(toExpr(c.item));
      return fields ? [{ all: [...fields.map((f) => ({ exists: f })), { not: inner }] }] : [{ not: inner }];
    }
    case "truthy":
      return [{ isTrue: c.field }];
    case "in": {
      if (c.insensitive) return [{ eqCi: c.field, values: c.values as string[] }];
      const strs = c.values.filter((v): v is string => typeof v === "string");
      const parts: Expr[] = [];
      if (strs.length) parts.push({ eq: c.field, values: strs });
      for (const v of c.values) {
        if (isNum(v)) parts.push({ cmp: c.field, rel: "==", value: v });
        else if (v === true) parts.push({ isTrue: c.field });
        else if (v === false) parts.push({ isFalse: c.field });
        else if (v === null) parts.push({ not: { exists: c.field } });
      }
      return [anyOf(parts)];
    }
    case "like":
      if (c.patterns.length === 1 && c.patterns[0] === "*") return [{ exists: c.field }];
      return [{ like: c.field, patterns: c.patterns, insensitive: c.insensitive }];
    case "regex":
      return [regexExpr(c.field, c.patterns, c.insensitive, c)];
    case "call":
      return [callExpr(c.call, c)];
    case "callcmp":
      return [callCmpExpr(c)];
    case "cmp": {
      const { field, op, value: v } = c;
      // f != v is not (f == v): also true when f is absent, null or [] (a must_not term query)
      const negate = (e: Expr): Expr[] => (op === "!=" ? [{ not: e }] : [e]);
      if (op === "==" || op === "!=") {
        if (v === null) return op === "==" ? [{ not: { exists: field } }] : [{ exists: field }];
        if (v === true) return negate({ isTrue: field });
        if (v === false) return negate({ isFalse: field });
        if (typeof v === "string") return negate({ eq: field, values: [v] });
        return negate({ cmp: field, rel: "==", value: v });
      }
      if (v === null || typeof v === "boolean") throw new Refusal(`"${field} ${op} ${v}" (an ordering needs a number or a string)`, c, "syntax");
      return [{ cmp: field, rel: op, value: v }];
    }
  }
}

function fieldsOf(c: Cond): string[] {
  switch (c.k) {
    case "bool":
      return [];
    case "and":
    case "or":
      return c.items.flatMap(fieldsOf);
    case "not":
      return fieldsOf(c.item);
    case "call":
    case "callcmp":
      return c.call.args.flatMap((a) => (a.k === "field" ? [a.name] : []));
    default:
      return [c.field];
  }
}

function stageOf(q: EventQuery, keys: string[]): { stage: Stage; profile: ProfileName } {
  const category: Expr[] = q.category === "any" ? [] : [{ eq: "event.category", values: [q.category] }];
  const profile = profileFor(q.category, [...fieldsOf(q.where), ...keys]);
  const p = PROFILES[profile];
  return { stage: { when: one([...category, ...toExpr(q.where)]), keys, namespace: p.namespace, time: "@timestamp", summary: p.summary }, profile };
}

/** A sequence or sample's terms as stages: `[…] with runs=N` is one stage standing for N consecutive positions. */
function stagesOf(by: string[], terms: Term[]) {
  return terms.map((t) => {
    const s = stageOf(t.query, [...by, ...t.by]);
    return t.runs > 1 ? { ...s, stage: { ...s.stage, runs: t.runs } } : s;
  });
}

/** One rule file's contents (parsed TOML) → the rule the engine runs. Throws RuleFileError. */
export function ruleFromToml(doc: Record<string, any>, file: string): SequenceRule {
  const r = doc.rule;
  if (!r || typeof r !== "object") throw new RuleFileError(file, "no [rule] table", "invalid");
  const id = typeof r.rule_id === "string" ? r.rule_id : undefined;
  const name = typeof r.name === "string" ? r.name : undefined;
  const refuse = (detail: string, kind: RuleFileErrorKind): never => {
    throw new RuleFileError(file, detail, kind, id, name);
  };
  if (r.type !== undefined && r.type !== "eql") refuse(`a ${r.type} rule${r.language ? ` (language ${r.language})` : ""}; podprobe runs EQL rules`, "type");
  if (r.language !== undefined && r.language !== "eql") refuse(`language ${r.language}; podprobe runs EQL rules`, "type");
  for (const k of ["rule_id", "name", "query"]) if (typeof r[k] !== "string") refuse(`rule.${k} is missing`, "invalid");
  let q;
  try {
    q = parseEql(r.query);
  } catch (e) {
    if (e instanceof EqlError) refuse(`rule.query: ${e.kind === "unsupported" ? "unsupported: " : ""}${e.message}`, e.kind);
    throw e;
  }
  const severity = typeof r.severity === "string" ? SEVERITY[r.severity] : undefined;
  const risk = typeof r.risk_score === "number" ? r.risk_score : severity ?? 47;
  const meta = { id: r.rule_id as string, name: r.name as string, severity: severity ?? risk, riskScore: risk, threat: threatOf(r.threat) };
  try {
    if (q.kind === "event") {
      // the pod names the match in alerts and routing when the record has one
      const a = stageOf(q.query, ["orchestrator.resource.name"]);
      return { ...meta, maxspanMs: 1, stages: [a.stage], message: eventMessage(meta.name, a.profile) };
    }
    const stages = stagesOf(q.by, q.stages);
    return {
      ...meta,
      maxspanMs: q.kind === "sequence" ? q.maxspanMs : undefined,
      stages: stages.map((s) => s.stage),
      message: sequenceMessage(r.name, stages.map((s) => s.profile)),
      ...(q.kind === "sample" ? { sample: true } : {}),
    };
  } catch (e) {
    if (e instanceof Refusal) refuse(`rule.query: ${e.kind === "unsupported" ? "unsupported: " : ""}${e.message}`, e.kind);
    throw e;
  }
}

function tomlFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => (n.endsWith(".toml") || statSync(join(path, n)).isDirectory() ? tomlFiles(join(path, n)) : []));
}

/** What happened to one file. */
export interface FileResult {
  file: string;
  id?: string;
  name?: string;
  /** loaded; skipped (reported, not an error); refused (an error unless skipped); replaced (a duplicate rule_id lost). */
  status: "loaded" | "skipped" | "refused" | "replaced";
  error?: RuleFileError;
  /** For a replaced file: the file whose rule won. */
  by?: string;
}

export interface LoadedRules {
  rules: SequenceRule[];
  /** Files not loaded and not errors: other rule types, deprecated rules, and (skipUnsupported) what podprobe cannot run yet. */
  skipped: RuleFileError[];
  /** Duplicate rule_id: which file won and which lost. */
  warnings: string[];
  /** Every file, in load order. */
  results: FileResult[];
}

export interface LoadOptions {
  /** Skip (and report) rules podprobe cannot run yet instead of refusing to start. */
  skipUnsupported?: boolean;
  /** Load `maturity = "deprecated"` rules too. */
  includeDeprecated?: boolean;
  /** Do not throw: report every refusal in results (podprobe rules check). */
  collect?: boolean;
}

interface Candidate {
  rule: SequenceRule;
  file: string;
  version?: number;
  updated?: string;
  result: FileResult;
}

/** The rule the engine runs, or the refusal: a file's text → rule, trial-compiled on its own. */
function loadFile(file: string, opts: LoadOptions): { candidate?: Omit<Candidate, "result">; error?: RuleFileError } {
  let doc: Record<string, any>;
  try {
    doc = parseToml(readFileSync(file, "utf8"));
  } catch (e) {
    if (e instanceof TomlError) return { error: new RuleFileError(file, `TOML syntax error at line ${e.line}, column ${e.column}: ${e.message.split("\n")[0].replace(/^Invalid TOML document: /, "")}`, "toml") };
    return { error: new RuleFileError(file, (e as Error).message.split("\n")[0], "toml") };
  }
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const r = (doc.rule ?? {}) as Record<string, unknown>;
  const named = { id: typeof r.rule_id === "string" ? r.rule_id : undefined, name: typeof r.name === "string" ? r.name : undefined };
  if (meta.maturity === "deprecated" && !opts.includeDeprecated) return { error: new RuleFileError(file, 'maturity "deprecated" (load deprecated rules on request)', "deprecated", named.id, named.name) };
  let rule: SequenceRule;
  try {
    rule = ruleFromToml(doc, file);
  } catch (e) {
    if (e instanceof RuleFileError) return { error: e };
    throw e;
  }
  try {
    compileRules([rule]);
  } catch (e) {
    const kind = e instanceof NotYetSupported ? "not-yet" : "engine";
    return { error: new RuleFileError(file, `${kind === "not-yet" ? "" : "the engine cannot run it yet: "}${(e as Error).message}`, kind, rule.id, rule.name) };
  }
  return { candidate: { rule, file, version: typeof r.version === "number" ? r.version : undefined, updated: typeof meta.updated_date === "string" ? meta.updated_date : undefined } };
}

/** Of two files with the same rule_id, the one to keep: higher version, else later updated_date, else the later file. */
function newer(a: Candidate, b: Candidate): Candidate {
  if (a.version !== undefined && b.version !== undefined && a.version !== b.version) return a.version > b.version ? a : b;
  if (a.updated !== undefined && b.updated !== undefined && a.updated !== b.updated) return a.updated > b.updated ? a : b;
  return b;
}

/**
 * Loads rule files and folders (*.toml, recursively). Rules of another type or language and deprecated rules are
 * skipped; a refusal throws (the first, in file order) unless skipUnsupported and its kind is skippable, or collect.
 * Two files with one rule_id load once (see `newer`), with a warning naming both.
 */
export function loadRuleFiles(paths: string[], opts: LoadOptions = {}): LoadedRules {
  const out: LoadedRules = { rules: [], skipped: [], warnings: [], results: [] };
  const byId = new Map<string, Candidate>();
  let firstError: RuleFileError | undefined;
  for (const file of paths.flatMap(tomlFiles)) {
    const { candidate, error } = loadFile(file, opts);
    if (error) {
      const skip = NOT_FOR_PODPROBE.has(error.kind) || (opts.skipUnsupported === true && SKIPPABLE.has(error.kind));
      out.results.push({ file, id: error.ruleId, name: error.ruleName, status: skip ? "skipped" : "refused", error });
      if (skip) out.skipped.push(error);
      else firstError ??= error;
      continue;
    }
    const c: Candidate = { ...candidate!, result: { file, id: candidate!.rule.id, name: candidate!.rule.name, status: "loaded" } };
    out.results.push(c.result);
    const seen = byId.get(c.rule.id);
    if (!seen) {
      byId.set(c.rule.id, c);
      continue;
    }
    const win = newer(seen, c);
    const lose = win === c ? seen : c;
    lose.result.status = "replaced";
    lose.result.by = win.file;
    byId.set(c.rule.id, win);
    out.warnings.push(`rule ${c.rule.id} is in ${seen.file} and ${c.file}: loading ${win.file}${win.version !== undefined && win.version !== lose.version ? ` (version ${win.version})` : win.updated && win.updated !== lose.updated ? ` (updated ${win.updated})` : " (the later file)"}`);
  }
  if (firstError && !opts.collect) throw firstError;
  out.rules = [...byId.values()].map((c) => c.rule);
  if (out.rules.length === 0 && !opts.collect) throw new RuleFileError(paths.join(", "), "no rule could be loaded", "invalid");
  return out;
}
