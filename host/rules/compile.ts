// Compiles rules (rule.ts) and shapes (shapes.ts) into the program bytes the engine runs
// (layout: assembly/program.ts and assembly/rules.ts). Same bytes for the Node and Fluent Bit builds.

import type { Expr, SequenceRule } from "./model.js";
import { SHAPES, EMBEDDED, aliasesOf, expandDerived, argsTruncated, type Alias, type Derived, type Shape } from "./shapes.js";
import { compileRegex } from "./regex.js";
import { cidrBlob } from "./cidr.js";
import { planDispatch, dispatchWords } from "./dispatch.js";
import { prefilterWords } from "./prefilter.js";

/** A rule the front end parses but no engine part runs yet: skippable, and said so. */
export class NotYetSupported extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "NotYetSupported";
  }
}

const MAGIC = 0x42525050;
const VERSION = 2;
const NONE = 0xffffffff;
// predicate ops (assembly/program.ts): bits 0-7 the op, bits 8-15 a relation or function kind, bit 16 a flag
const OP = { TRUE: 0, AND: 1, OR: 2, NOT: 3, EQ: 4, PREFIX: 5, EXISTS: 6, IS_TRUE: 7, EQ_CI: 8, LIKE: 9, LIKE_CI: 10, CMP: 11 } as const;
const OP2 = { IS_FALSE: 12, SUFFIX: 13, CONTAINS: 14, REGEX: 15, CIDR: 16, FIELD_FN: 17, LENGTH: 18, SUBSTR: 19 } as const;
const REL = { "<": 1, "<=": 2, ">": 3, ">=": 4, "==": 5, "!=": 6 } as const;
const FIELD_FN = { startsWith: 1, endsWith: 2, contains: 3 } as const;
const CMP_NUMBER = 0x10000;
const CASE_INSENSITIVE = 0x10000;
const SUBSTR_HAS_END = 0x10000;
const NS = { value: 0, serviceaccount: 1 } as const;
const PART = { LITERAL: 0, KEY: 1, SPAN_MS: 2, FIELD: 3, POD: 4 } as const;
export const TAG_MEMBER = "podprobe";
/**
 * The engine's caps (assembly/program.ts, paths.ts, rules.ts, derive.ts, dispatch.ts name the same numbers; a test
 * checks that they agree): a program beyond one is refused here with a message naming it.
 */
export const LIMITS = {
  rules: 1024,
  stageRows: 8192,
  stages: 8,
  positions: 256,
  runs: 100,
  keys: 8,
  summary: 16,
  summaryRows: 131072,
  parts: 64,
  partRows: 65536,
  strings: 65536,
  sets: 16384,
  fields: 1024,
  paths: 1024,
  shapes: 8,
  derived: 64,
} as const;
// derived values (assembly/derive.ts): the op, and how split arguments are quoted
const DERIVE = { basename: 1, after: 2, split: 3, list: 4, select: 5, when: 6, bool: 7, epochNs: 8, member: 9 } as const;
const QUOTING = { plain: 0, tetragon: 1 } as const;

class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly limit: number, private readonly what: string) {}
  find(key: string): number | undefined {
    return this.index.get(key);
  }
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
  /** A record field naming the record's source for per-source watermarks (e.g. Vector's `source_type`). */
  sourceField?: string;
}

/**
 * What a key of these rules holds (assembly/state.ts): the most blocks of ring_capacity entries one key needs (a
 * stage with runs=N keeps N − 1 + ring entries) and whether any stage has runs (its entries are larger).
 */
export function keyLayout(rules: SequenceRule[], ring: number): { maxBlocks: number; runs: boolean } {
  let maxBlocks = 2;
  let runs = false;
  for (const r of rules) {
    let b = 0;
    for (const st of r.stages) {
      const n = st.runs ?? 1;
      if (n > 1) runs = true;
      b += n <= 1 ? 1 : Math.ceil((n - 1 + ring) / ring);
    }
    maxBlocks = Math.max(maxBlocks, b);
  }
  return { maxBlocks, runs };
}

