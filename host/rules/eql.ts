// An EQL parser for the subset podprobe runs (Elasticsearch EQL syntax): `sequence [by …] [with maxspan=…]`
// with bracketed stages and per-stage `by`, single-event queries (`<category> where …`), and/or/not,
// parentheses, comparisons, `in`, `in~`, `like`, `like~`, `:`, string/number/boolean literals, backtick field
// names and comments. Anything else stops with the construct, its line and its column.

export class EqlError extends Error {
  constructor(readonly detail: string, readonly line: number, readonly column: number) {
    super(`${detail} at line ${line}, column ${column}`);
    this.name = "EqlError";
  }
}

export type Literal = string | number | boolean | null;

/** Where a construct starts in the query (1-based). */
export interface Pos {
  line: number;
  column: number;
}

export type Cond =
  | { k: "bool"; value: boolean }
  | { k: "and" | "or"; items: Cond[] }
  | { k: "not"; item: Cond }
  | { k: "cmp"; op: "==" | "!=" | "<" | "<=" | ">" | ">=" | ":"; field: string; value: Literal }
  | { k: "in"; field: string; values: Literal[]; insensitive: boolean }
  | { k: "like"; field: string; patterns: string[]; insensitive: boolean };

export interface EventQuery {
  category: string;
  where: Cond;
}

export type Query =
  | { kind: "event"; query: EventQuery }
  | { kind: "sequence"; by: string[]; maxspanMs: number | undefined; stages: { query: EventQuery; by: string[] }[] };

interface Token {
  t: "id" | "field" | "str" | "num" | "op" | "eof";
  v: string;
  line: number;
  col: number;
}

const OPS = ["==", "!=", "<=", ">=", "<", ">", ":", "(", ")", "[", "]", ",", "=", "~", "|"];
const UNSUPPORTED_WORDS = new Set(["until", "join", "sample", "runs", "with runs", "descendant", "child", "event", "of", "fork", "filter", "head", "tail", "sort", "unique", "count"]);

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const adv = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (src[i] === "\n") {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      adv(1);
      continue;
    }
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new EqlError("unterminated comment", line, col);
      adv(end + 2 - i);
      continue;
    }
    if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") adv(1);
      continue;
    }
    const at = { line, col };
    if (src.startsWith('"""', i)) {
      const end = src.indexOf('"""', i + 3);
      if (end < 0) throw new EqlError("unterminated string", line, col);
      out.push({ t: "str", v: src.slice(i + 3, end), ...at });
      adv(end + 3 - i);
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\") {
          const e = src[j + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'" };
          if (e === "u" && src[j + 2] === "{") {
            const close = src.indexOf("}", j);
            v += String.fromCodePoint(parseInt(src.slice(j + 3, close), 16));
            j = close + 1;
            continue;
          }
          if (!(e in map)) throw new EqlError(`unsupported escape \\${e}`, line, col + (j - i));
          v += map[e];
          j += 2;
          continue;
        }
        if (src[j] === "\n") throw new EqlError("unterminated string", line, col);
        v += src[j++];
      }
      if (j >= src.length) throw new EqlError("unterminated string", line, col);
      out.push({ t: "str", v, ...at });
      adv(j + 1 - i);
      continue;
    }
    if (c === "'") throw new EqlError("single-quoted strings", line, col);
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end < 0) throw new EqlError("unterminated field name", line, col);
      out.push({ t: "field", v: src.slice(i + 1, end), ...at });
      adv(end + 1 - i);
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== "-" || /[\s(,=<>!:]/.test(src[i - 1] ?? " "))) {
      out.push({ t: "num", v: num[0], ...at });
      adv(num[0].length);
      continue;
    }
    const id = /^[A-Za-z_@][A-Za-z0-9_@.\-]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0], ...at });
      adv(id[0].length);
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: "op", v: op, ...at });
      adv(op.length);
      continue;
    }
    throw new EqlError(`unexpected character ${JSON.stringify(c)}`, line, col);
  }
  out.push({ t: "eof", v: "", line, col });
  return out;
}

const DURATION: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Where each comparison node starts (kept beside the tree, so that trees compare by content). */
export const positions = new WeakMap<object, Pos>();

