// Elastic detection-rule files (TOML with an EQL query) compiled onto podprobe's rule model, so that users can
// run their own tuned copies, new revisions and sibling rules. What the engine cannot run yet is refused at load
// with the construct and its place; `skipUnsupported` loads the rest.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parseEql, EqlError, positions, type Cond, type EventQuery } from "./eql.js";
import type { Expr, SequenceRule, Stage } from "./model.js";
import { PROFILES, profileFor, sequenceMessage, eventMessage, type ProfileName } from "./profiles.js";

export class RuleFileError extends Error {
  constructor(readonly file: string, detail: string) {
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

class Unsupported extends Error {
  constructor(detail: string, node?: object) {
    const at = node ? positions.get(node) : undefined;
    super(at ? `${detail} at line ${at.line}, column ${at.column}` : detail);
  }
}

/** EQL condition → rule predicate, with EQL's semantics as the engine implements them. */
function toExpr(c: Cond): Expr[] {
  switch (c.k) {
    case "bool":
      return [c.value ? { all: [] } : { any: [] }];
    case "and":
      return c.items.flatMap(toExpr);
    case "or":
      return [{ any: c.items.map((x) => one(toExpr(x))) }];
    case "not":
      return [{ not: one(toExpr(c.item)) }];
    case "in": {
      const values = c.values.map((v) => str(v, c.field, c));
      return [c.insensitive ? { eqCi: c.field, values } : { eq: c.field, values }];
    }
    case "like":
      if (!c.insensitive && c.patterns.length === 1 && c.patterns[0] === "*") return [{ exists: c.field }];
      return [{ like: c.field, patterns: c.patterns, insensitive: c.insensitive }];
    case "cmp": {
      const v = c.value;
      if (v === null) {
        if (c.op === "==") return [{ not: { exists: c.field } }];
        if (c.op === "!=") return [{ exists: c.field }];
      }
      if (c.op === "==" && v === true) return [{ isTrue: c.field }];
      if (c.op === ":" && typeof v === "string") return [{ like: c.field, patterns: [v], insensitive: true }];
      if (c.op === "==" && typeof v === "string") return [{ eq: c.field, values: [v] }];
      if (c.op === "!=" && typeof v === "string") return [{ all: [{ exists: c.field }, { not: { eq: c.field, values: [v] } }] }];
      if (typeof v === "number" || typeof v === "string") return [{ cmp: c.field, rel: c.op === ":" ? "==" : c.op, value: v }];
      throw new Unsupported(`"${c.field} ${c.op} ${JSON.stringify(v)}" (comparisons with ${v === null ? "null" : typeof v} are not supported)`, c);
    }
  }
}

const one = (xs: Expr[]): Expr => (xs.length === 1 ? xs[0] : { all: xs });
const str = (v: unknown, field: string, node: object): string => {
  if (typeof v !== "string") throw new Unsupported(`a ${typeof v} in the list of ${field} (only strings are supported)`, node);
  return v;
};

function fieldsOf(c: Cond): string[] {
  switch (c.k) {
    case "bool":
      return [];
    case "and":
    case "or":
      return c.items.flatMap(fieldsOf);
    case "not":
      return fieldsOf(c.item);
    default:
      return [c.field];
  }
}

function stageOf(q: EventQuery, key: string): { stage: Stage; profile: ProfileName } {
  const category: Expr[] = q.category === "any" ? [] : [{ eq: "event.category", values: [q.category] }];
  const profile = profileFor(q.category, [...fieldsOf(q.where), key]);
  const p = PROFILES[profile];
  return { stage: { when: one([...category, ...toExpr(q.where)]), keys: [key], namespace: p.namespace, time: "@timestamp", summary: p.summary }, profile };
}

/** One rule file's contents (parsed TOML) → the rule the engine runs. Throws RuleFileError. */
export function ruleFromToml(doc: Record<string, any>, file: string): SequenceRule {
  const r = doc.rule;
  if (!r || typeof r !== "object") throw new RuleFileError(file, "no [rule] table");
  if (r.language !== undefined && r.language !== "eql") throw new RuleFileError(file, `language "${r.language}" (only eql is supported)`);
  for (const k of ["rule_id", "name", "query"]) if (typeof r[k] !== "string") throw new RuleFileError(file, `rule.${k} is missing`);
  let q;
  try {
    q = parseEql(r.query);
  } catch (e) {
    if (e instanceof EqlError) throw new RuleFileError(file, `rule.query: ${e.message}`);
    throw e;
  }
  const severity = typeof r.severity === "string" ? SEVERITY[r.severity] : undefined;
  const risk = typeof r.risk_score === "number" ? r.risk_score : severity ?? 47;
  const meta = { id: r.rule_id as string, name: r.name as string, severity: severity ?? risk, riskScore: risk, threat: threatOf(r.threat) };
  try {
    if (q.kind === "event") {
      // the pod names the match in alerts and routing when the record has one
      const a = stageOf(q.query, "orchestrator.resource.name");
      return { ...meta, maxspanMs: 1, stages: [a.stage], message: eventMessage(meta.name, a.profile) };
    }
    if (q.stages.length > 4) throw new Unsupported(`a sequence of ${q.stages.length} stages (at most 4 are supported)`, q.stages[4]);
    if (q.maxspanMs === undefined) throw new Unsupported("a sequence without maxspan (its state would be unbounded)", q);
    const keys = q.stages.map((s) => [...q.by, ...s.by]);
    const bad = keys.findIndex((k) => k.length !== 1);
    if (bad >= 0) throw new Unsupported(`join keys ${JSON.stringify(keys[bad])} (exactly one "by" field per stage is supported)`, q.stages[bad]);
    const stages = q.stages.map((s, i) => stageOf(s.query, keys[i][0]));
    return {
      ...meta,
      maxspanMs: q.maxspanMs,
      stages: stages.map((s) => s.stage) as SequenceRule["stages"],
      message: sequenceMessage(r.name, stages.map((s) => s.profile)),
    };
  } catch (e) {
    if (e instanceof Unsupported) throw new RuleFileError(file, `rule.query: unsupported: ${e.message}`);
    throw e;
  }
}

function tomlFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => (n.endsWith(".toml") || statSync(join(path, n)).isDirectory() ? tomlFiles(join(path, n)) : []));
}

export interface LoadedRules {
  rules: SequenceRule[];
  skipped: RuleFileError[];
}

/** Loads rule files and folders (*.toml, recursively). Unsupported rules throw unless skipUnsupported. */
export function loadRuleFiles(paths: string[], opts: { skipUnsupported?: boolean } = {}): LoadedRules {
  const out: LoadedRules = { rules: [], skipped: [] };
  for (const file of paths.flatMap(tomlFiles)) {
    let doc: Record<string, any>;
    try {
      doc = parseToml(readFileSync(file, "utf8"));
    } catch (e) {
      throw new RuleFileError(file, (e as Error).message.split("\n")[0]);
    }
    try {
      out.rules.push(ruleFromToml(doc, file));
    } catch (e) {
      if (!(e instanceof RuleFileError) || !opts.skipUnsupported || !/unsupported/.test(e.message)) throw e;
      out.skipped.push(e);
    }
  }
  if (out.rules.length === 0) throw new RuleFileError(paths.join(", "), "no rule could be loaded");
  return out;
}
