// The EQL front end: Elasticsearch's EQL grammar, token for token (keywords are lowercase, identifiers are
// letters, digits and `_` after a letter, `_` or `@`, backticks quote anything else), into a small tree the
// loader maps onto the rule model. Two kinds of refusal: `syntax` (Elasticsearch rejects the query too) and
// `unsupported` (valid EQL that podprobe cannot run yet: `until`, `join`, pipes, missing events, arithmetic,
// functions beyond the string and network ones real rules use). Every refusal names the construct, its line
// and its column.

export { EqlError, type EqlErrorKind } from "./eql-lexer.js";
import { EqlError, KEYWORDS, lex, type EqlErrorKind, type Token } from "./eql-lexer.js";

/** A constant. Integers beyond 2^53 that fit in 64 bits stay exact as bigint (Elasticsearch reads them as long). */
export type Literal = string | number | bigint | boolean | null;

/** Where a construct starts in the query (1-based). */
export interface Pos {
  line: number;
  column: number;
}

/** A function call: its name in lower case, `~` (case-insensitive variant), arguments (fields or constants). */
export interface Call {
  name: string;
  insensitive: boolean;
  args: Arg[];
}
export type Arg = { k: "field"; name: string } | { k: "lit"; value: Literal };

export type CmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Cond =
  | { k: "bool"; value: boolean }
  | { k: "and" | "or"; items: Cond[] }
  | { k: "not"; item: Cond }
  | { k: "cmp"; op: CmpOp; field: string; value: Literal }
  | { k: "in"; field: string; values: Literal[]; insensitive: boolean }
  | { k: "like"; field: string; patterns: string[]; insensitive: boolean } // like, like~ and `:`
  | { k: "regex"; field: string; patterns: string[]; insensitive: boolean }
  | { k: "truthy"; field: string } // a bare field: `field == true`
  | { k: "call"; call: Call } // a function used as a condition
  | { k: "callcmp"; op: CmpOp; call: Call; value: Literal }; // fn(…) <op> constant

export interface EventQuery {
  category: string;
  where: Cond;
}

/** A bracketed term of a sequence or sample: its query, its own `by` fields, and `with runs=N` (1 if absent). */
export interface Term {
  query: EventQuery;
  by: string[];
  runs: number;
}

export type Query =
  | { kind: "event"; query: EventQuery }
  | { kind: "sequence"; by: string[]; maxspanMs: number | undefined; stages: Term[] }
  | { kind: "sample"; by: string[]; stages: Term[] };

/** Where each node starts (kept beside the tree, so that trees compare by content). */
export const positions = new WeakMap<object, Pos>();

// ── parser ────────────────────────────────────────────────────────────────────────────────────────────

const MAX_RUNS = 100;
const DURATION: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const I64_MAX = (1n << 63n) - 1n;

/** Functions podprobe runs (lower case), with their arity and whether a `~` variant exists in EQL. */
export const FUNCTIONS: Record<string, { min: number; max: number; tilde: boolean }> = {
  cidrmatch: { min: 2, max: Infinity, tilde: false },
  startswith: { min: 2, max: 2, tilde: true },
  endswith: { min: 2, max: 2, tilde: true },
  stringcontains: { min: 2, max: 2, tilde: true },
  length: { min: 1, max: 1, tilde: false },
  substring: { min: 2, max: 3, tilde: false },
  wildcard: { min: 2, max: Infinity, tilde: false },
};
/** EQL functions podprobe does not run yet (valid EQL, refused as unsupported). */
const OTHER_FUNCTIONS = new Set(["add", "between", "concat", "divide", "indexof", "modulo", "multiply", "number", "string", "subtract"]);