/** The program for these rules. Throws with a message naming what does not fit the engine's limits. */
export function compileRules(rules: SequenceRule[], opts: CompileOptions = {}): Uint8Array {
  const shapes = opts.shapes ?? SHAPES;
  if (rules.length < 1 || rules.length > LIMITS.rules) throw new Error(`rule program: 1 to ${LIMITS.rules} rules`);
  if (shapes.length < 1 || shapes.length > LIMITS.shapes) throw new Error(`rule program: 1 to ${LIMITS.shapes} shapes`);
  const enc = new TextEncoder();
  const strings = new Interner<string | Uint8Array>(LIMITS.strings, "strings");
  const str = (s: string) => strings.id(s, () => s);
  // automata and address ranges travel as program strings of raw bytes
  const blob = (b: Uint8Array) => strings.id(`\u0000${Buffer.from(b).toString("base64")}`, () => b);
  const sets = new Interner<number[]>(LIMITS.sets, "value lists");
  const set = (values: string[]) => sets.id(JSON.stringify(values), () => values.map(str));
  const paths = new Interner<[number, number]>(LIMITS.paths, "field paths");
  const path = (a: { path: string; underscoreFrom?: number }) =>
    paths.id(`${a.path}\u0000${a.underscoreFrom ?? NONE}`, () => [str(a.path), a.underscoreFrom ?? NONE]);
  const fields = new Interner<Alias[][]>(LIMITS.fields, "fields");
  // guards read physical fields through shape 0, which maps every name to itself
  const field = (name: string) => fields.id(name, () => shapes.map((s) => aliasesOf(s, name)));
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
    else if ("prefix" in e) node(OP.PREFIX | (e.insensitive ? CASE_INSENSITIVE : 0), field(e.prefix), set(e.values));
    else if ("exists" in e) node(OP.EXISTS, field(e.exists));
    else if ("isTrue" in e) node(OP.IS_TRUE, field(e.isTrue));
    else if ("eqCi" in e) node(OP.EQ_CI, field(e.eqCi), set(e.values));
    else if ("like" in e) node(e.insensitive ? OP.LIKE_CI : OP.LIKE, field(e.like), set(e.patterns));
    else if ("cmp" in e) node(OP.CMP | (REL[e.rel] << 8) | (typeof e.value === "string" ? 0 : CMP_NUMBER), field(e.cmp), str(String(e.value)));
    else if ("isFalse" in e) node(OP2.IS_FALSE, field(e.isFalse));
    else if ("suffix" in e) node(OP2.SUFFIX | (e.insensitive ? CASE_INSENSITIVE : 0), field(e.suffix), set(e.values));
    else if ("contains" in e) node(OP2.CONTAINS | (e.insensitive ? CASE_INSENSITIVE : 0), field(e.contains), set(e.values));
    else if ("regex" in e) node(OP2.REGEX, field(e.regex), blob(compileRegex(e.patterns, e.insensitive === true)));
    else if ("cidr" in e) node(OP2.CIDR, field(e.cidr), blob(cidrBlob(e.blocks)));
    else if ("fieldFn" in e) node(OP2.FIELD_FN | (FIELD_FN[e.fieldFn] << 8) | (e.insensitive ? CASE_INSENSITIVE : 0), field(e.field), field(e.other));
    else if ("length" in e) node(OP2.LENGTH | (REL[e.rel] << 8), field(e.length), str(String(e.value)));
    else if ("substring" in e) code.push(OP2.SUBSTR | (e.end === undefined ? 0 : SUBSTR_HAS_END), field(e.substring), set(e.values), 6, e.start >>> 0, (e.end ?? 0) >>> 0);
    else throw new Error(`rule program: unknown predicate ${JSON.stringify(e)}`);
    code[at + 3] = code.length - at;
    return at;
  };

  const guards = shapes.map((s, i) => {
    if (i === 0) return NONE;
    if (!s.guard) throw new Error(`rule program: shape ${s.name} needs a guard`);
    return emit(s.guard);
  });
  // per shape, the predicate telling records whose arguments the sensor marked as truncated (read in that shape)
  const truncated = shapes.map((s, i) => {
    const e = argsTruncated(s);
    return i === 0 || !e ? NONE : emit(e);
  });

  // Derived values, in the order the engine computes them for a record of their shape: whatever a value reads
  // (its operands, the fields of its predicates) is derived before it.
  const derived = new Interner<{ shape: number; words: number[] }>(LIMITS.derived, "derived values");
  const deriving = new Set<string>();
  const derive = (s: number, d: Derived): number => {
    const key = `${s}\u0000${JSON.stringify(d)}`;
    const known = derived.find(key);
    if (known !== undefined) return known;
    if (deriving.has(key)) throw new Error(`rule program: shape ${shapes[s].name} derives ${d.derive} from itself`);
    deriving.add(key);
    const operand = (name: string) => {
      const f = field(name);
      for (const a of fields.items[f][s]) if ("derive" in a) derive(s, a);
      return f;
    };
    const optional = (name?: string) => (name === undefined ? NONE : operand(name));
    const predicate = (e: Expr) => {
      fieldsOf(e).forEach(operand);
      return emit(e);
    };
    let args: number[];
    if (d.derive === "basename" || d.derive === "epochNs") args = [operand(d.of)];
    else if (d.derive === "after") args = [operand(d.of), str(d.separator)];
    else if (d.derive === "split") args = [optional(d.head), operand(d.of), QUOTING[d.quoting]];
    else if (d.derive === "list") args = [optional(d.head), operand(d.count), ...d.items.map(operand)];
    else if (d.derive === "member") args = [operand(d.of), str(d.member)];
    else if (d.derive === "select") args = [operand(d.of), str(d.key), str(d.equals), str(d.member)];
    else if (d.derive === "when") args = [predicate(d.holds), operand(d.of)];
    else args = [d.present ? predicate(d.present) : NONE, predicate(d.holds)];
    deriving.delete(key);
    return derived.id(key, () => ({ shape: s, words: [DERIVE[d.derive], s, args.length, ...args] }));
  };

  const ruleWords: number[] = [];
  const totals = { stages: 0, keys: 0, summaries: 0, parts: 0 };
  /** Per rule and stage, the predicate the engine evaluates (derived fields expanded): dispatch.ts indexes them. */
  const compiled: Expr[][] = [];
  for (const rule of rules) {
    if (rule.stages.length < 1 || rule.stages.length > LIMITS.stages) throw new Error(`rule ${rule.id}: 1 to ${LIMITS.stages} stages (got ${rule.stages.length})`);
    if (rule.sample && rule.stages.length < 2) throw new Error(`rule ${rule.id}: a sample needs at least two stages`);
    for (const st of rule.stages) {
      if (st.keys.length < 1 || st.keys.length > LIMITS.keys) throw new Error(`rule ${rule.id}: 1 to ${LIMITS.keys} join fields per stage (got ${st.keys.length})`);
      const runs = st.runs ?? 1;
      if (!Number.isInteger(runs) || runs < 1 || runs > LIMITS.runs) throw new Error(`rule ${rule.id}: runs must be 1 to ${LIMITS.runs} (got ${runs})`);
      if (runs > 1 && rule.sample) throw new Error(`rule ${rule.id}: runs repeat a stage of a sequence, not of a sample`);
    }
    if (rule.stages.length > 1) {
      const n = rule.stages[0].keys.length;
      if (rule.stages.some((st) => st.keys.length !== n)) throw new Error(`rule ${rule.id}: every stage joins on the same number of fields`);
    }
    // positions: a stage with runs=N stands for N consecutive positions of the sequence
    const first: number[] = [];
    let positions = 0;
    for (const st of rule.stages) {
      first.push(positions);
      positions += st.runs ?? 1;
    }
    if (positions > LIMITS.positions) throw new Error(`rule ${rule.id}: more than ${LIMITS.positions} positions (stages with their runs)`);
    // no maxspan: both words all ones (a sequence then waits as long as state and lateness keep it)
    let lo = 0xffffffff;
    let hi = 0xffffffff;
    if (rule.maxspanMs !== undefined && !rule.sample) {
      const maxspanNs = BigInt(Math.round(rule.maxspanMs * 1e6));
      if (maxspanNs <= 0n) throw new Error(`rule ${rule.id}: maxspan must be > 0`);
      lo = Number(maxspanNs & 0xffffffffn);
      hi = Number(maxspanNs >> 32n);
    }
    ruleWords.push(str(rule.id), str(rule.name), lo, hi);
    ruleWords.push(rule.severity, rule.riskScore, str(JSON.stringify(rule.threat)), rule.sample ? 1 : 0, rule.stages.length);
    const summaryNames: string[][] = [];
    const whens: Expr[] = [];
    for (const stage of rule.stages) {
      // the event time is always the first summary field, as "@timestamp"
      const summary = [{ name: "@timestamp", field: stage.time }, ...stage.summary];
      if (summary.length > LIMITS.summary) throw new Error(`rule ${rule.id}: more than ${LIMITS.summary} summary fields`);
      summaryNames.push(summary.map((s) => s.name));
      const when = expandDerived(stage.when, shapes);
      whens.push(when);
      ruleWords.push(emit(when), field(stage.time), stage.runs ?? 1, stage.keys.length, ...stage.keys.map(field));
      ruleWords.push(field(stage.namespace.field), NS[stage.namespace.from]);
      ruleWords.push(summary.length);
      for (const s of summary) ruleWords.push(str(s.name), field(s.field ?? s.name), "redact" in s && s.redact ? 1 : 0);
      totals.keys += stage.keys.length;
      totals.summaries += summary.length;
    }
    compiled.push(whens);
    totals.stages += rule.stages.length;
    const parts = messageParts(rule, summaryNames, first);
    if (parts.length > LIMITS.parts) throw new Error(`rule ${rule.id}: message has more than ${LIMITS.parts} parts`);
    totals.parts += parts.length;
    ruleWords.push(parts.length);
    for (const p of parts) {
      if (p.kind === PART.LITERAL) ruleWords.push(p.kind, str(p.text!), 0);
      else ruleWords.push(p.kind, p.a ?? 0, p.b ?? 0);
    }
  }
  if (totals.stages > LIMITS.stageRows) throw new Error(`rule program: more than ${LIMITS.stageRows} stages in all`);
  if (totals.summaries > LIMITS.summaryRows) throw new Error(`rule program: more than ${LIMITS.summaryRows} summary fields in all`);
  if (totals.parts > LIMITS.partRows) throw new Error(`rule program: more than ${LIMITS.partRows} message parts in all`);
  // record-level settings: the source field, and where an embedded record may be
  const embedShape = shapes.findIndex((s) => s.name === EMBEDDED.shape);
  ruleWords.push(opts.sourceField ? field(opts.sourceField) : NONE);
  const carriers = embedShape > 0 ? EMBEDDED.carriers : [];
  ruleWords.push(carriers.length, ...carriers.map(field));
  ruleWords.push(embedShape > 0 ? embedShape : NONE, embedShape > 0 ? str(EMBEDDED.marker) : NONE);
  const tagPath = path({ path: TAG_MEMBER });
  str(TAG_MEMBER);
  // the dispatch index (dispatch.ts): its fields and values are interned here, before the tables are written
  const dispatch = dispatchWords(planDispatch(compiled), field, str, blob);

  // every derived value a field reads in some shape (deriving one may add fields: the loop takes them too)
  for (let f = 0; f < fields.items.length; f++) {
    fields.items[f].forEach((alts, s) => alts.forEach((a) => "derive" in a && derive(s, a)));
  }
  // grouped by shape, keeping the order within a shape (operands first)
  const byShape = derived.items.map((d, i) => ({ d, i })).sort((a, b) => a.d.shape - b.d.shape || a.i - b.i);
  const derivedAt = new Map(byShape.map((x, at) => [x.i, at]));
  const derivedWords = [byShape.length, ...byShape.flatMap((x) => x.d.words), ...truncated];

  // field alias tables (after every field is known, so every path is interned)
  const fieldWords: number[] = [];
  for (const perShape of fields.items) {
    perShape.forEach((alts, s) => {
      if (alts.length > 4) throw new Error("rule program: more than 4 aliases for one field");
      fieldWords.push(alts.length);
      for (const a of alts) {
        if ("constant" in a) fieldWords.push((1 << 24) | str(a.constant));
        else if ("derive" in a) fieldWords.push((2 << 24) | derivedAt.get(derive(s, a))!);
        else fieldWords.push(path(a));
      }
    });
  }

  if (strings.items.length > LIMITS.strings) throw new Error("rule program: too many strings");
  const out = new ProgramWriter();
  out.words([MAGIC, VERSION, strings.items.length]);
  for (const s of strings.items) {
    const b = typeof s === "string" ? enc.encode(s) : s;
    out.words([b.length]);
    out.bytes(b);
  }
  out.words([sets.items.length]);
  for (const s of sets.items) out.words([s.length]).words(s);
  out.words([paths.items.length]);
  for (const [s, u] of paths.items) out.words([s, u]);
  out.words([shapes.length]).words(guards).words(derivedWords);
  out.words([fields.items.length]).words(fieldWords);
  out.words([code.length]).words(code);
  out.words([str(TAG_MEMBER), tagPath]);
  out.words([rules.length, totals.stages, totals.keys, totals.summaries, totals.parts]).words(ruleWords);
  out.words(dispatch);
  // ── the literal prefilter (host/rules/prefilter.ts), after the dispatch index ──
  out.words(prefilterWords(rules, shapes));
  return out.done();
}

