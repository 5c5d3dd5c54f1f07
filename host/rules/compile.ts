// Compiles rules (rule.ts) and shapes (shapes.ts) into the program bytes the engine runs
// (layout: assembly/program.ts and assembly/rules.ts). Same bytes for the Node and Fluent Bit builds.

import type { Expr, SequenceRule } from "./model.js";
import { SHAPES, type Alias, type Shape } from "./shapes.js";
import { prefilterWords } from "./prefilter.js";

const MAGIC = 0x42525050;
const VERSION = 1;
const NONE = 0xffffffff;
const OP = { TRUE: 0, AND: 1, OR: 2, NOT: 3, EQ: 4, PREFIX: 5, EXISTS: 6, IS_TRUE: 7, EQ_CI: 8, LIKE: 9, LIKE_CI: 10, CMP: 11 } as const;
const REL = { "<": 1, "<=": 2, ">": 3, ">=": 4, "==": 5, "!=": 6 } as const;
const CMP_NUMBER = 0x10000;
const NS = { value: 0, serviceaccount: 1 } as const;
const PART = { LITERAL: 0, KEY: 1, SPAN_MS: 2, FIELD: 3, POD: 4 } as const;
export const TAG_MEMBER = "podprobe";
const LIMITS = { paths: 64, fields: 128, strings: 4096, sets: 256, shapes: 4, rules: 16, summary: 16, parts: 32 };

class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly limit: number, private readonly what: string) {}
  id(key: string, make: () => T): number {
    const known = this.index.get(key);
    if (known !== undefined) return known;
    if (this.items.length >= this.limit) throw new Error(`rule program: more than ${this.limit} ${this.what}`);
    this.items.push(make());
    this.index.set(key, this.items.length - 1);
    return this.items.length - 1;
  }
}

export interface CompileOptions {
  shapes?: Shape[];
}