export function parseEql(src: string): Query {
  const toks = lex(src);
  let p = 0;
  const peek = (o = 0) => toks[p + o];
  const next = () => toks[p++];
  const fail = (what: string, tok = peek()): never => {
    throw new EqlError(what, tok.line, tok.col);
  };
  const isWord = (w: string, tok = peek()) => tok.t === "id" && tok.v.toLowerCase() === w;
  const expectOp = (o: string) => (peek().t === "op" && peek().v === o ? next() : fail(`expected "${o}", found ${describe(peek())}`));
  const describe = (tok: Token) => (tok.t === "eof" ? "the end" : JSON.stringify(tok.v));
  const unsupportedWord = (tok: Token) => {
    if (tok.t === "id" && UNSUPPORTED_WORDS.has(tok.v.toLowerCase())) fail(`unsupported construct "${tok.v}"`, tok);
  };

  const field = (): string => {
    const tok = peek();
    unsupportedWord(tok);
    if (tok.t === "field") return next().v;
    if (tok.t === "id" && !["and", "or", "not", "in", "like", "where", "by", "with", "true", "false", "null"].includes(tok.v.toLowerCase())) {
      if (peek(1).t === "op" && peek(1).v === "(") fail(`unsupported construct "${tok.v}(…)" (functions)`, tok);
      return next().v;
    }
    return fail(`expected a field, found ${describe(tok)}`);
  };

  const literal = (): Literal => {
    const tok = next();
    if (tok.t === "str") return tok.v;
    if (tok.t === "num") return Number(tok.v);
    if (tok.t === "id" && tok.v === "true") return true;
    if (tok.t === "id" && tok.v === "false") return false;
    if (tok.t === "id" && tok.v === "null") return null;
    return fail(`expected a value, found ${describe(tok)}`, tok);
  };

  const list = (): Literal[] => {
    expectOp("(");
    const vs = [literal()];
    while (peek().t === "op" && peek().v === ",") {
      next();
      vs.push(literal());
    }
    expectOp(")");
    return vs;
  };

  const strings = (vs: Literal[], tok: Token): string[] => vs.map((v) => (typeof v === "string" ? v : fail("like patterns must be strings", tok)));

  function primary(): Cond {
    if ((isWord("true") || isWord("false")) && !(peek(1).t === "op" && ["==", "!=", ":"].includes(peek(1).v))) return { k: "bool", value: next().v === "true" };
    if (peek().t === "op" && peek().v === "(") {
      next();
      const c = orExpr();
      expectOp(")");
      return c;
    }
    const at = peek();
    const f = field();
    const tok = peek();
    const mark = <T extends object>(c: T): T => {
      positions.set(c, { line: at.line, column: at.col });
      return c;
    };
    let negated = false;
    if (isWord("not") && isWord("in", peek(1))) {
      next();
      negated = true;
    }
    if (isWord("in")) {
      next();
      let insensitive = false;
      if (peek().t === "op" && peek().v === "~") {
        next();
        insensitive = true;
      }
      const c: Cond = mark({ k: "in", field: f, values: list(), insensitive });
      return negated ? { k: "not", item: c } : c;
    }
    if (isWord("like")) {
      next();
      let insensitive = false;
      if (peek().t === "op" && peek().v === "~") {
        next();
        insensitive = true;
      }
      const patterns = peek().t === "op" && peek().v === "(" ? strings(list(), tok) : strings([literal()], tok);
      return mark({ k: "like", field: f, patterns, insensitive });
    }
    if (tok.t === "op" && ["==", "!=", "<", "<=", ">", ">=", ":"].includes(tok.v)) {
      next();
      if (tok.v === ":" && peek().t === "op" && peek().v === "(") return mark({ k: "like", field: f, patterns: strings(list(), tok), insensitive: true });
      return mark({ k: "cmp", op: tok.v as "==", field: f, value: literal() });
    }
    if (tok.t === "id" && ["regex", "regex~"].includes(tok.v)) fail(`unsupported construct "${tok.v}"`, tok);
    return fail(`expected a comparison after ${JSON.stringify(f)}, found ${describe(tok)}`, at.t === "eof" ? at : tok);
  }

  function notExpr(): Cond {
    if (isWord("not") && !isWord("in", peek(1))) {
      next();
      return { k: "not", item: notExpr() };
    }
    return primary();
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
    unsupportedWord(tok);
    if (tok.t !== "id") fail(`expected an event category, found ${describe(tok)}`);
    const category = next().v;
    if (!isWord("where")) fail(`expected "where", found ${describe(peek())}`);
    next();
    return { category, where: orExpr() };
  }

  const byFields = (): string[] => {
    if (!isWord("by")) return [];
    next();
    const fs = [field()];
    while (peek().t === "op" && peek().v === ",") {
      next();
      fs.push(field());
    }
    return fs;
  };

  let q: Query;
  if (isWord("sequence")) {
    const start = next();
    const by = byFields();
    let maxspanMs: number | undefined;
    if (isWord("with")) {
      next();
      if (!isWord("maxspan")) fail(`unsupported construct "with ${peek().v}"`);
      next();
      expectOp("=");
      const n = next();
      if (n.t !== "num") fail("expected a duration", n);
      const unit = peek().t === "id" && peek().line === n.line && peek().col === n.col + n.v.length ? next().v : "";
      if (!(unit in DURATION)) fail(`unsupported maxspan unit "${unit}"`, n);
      maxspanMs = Number(n.v) * DURATION[unit];
    }
    const stages: { query: EventQuery; by: string[] }[] = [];
    while (peek().t === "op" && peek().v === "[") {
      const open = next();
      const query = eventQuery();
      expectOp("]");
      const stage = { query, by: byFields() };
      positions.set(stage, { line: open.line, column: open.col });
      stages.push(stage);
    }
    if (stages.length < 2) fail("a sequence needs at least two stages");
    q = { kind: "sequence", by, maxspanMs, stages };
    positions.set(q, { line: start.line, column: start.col });
  } else q = { kind: "event", query: eventQuery() };
  unsupportedWord(peek());
  if (peek().t === "op" && peek().v === "|") fail('unsupported construct "|" (pipes)');
  if (peek().t !== "eof") fail(`unexpected ${describe(peek())}`);
  return q;
}