/** The program's bytes: u32 words little-endian, byte strings padded to 4 (no spread of large arrays). */
class ProgramWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  words(ws: readonly number[]): this {
    this.room(ws.length * 4);
    for (const w of ws) {
      this.view.setUint32(this.len, w >>> 0, true);
      this.len += 4;
    }
    return this;
  }
  bytes(b: Uint8Array): this {
    const padded = (b.length + 3) & ~3;
    this.room(padded);
    this.buf.set(b, this.len);
    this.buf.fill(0, this.len + b.length, this.len + padded);
    this.len += padded;
    return this;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

interface Part {
  kind: number;
  text?: string;
  a?: number;
  b?: number;
}

/** Splits a message template into literal, key, pod, span and field parts ({i:field}: stage i's first position). */
function messageParts(rule: SequenceRule, summaryNames: string[][], first: number[]): Part[] {
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
      parts.push({ kind: PART.FIELD, a: first[stage], b: idx });
    }
    last = m.index + m[0].length;
  }
  if (last < rule.message.length) parts.push({ kind: PART.LITERAL, text: rule.message.slice(last) });
  return parts;
}

/** The fields a predicate reads. */
function fieldsOf(e: Expr): string[] {
  if ("all" in e) return e.all.flatMap(fieldsOf);
  if ("any" in e) return e.any.flatMap(fieldsOf);
  if ("not" in e) return fieldsOf(e.not);
  if ("fieldFn" in e) return [e.field, e.other];
  // every other predicate names its field under its operator's key, written first
  return [(e as Record<string, unknown>)[Object.keys(e)[0]] as string];
}