/** The program for these rules. Throws with a message naming what does not fit the engine's limits. */
export function compileRules(rules: SequenceRule[], opts: CompileOptions = {}): Uint8Array {
  const shapes = opts.shapes ?? SHAPES;
  if (rules.length < 1 || rules.length > LIMITS.rules) throw new Error(`rule program: 1 to ${LIMITS.rules} rules`);
  if (shapes.length < 1 || shapes.length > LIMITS.shapes) throw new Error(`rule program: 1 to ${LIMITS.shapes} shapes`);
  const enc = new TextEncoder();
  const strings = new Interner<string>(LIMITS.strings, "strings");
  const str = (s: string) => strings.id(s, () => s);
  const sets = new Interner<number[]>(LIMITS.sets, "value lists");
  const set = (values: string[]) => sets.id(JSON.stringify(values), () => values.map(str));
  const paths = new Interner<[number, number]>(LIMITS.paths, "field paths");
  const path = (a: { path: string; underscoreFrom?: number }) =>
    paths.id(`${a.path}\u0000${a.underscoreFrom ?? NONE}`, () => [str(a.path), a.underscoreFrom ?? NONE]);
  const fields = new Interner<Alias[][]>(LIMITS.fields, "fields");
  // guards read physical fields through shape 0, which maps every name to itself
  const field = (name: string) => fields.id(name, () => shapes.map((s) => s.aliases(name)));
  const code: number[] = [];

  const emit = (e: Expr): number => {
    const at = code.length;
    const node = (op: number, a = 0, b = 0) => code.push(op, a, b, 4);
    if ("all" in e || "any" in e) {
      const kids = "all" in e ? e.all : e.any;
      code.push("all" in e ? OP.AND : OP.OR, kids.length, 0, 0);
      for (const k of kids) emit(k);
    } else if ("not" in e) {
      code.push(OP.NOT, 0, 0, 0);
      emit(e.not);
    } else if ("eq" in e) node(OP.EQ, field(e.eq), set(e.values));
    else if ("prefix" in e) node(OP.PREFIX, field(e.prefix), set(e.values));
    else if ("exists" in e) node(OP.EXISTS, field(e.exists));
    else if ("isTrue" in e) node(OP.IS_TRUE, field(e.isTrue));
    else if ("eqCi" in e) node(OP.EQ_CI, field(e.eqCi), set(e.values));
    else if ("like" in e) node(e.insensitive ? OP.LIKE_CI : OP.LIKE, field(e.like), set(e.patterns));
    else if ("cmp" in e) node(OP.CMP | (REL[e.rel] << 8) | (typeof e.value === "number" ? CMP_NUMBER : 0), field(e.cmp), str(String(e.value)));
    else throw new Error(`rule program: unknown predicate ${JSON.stringify(e)}`);
    code[at + 3] = code.length - at;
    return at;
  };

  const guards = shapes.map((s, i) => {
    if (i === 0) return NONE;
    if (!s.guard) throw new Error(`rule program: shape ${s.name} needs a guard`);
    return emit(s.guard);
  });

  const ruleWords: number[] = [];
  for (const rule of rules) {
    if (rule.stages.length < 1 || rule.stages.length > 4) throw new Error(`rule ${rule.id}: 1 to 4 stages (got ${rule.stages.length})`);
    if (rule.maxspanMs === undefined) throw new Error(`rule ${rule.id}: a maxspan is required`);
    for (const st of rule.stages) if (st.keys.length !== 1) throw new Error(`rule ${rule.id}: exactly one join field per stage (got ${st.keys.length})`);
    const maxspanNs = BigInt(Math.round(rule.maxspanMs * 1e6));
    if (maxspanNs <= 0n) throw new Error(`rule ${rule.id}: maxspan must be > 0`);
    ruleWords.push(str(rule.id), str(rule.name), Number(maxspanNs & 0xffffffffn), Number(maxspanNs >> 32n));
    ruleWords.push(rule.severity, rule.riskScore, str(JSON.stringify(rule.threat)), rule.stages.length);
    const summaryNames: string[][] = [];
    for (const stage of rule.stages) {
      // the event time is always the first summary field, as "@timestamp"
      const summary = [{ name: "@timestamp", field: stage.time }, ...stage.summary];
      if (summary.length > LIMITS.summary) throw new Error(`rule ${rule.id}: more than ${LIMITS.summary} summary fields`);
      summaryNames.push(summary.map((s) => s.name));
      ruleWords.push(emit(stage.when), field(stage.time), field(stage.keys[0]), field(stage.namespace.field), NS[stage.namespace.from]);
      ruleWords.push(summary.length);
      for (const s of summary) ruleWords.push(str(s.name), field(s.field ?? s.name), "redact" in s && s.redact ? 1 : 0);
    }
    const parts = messageParts(rule, summaryNames);
    if (parts.length > LIMITS.parts) throw new Error(`rule ${rule.id}: message has more than ${LIMITS.parts} parts`);
    ruleWords.push(parts.length);
    for (const p of parts) {
      if (p.kind === PART.LITERAL) ruleWords.push(p.kind, str(p.text!), 0);
      else ruleWords.push(p.kind, p.a ?? 0, p.b ?? 0);
    }
  }
  const tagPath = path({ path: TAG_MEMBER });
  str(TAG_MEMBER);

  // field alias tables (after every field is known, so every path is interned)
  const fieldWords: number[] = [];
  for (const perShape of fields.items) {
    for (const alts of perShape) {
      if (alts.length > 4) throw new Error("rule program: more than 4 aliases for one field");
      fieldWords.push(alts.length);
      for (const a of alts) fieldWords.push("constant" in a ? (1 << 24) | str(a.constant) : path(a));
    }
  }

  const words: number[] = [MAGIC, VERSION];
  const bytes: number[] = [];
  const flushWords = () => {
    for (const w of words) bytes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff);
    words.length = 0;
  };
  words.push(strings.items.length);
  flushWords();
  for (const s of strings.items) {
    const b = enc.encode(s);
    words.push(b.length);
    flushWords();
    bytes.push(...b);
    while (bytes.length % 4) bytes.push(0);
  }
  words.push(sets.items.length);
  for (const s of sets.items) words.push(s.length, ...s);
  words.push(paths.items.length);
  for (const [s, u] of paths.items) words.push(s, u);
  words.push(shapes.length, ...guards);
  words.push(fields.items.length, ...fieldWords);
  words.push(code.length, ...code);
  words.push(str(TAG_MEMBER), tagPath);
  words.push(rules.length, ...ruleWords);
  // ── the literal prefilter (host/rules/prefilter.ts), after the rules ──
  words.push(...prefilterWords(rules, shapes));
  flushWords();
  if (strings.items.length > LIMITS.strings) throw new Error("rule program: too many strings");
  return Uint8Array.from(bytes);
}

interface Part {
  kind: number;
  text?: string;
  a?: number;
  b?: number;
}

/** Splits a message template into literal, key, pod, span and field parts. */
function messageParts(rule: SequenceRule, summaryNames: string[][]): Part[] {
  const parts: Part[] = [];
  const re = /\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(rule.message); m; m = re.exec(rule.message)) {
    if (m.index > last) parts.push({ kind: PART.LITERAL, text: rule.message.slice(last, m.index) });
    const ref = m[1];
    if (ref === "key") parts.push({ kind: PART.KEY });
    else if (ref === "pod") parts.push({ kind: PART.POD });
    else if (ref === "span_ms") parts.push({ kind: PART.SPAN_MS });
    else {
      const colon = ref.indexOf(":");
      const stage = Number(ref.slice(0, colon));
      const idx = summaryNames[stage]?.indexOf(ref.slice(colon + 1)) ?? -1;
      if (colon < 0 || idx < 0) throw new Error(`rule ${rule.id}: message refers to unknown field {${ref}}`);
      parts.push({ kind: PART.FIELD, a: stage, b: idx });
    }
    last = m.index + m[0].length;
  }
  if (last < rule.message.length) parts.push({ kind: PART.LITERAL, text: rule.message.slice(last) });
  return parts;
}