export function parseEql(src: string): Query {
  const toks = lex(src);
  let p = 0;
  const peek = (o = 0) => toks[Math.min(p + o, toks.length - 1)];
  const next = () => toks[p++];
  const describe = (tok: Token) => (tok.t === "eof" ? "the end" : tok.t === "str" ? JSON.stringify(tok.v) : `"${tok.v}"`);
  const fail = (what: string, tok = peek(), kind: EqlErrorKind = "syntax"): never => {
    // an uppercase keyword where a keyword belongs is the usual cause: say so
    if (tok.t === "id" && tok.v !== tok.v.toLowerCase() && KEYWORDS.has(tok.v.toLowerCase())) {
      throw new EqlError(`the keyword "${tok.v}" (EQL keywords are lowercase: "${tok.v.toLowerCase()}")`, tok.line, tok.col);
    }
    throw new EqlError(what, tok.line, tok.col, kind);
  };
  const unsupported = (what: string, tok = peek()): never => fail(what, tok, "unsupported");
  const isWord = (w: string, tok = peek()) => tok.t === "id" && tok.v === w;
  const isOp = (o: string, tok = peek()) => tok.t === "op" && tok.v === o;
  const expectOp = (o: string, what = `"${o}"`) => (isOp(o) ? next() : fail(`expected ${what}, found ${describe(peek())}`));
  const expectWord = (w: string) => (isWord(w) ? next() : fail(`expected "${w}", found ${describe(peek())}`));
  const mark = <T extends object>(node: T, tok: Token): T => {
    positions.set(node, { line: tok.line, column: tok.col });
    return node;
  };

  /** identifier (`.` identifier)*, optionally prefixed by `?` (an optional field: absent means null). */
  const fieldName = (): string => {
    if (isOp("?")) {
      next();
      if (!(peek().tight && (peek().t === "id" || peek().t === "qid"))) fail(`expected a field name after "?", found ${describe(peek())}`);
    }
    const parts: string[] = [];
    for (;;) {
      const tok = peek();
      if (tok.t === "qid") parts.push(next().v);
      else if (tok.t === "id" && !KEYWORDS.has(tok.v) && !tok.v.endsWith("~")) parts.push(next().v);
      else if (parts.length === 0) return fail(`expected a field, found ${describe(tok)}`);
      else return fail(`expected a field name after ".", found ${describe(tok)}`);
      // `-` glued to a name: Elasticsearch reads a subtraction; the author meant a field name
      if (isOp("-") && peek().tight && (peek(1).t === "id" || peek(1).t === "int") && peek(1).tight) {
        fail(`"-" inside the field name "${[...parts].join(".")}-${peek(1).v}" (quote such names with backticks: \`${[...parts].join(".")}-${peek(1).v}\`)`, peek());
      }
      if (isOp("[") && peek(1).t === "int") unsupported("an array index in a field name", peek());
      if (!isOp(".")) break;
      next();
    }
    return parts.join(".");
  };

  const number = (tok: Token, negative: boolean): Literal => {
    if (tok.t === "int") {
      const big = BigInt(tok.v) * (negative ? -1n : 1n);
      if (big >= -I64_MAX - 1n && big <= I64_MAX) return Number.isSafeInteger(Number(big)) ? Number(big) : big;
      return Number(tok.v) * (negative ? -1 : 1); // Elasticsearch falls back to a double
    }
    return Number(tok.v) * (negative ? -1 : 1);
  };

  const literal = (): Literal => {
    const tok = peek();
    if (tok.t === "str") return next().v;
    if (tok.t === "int" || tok.t === "dec") return number(next(), false);
    if (isOp("-") && (peek(1).t === "int" || peek(1).t === "dec")) {
      next();
      return number(next(), true);
    }
    if (isWord("true") || isWord("false")) return next().v === "true";
    if (isWord("null")) return (next(), null);
    // Elasticsearch refuses it too (eql/planner: "Comparisons against fields are not (currently) supported")
    if (tok.t === "id" || tok.t === "qid" || isOp("?")) fail(`a comparison between fields (${describe(tok)}); Elasticsearch compares a field with constants only`, tok);
    return fail(`expected a value, found ${describe(tok)}`, tok);
  };

  const list = <T>(item: () => T): T[] => {
    expectOp("(");
    const vs = [item()];
    while (isOp(",")) {
      next();
      vs.push(item());
    }
    expectOp(")");
    return vs;
  };

  const stringLit = (what: string) => (): string => {
    const tok = peek();
    const v = literal();
    if (typeof v !== "string") fail(`${what} must be a string, found ${describe(tok)}`, tok);
    return v as string;
  };

  /** name(args) or name~(args); the name token is current. */
  const call = (): Call => {
    const tok = next();
    const insensitive = tok.v.endsWith("~");
    const name = (insensitive ? tok.v.slice(0, -1) : tok.v).toLowerCase();
    const spec = FUNCTIONS[name];
    if (!spec) {
      if (OTHER_FUNCTIONS.has(name)) unsupported(`the function ${tok.v}() (not supported yet)`, tok);
      fail(`the function ${tok.v}(): EQL has no such function`, tok);
    }
    if (insensitive && !spec.tilde) fail(`${tok.v}(): ${name} has no case-insensitive (~) variant`, tok);
    const args = isOp("(", peek()) && isOp(")", peek(1)) ? (next(), next(), [] as Arg[]) : list((): Arg => {
      const a = peek();
      if (a.t === "id" && !KEYWORDS.has(a.v) && isOp("(", peek(1))) unsupported(`a function call inside ${tok.v}()`, a);
      if (a.t === "qid" || isOp("?") || (a.t === "id" && !KEYWORDS.has(a.v))) return { k: "field", name: fieldName() };
      return { k: "lit", value: literal() };
    });
    if (args.length < spec.min || args.length > spec.max) {
      fail(`${tok.v}() takes ${spec.max === Infinity ? `at least ${spec.min}` : spec.min === spec.max ? spec.min : `${spec.min} or ${spec.max}`} arguments, found ${args.length}`, tok);
    }
    return mark({ name, insensitive, args }, tok);
  };

  const COMPARISONS = ["==", "!=", "<", "<=", ">", ">="];

  function predicate(): Cond {
    const at = peek();
    if (isWord("true") || isWord("false")) {
      if (isOp("==", peek(1)) || isOp("!=", peek(1))) unsupported(`a comparison of two constants`, at);
      return { k: "bool", value: next().v === "true" };
    }
    if (isOp("(")) {
      next();
      const c = orExpr();
      expectOp(")", '")"');
      return c;
    }
    if (at.t === "str" || at.t === "int" || at.t === "dec" || isWord("null")) unsupported("a comparison with the constant on the left (write the field first)", at);
    if (at.t === "id" && !KEYWORDS.has(at.v) && isOp("(", peek(1))) return callPredicate();
    const f = fieldName();
    const tok = peek();
    if (tok.t === "op" && ["+", "-", "*", "/", "%"].includes(tok.v)) unsupported(`arithmetic ("${tok.v}")`, tok);
    let negated = false;
    if (isWord("not") && (isWord("in", peek(1)) || isWord("in~", peek(1)))) {
      next();
      negated = true;
    }
    if (isWord("in") || isWord("in~")) {
      const insensitive = next().v === "in~";
      const c: Cond = mark({ k: "in", field: f, values: list(literal), insensitive }, at);
      if (insensitive && c.k === "in" && c.values.some((v) => typeof v !== "string")) fail("in~ compares strings: every value must be a string", tok);
      return negated ? { k: "not", item: c } : c;
    }
    for (const [word, kind, insensitive] of [["like", "like", false], ["like~", "like", true], [":", "like", true], ["regex", "regex", false], ["regex~", "regex", true]] as const) {
      if (word === ":" ? isOp(":") : isWord(word)) {
        next();
        const what = word === ":" ? 'the value after ":"' : `a ${word} pattern`;
        const patterns = isOp("(") ? list(stringLit(what)) : [stringLit(what)()];
        return mark({ k: kind, field: f, patterns, insensitive }, at);
      }
    }
    if (tok.t === "op" && COMPARISONS.includes(tok.v)) {
      next();
      return mark({ k: "cmp", op: tok.v as CmpOp, field: f, value: literal() }, at);
    }
    if (isOp("=")) fail('"=" (EQL compares with "==")', tok);
    // a bare field is a boolean condition: Elasticsearch adds `== true`
    return mark({ k: "truthy", field: f }, at);
  }

  function callPredicate(): Cond {
    const at = peek();
    const c = call();
    const tok = peek();
    if (tok.t === "op" && COMPARISONS.includes(tok.v)) {
      next();
      const value = literal();
      if (value === true || value === false) {
        // fn(…) == true is fn(…); fn(…) != true and == false are its negation
        const positive = (tok.v === "==") === value;
        if (tok.v !== "==" && tok.v !== "!=") fail(`"${tok.v}" between a function and a boolean`, tok);
        const node: Cond = mark({ k: "call", call: c }, at);
        return positive ? node : { k: "not", item: node };
      }
      return mark({ k: "callcmp", op: tok.v as CmpOp, call: c, value }, at);
    }
    if (isWord("in") || isWord("not")) {
      const negated = isWord("not") ? (next(), true) : false;
      expectWord("in");
      const values = list(literal);
      const any: Cond = { k: "or", items: values.map((value) => mark({ k: "callcmp", op: "==", call: c, value } as Cond, at)) };
      const node = values.length === 1 ? any.items[0] : any;
      return negated ? { k: "not", item: node } : node;
    }
    if (tok.t === "op" && ["+", "-", "*", "/", "%"].includes(tok.v)) unsupported(`arithmetic ("${tok.v}")`, tok);
    if (isWord("like") || isWord("like~") || isOp(":") || isWord("regex") || isWord("regex~") || isWord("in~")) unsupported(`"${tok.v}" applied to a function result`, tok);
    return mark({ k: "call", call: c }, at);
  }

  function notExpr(): Cond {
    if (isWord("not")) {
      next();
      return { k: "not", item: notExpr() };
    }
    if (peek().t === "id" && isWord("of", peek(1))) unsupported(`"${peek().v} of" (lineage)`, peek());
    return predicate();
  }

  /** operand (word operand)*: `and` binds tighter than `or`. */
  function chain(word: "and" | "or", operand: () => Cond): Cond {
    const items = [operand()];
    while (isWord(word)) {
      next();
      items.push(operand());
    }
    return items.length === 1 ? items[0] : { k: word, items };
  }
  const andExpr = () => chain("and", notExpr);
  const orExpr = (): Cond => chain("or", andExpr);

  function eventQuery(): EventQuery {
    const tok = peek();
    if (tok.t === "id" && tok.v !== tok.v.toLowerCase() && KEYWORDS.has(tok.v.toLowerCase())) fail("", tok);
    let category: string;
    if (tok.t === "str" || (tok.t === "id" && !KEYWORDS.has(tok.v))) category = next().v;
    else if (isWord("any")) category = (next(), "any");
    else if (isWord("join")) return unsupported('"join"', tok);
    else return fail(`expected an event category, found ${describe(tok)}`, tok);
    expectWord("where");
    return { category, where: orExpr() };
  }

  const byFields = (): string[] => {
    if (!isWord("by")) return [];
    next();
    const fs = [fieldName()];
    while (isOp(",")) {
      next();
      fs.push(fieldName());
    }
    return fs;
  };

  const term = (allowRuns: boolean): Term => {
    const open = peek();
    if (isOp("![")) unsupported("a missing-event term ![…]", open);
    expectOp("[", '"["');
    const query = eventQuery();
    expectOp("]", '"]"');
    const t: Term = { query, by: byFields(), runs: 1 };
    if (allowRuns && isWord("with") && !isWord("maxspan", peek(1))) {
      next();
      const key = peek();
      if (!(key.t === "id" && key.v === "runs")) fail(`the option ${describe(key)} (a sequence term takes "runs")`, key);
      next();
      expectOp("=", '"="');
      const n = peek();
      if (n.t !== "int") fail(`runs must be a whole number, found ${describe(n)}`, n);
      next();
      const runs = Number(n.v);
      if (runs < 1 || runs > MAX_RUNS) fail(`runs=${n.v}: runs must be between 1 and ${MAX_RUNS}`, n);
      t.runs = runs;
    }
    return mark(t, open);
  };

  const maxspan = (): number => {
    next(); // with
    if (!isWord("maxspan")) fail(`expected "maxspan" after "with", found ${describe(peek())}`);
    next();
    expectOp("=", '"="');
    const n = peek();
    if (n.t === "dec") fail(`the decimal maxspan ${n.v} (maxspan takes a whole number and a unit)`, n);
    if (n.t !== "int") fail(`expected a duration, found ${describe(n)}`, n);
    next();
    const value = Number(n.v);
    if (value <= 0) fail(`maxspan=${n.v}: a positive maxspan is required`, n);
    const u = peek();
    if (u.t !== "id" || KEYWORDS.has(u.v)) fail(`maxspan=${n.v} without a unit (ms, s, m, h or d)`, n);
    next();
    if (!(u.v in DURATION)) fail(`the maxspan unit "${u.v}" (ms, s, m, h or d)`, u);
    return value * DURATION[u.v];
  };

  /** Every term joins on as many fields as the first (parser/LogicalPlanBuilder.java: inconsistent join keys). */
  const sameKeyCount = (stages: Term[]) => {
    for (const s of stages) {
      const at = positions.get(s)!;
      if (s.by.length !== stages[0].by.length) throw new EqlError(`inconsistent join keys: this term has ${s.by.length} "by" fields, the first has ${stages[0].by.length}`, at.line, at.column);
    }
  };

  let q: Query;
  const start = peek();
  if (isWord("sequence")) {
    next();
    let by: string[] = [];
    let maxspanMs: number | undefined;
    if (isWord("by")) {
      by = byFields();
      if (isWord("with")) maxspanMs = maxspan();
    } else if (isWord("with")) {
      maxspanMs = maxspan();
      if (isWord("by")) fail('"by" after "with" (write sequence by … with maxspan=…)');
    }
    const stages: Term[] = [];
    while (isOp("[") || isOp("![")) stages.push(term(true));
    if (isWord("until")) unsupported('"until"');
    const expanded = stages.reduce((n, s) => n + s.runs, 0);
    if (expanded < 2) fail(`a sequence needs at least two terms (found ${expanded})`);
    sameKeyCount(stages);
    q = mark({ kind: "sequence", by, maxspanMs, stages }, start);
  } else if (isWord("sample")) {
    next();
    const by = byFields();
    const stages: Term[] = [];
    while (isOp("[")) stages.push(term(false));
    if (stages.length < 2) fail(`a sample needs at least two terms (found ${stages.length})`);
    sameKeyCount(stages);
    q = mark({ kind: "sample", by, stages }, start);
  } else if (isWord("join")) {
    return unsupported('"join"', start);
  } else q = { kind: "event", query: eventQuery() };
  if (isOp("|")) unsupported('"|" (pipes)');
  if (isWord("until")) unsupported('"until"');
  if (peek().t !== "eof") fail(`unexpected ${describe(peek())}`);
  return q;
}
