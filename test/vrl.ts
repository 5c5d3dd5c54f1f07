// A small interpreter for exactly the part of VRL (Vector Remap Language, at the commit Vector 0.57.0 pins) that
// the examples/vector configs use, so tests run the configs' own programs instead of a copy of their logic.
// Semantics follow the VRL sources: `&&`/`||` share one precedence level, left to right, and short-circuit
// (`null`/`false` on the left of `&&` is false without evaluating the right); a path that is absent reads as
// null; a block's new variables end with the block while assignments to outer ones stay (closures too);
// `flatten` joins nested object keys with "." in byte order of keys, a later key winning a clash; `length` of
// a string counts bytes; `split(s, p, limit: n)` is Rust's splitn; `slice` cuts bytes; `get(v, [segments])` reads
// each string segment as one field (dots and all); `replace` takes a string pattern; an error in a `!` call
// fails the program (Vector then passes the event on unchanged). What VRL's type checker would refuse at
// compile time is approximated when the program runs: a fallible call without `!` or `x, err =`, and a path
// (whose type may be "missing") given to `+`, `-` or to a string/array parameter without `!`, are refused as VRL
// refuses them; `!` on a function that cannot fail, which VRL only warns about, is refused too; reserved words
// cannot name variables.
// Values: null, boolean, string, bigint (VRL integer), number (VRL float), array, Map (VRL object), Timestamp.

/** A VRL timestamp (UTC, nanoseconds since the epoch). */
export class Timestamp {
  constructor(readonly ns: bigint) {}
  /** As Vector writes one into JSON (value.rs timestamp_to_string: RFC 3339, SecondsFormat::AutoSi, Z). */
  toString(): string {
    const sec = this.ns >= 0n ? this.ns / 1_000_000_000n : -((-this.ns + 999_999_999n) / 1_000_000_000n);
    const frac = this.ns - sec * 1_000_000_000n;
    const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
    const digits = frac === 0n ? 0 : frac % 1_000_000n === 0n ? 3 : frac % 1_000n === 0n ? 6 : 9;
    return base + (digits ? "." + frac.toString().padStart(9, "0").slice(0, digits) : "") + "Z";
  }
}

export type Value = null | boolean | string | bigint | number | Timestamp | Value[] | Map<string, Value>;
export interface Event {
  value: Map<string, Value>;
  metadata: Map<string, Value>;
}

export class VrlError extends Error {}

// ---------- JSON as VRL's parse_json reads it: integers that fit i64 stay integers ----------

export function parseJson(text: string): Value {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw new VrlError(`invalid JSON at ${i}`);
  };
  const str = (): string => {
    if (text[i] !== '"') fail();
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    if (j >= text.length) fail();
    const s = JSON.parse(text.slice(i, j + 1)) as string;
    i = j + 1;
    return s;
  };
  const val = (): Value => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m = new Map<string, Value>();
      ws();
      if (text[i] === "}") {
        i++;
        return m;
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        if (text[i++] !== ":") fail();
        m.set(k, val()); // a repeated key: the later wins, as in serde_json's map
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] !== "}") fail();
        return m;
      }
    }
    if (c === "[") {
      i++;
      const a: Value[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(val());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] !== "]") fail();
        return a;
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    if (!m![2] && !m![3]) {
      const n = BigInt(m![0]);
      if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
    }
    return Number(m![0]);
  };
  const v = val();
  ws();
  if (i !== text.length) fail();
  return v;
}

/** A JavaScript value (as JSON.parse makes it) as a VRL value; integral numbers become integers. */
export function fromJs(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === "boolean" || typeof x === "string" || typeof x === "bigint") return x;
  if (typeof x === "number") return Number.isInteger(x) ? BigInt(x) : x;
  if (Array.isArray(x)) return x.map(fromJs);
  return new Map(Object.entries(x as object).map(([k, v]) => [k, fromJs(v)]));
}

/** VRL value → JSON text (object keys in byte order, as Vector's encoder writes a BTreeMap). */
export function toJson(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (v instanceof Timestamp) return JSON.stringify(v.toString());
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  return `{${sortedKeys(v).map((k) => `${JSON.stringify(k)}:${toJson(v.get(k)!)}`).join(",")}}`;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sortedKeys = (m: Map<string, Value>) => [...m.keys()].sort(byteOrder);

function kind(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return "integer";
  if (typeof v === "number") return "float";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") return "string";
  if (v instanceof Timestamp) return "timestamp";
  return Array.isArray(v) ? "array" : "object";
}

function equal(a: Value, b: Value): boolean {
  // integers and floats compare by value (VRL's eq_lossy)
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) return Number(a) === Number(b);
  if (kind(a) !== kind(b)) return false;
  if (a instanceof Timestamp) return a.ns === (b as Timestamp).ns;
  if (Array.isArray(a)) return a.length === (b as Value[]).length && a.every((x, i) => equal(x, (b as Value[])[i]));
  if (a instanceof Map) {
    const m = b as Map<string, Value>;
    return a.size === m.size && [...a].every(([k, x]) => m.has(k) && equal(x, m.get(k)!));
  }
  return a === b;
}

// ---------- lexer ----------

type Tok = { t: "str" | "int" | "id" | "p" | "nl" | "eof"; v: string; at: number; gap: boolean };

const PUNCT = ["->", "==", "!=", "<=", ">=", "&&", "||", "??", ".", "%", "[", "]", "{", "}", "(", ")", ",", ":", "|", "=", "!", "+", "-", "<", ">", ";"];
const RESERVED = new Set("if else true false null abort return array bool boolean break continue do emit float for forall foreach all each any try undefined int integer iter object regex string traverse timestamp duration unless walk while loop".split(" "));

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let gap = true;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      gap = true;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\n") {
      out.push({ t: "nl", v: "\n", at: i++, gap });
      gap = true;
      continue;
    }
    const at = i;
    if (c === '"') {
      let s = "";
      i++;
      while (src[i] !== '"') {
        if (i >= src.length) throw new VrlError("unterminated string");
        if (src[i] === "{" && src[i + 1] === "{") throw new VrlError("template strings are outside the subset");
        if (src[i] === "\\") {
          const e = src[i + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'", "0": "\0" };
          if (!(e in map)) throw new VrlError(`escape \\${e} is outside the subset`);
          s += map[e];
          i += 2;
        } else s += src[i++];
      }
      i++;
      out.push({ t: "str", v: s, at, gap });
    } else if (/[0-9]/.test(c)) {
      while (/[0-9]/.test(src[i] ?? "")) i++;
      out.push({ t: "int", v: src.slice(at, i), at, gap });
    } else if (/[A-Za-z_@]/.test(c)) {
      while (/[A-Za-z0-9_@]/.test(src[i] ?? "")) i++;
      out.push({ t: "id", v: src.slice(at, i), at, gap });
    } else {
      const p = PUNCT.find((x) => src.startsWith(x, i));
      if (!p) throw new VrlError(`unexpected ${JSON.stringify(c)} at ${i}`);
      i += p.length;
      out.push({ t: "p", v: p, at, gap });
    }
    gap = false;
  }
  out.push({ t: "eof", v: "", at: i, gap: true });
  return out;
}

// ---------- parser ----------

type Seg = { field: string } | { index: number };
type Base = { root: "event" | "meta" } | { variable: string };
type Node =
  | { k: "lit"; v: Value }
  | { k: "arr"; items: Node[] }
  | { k: "query"; base: Base; path: Seg[] }
  | { k: "op"; op: string; l: Node; r: Node }
  | { k: "not"; e: Node }
  | { k: "call"; name: string; bang: boolean; args: Node[]; named: Record<string, Node>; closure?: { params: string[]; body: Node[] } }
  | { k: "if"; branches: { cond: Node; body: Node[] }[]; otherwise?: Node[] }
  | { k: "assign"; target: Node & { k: "query" }; err?: string; e: Node };

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  private get tok(): Tok {
    return this.toks[this.i];
  }
  private is(v: string): boolean {
    return (this.tok.t === "p" || this.tok.t === "id") && this.tok.v === v;
  }
  private take(v: string): Tok {
    if (!this.is(v)) throw new VrlError(`expected ${v} at ${this.tok.at}, got ${JSON.stringify(this.tok.v)}`);
    return this.toks[this.i++];
  }
  private skipNl(): void {
    while (this.tok.t === "nl" || this.is(";")) this.i++;
  }

  program(): Node[] {
    const body = this.statements();
    if (this.tok.t !== "eof") throw new VrlError(`unexpected ${JSON.stringify(this.tok.v)} at ${this.tok.at}`);
    return body;
  }

  private statements(): Node[] {
    const out: Node[] = [];
    this.skipNl();
    while (this.tok.t !== "eof" && !this.is("}")) {
      out.push(this.statement());
      if (this.tok.t !== "eof" && !this.is("}") && this.tok.t !== "nl" && !this.is(";")) throw new VrlError(`expected a new line at ${this.tok.at}`);
      this.skipNl();
    }
    return out;
  }

  private block(): Node[] {
    this.take("{");
    const body = this.statements();
    this.take("}");
    return body;
  }

  private statement(): Node {
    if (this.is("if")) return this.ifStatement();
    // `ok, err = expr`
    if (this.tok.t === "id" && this.toks[this.i + 1].v === "," && this.toks[this.i + 2].t === "id" && this.toks[this.i + 3].v === "=") {
      const ok = this.variableName(this.toks[this.i].v);
      const err = this.variableName(this.toks[this.i + 2].v);
      this.i += 4;
      return { k: "assign", target: { k: "query", base: { variable: ok }, path: [] }, err, e: this.expr() };
    }
    const start = this.i;
    const e = this.expr();
    if (this.is("=") && e.k === "query") {
      this.i++;
      if ("variable" in e.base) this.variableName(e.base.variable);
      return { k: "assign", target: e, e: this.expr() };
    }
    if (this.is("=")) throw new VrlError(`cannot assign to the expression at ${this.toks[start].at}`);
    return e;
  }

  private variableName(v: string): string {
    if (RESERVED.has(v)) throw new VrlError(`${v} is a reserved word`);
    return v;
  }

  private ifStatement(): Node {
    const branches: { cond: Node; body: Node[] }[] = [];
    this.take("if");
    branches.push({ cond: this.expr(), body: this.block() });
    let otherwise: Node[] | undefined;
    while (this.is("else")) {
      this.i++;
      if (this.is("if")) {
        this.i++;
        branches.push({ cond: this.expr(), body: this.block() });
      } else {
        otherwise = this.block();
        break;
      }
    }
    return { k: "if", branches, otherwise };
  }

  // precedence, lowest first: ??  |  && ||  |  == !=  |  < <= > >=  |  + -  |  !
  private expr(): Node {
    return this.binary(0);
  }
  private static LEVELS = [["??"], ["&&", "||"], ["==", "!="], ["<", "<=", ">", ">="], ["+", "-"]];
  private binary(level: number): Node {
    if (level === Parser.LEVELS.length) return this.unary();
    let l = this.binary(level + 1);
    while (this.tok.t === "p" && Parser.LEVELS[level].includes(this.tok.v)) {
      const op = this.toks[this.i++].v;
      while (this.tok.t === "nl") this.i++; // a new line may follow an operator
      l = { k: "op", op, l, r: this.binary(level + 1) };
    }
    return l;
  }
  private unary(): Node {
    if (this.is("!")) {
      this.i++;
      return { k: "not", e: this.unary() };
    }
    return this.term();
  }

  private term(): Node {
    const t = this.tok;
    if (t.t === "str") {
      this.i++;
      return { k: "lit", v: t.v };
    }
    if (t.t === "int") {
      this.i++;
      return { k: "lit", v: BigInt(t.v) };
    }
    if (this.is("(")) {
      this.i++;
      const e = this.expr();
      this.take(")");
      return e;
    }
    if (this.is("[")) {
      this.i++;
      const items: Node[] = [];
      this.skipNl();
      while (!this.is("]")) {
        items.push(this.expr());
        this.skipNl();
        if (this.is(",")) this.i++;
        this.skipNl();
      }
      this.i++;
      return this.postfix({ k: "arr", items });
    }
    if (this.is(".") || this.is("%")) {
      this.i++;
      const root = t.v === "." ? "event" : "meta";
      const path: Seg[] = [];
      // `.` alone is the event; `.field` / `."field"` / `%field` go on without a gap
      if (!this.tok.gap && (this.tok.t === "id" || this.tok.t === "str")) path.push({ field: this.toks[this.i++].v });
      return this.postfix({ k: "query", base: { root }, path });
    }
    if (t.t === "id") {
      if (t.v === "true" || t.v === "false") {
        this.i++;
        return { k: "lit", v: t.v === "true" };
      }
      if (t.v === "null") {
        this.i++;
        return { k: "lit", v: null };
      }
      const next = this.toks[this.i + 1];
      if ((next.v === "(" || (next.v === "!" && this.toks[this.i + 2].v === "(")) && !next.gap) return this.call();
      this.i++;
      return this.postfix({ k: "query", base: { variable: this.variableName(t.v) }, path: [] });
    }
    throw new VrlError(`unexpected ${JSON.stringify(t.v)} at ${t.at}`);
  }

  /** Path segments right after a value without a gap: `.field`, `."field"`, `[n]`. */
  private postfix(n: Node): Node {
    const path: Seg[] = n.k === "query" ? n.path : [];
    for (;;) {
      if (this.tok.gap) break;
      if (this.is(".") && !this.toks[this.i + 1].gap && (this.toks[this.i + 1].t === "id" || this.toks[this.i + 1].t === "str")) {
        path.push({ field: this.toks[this.i + 1].v });
        this.i += 2;
      } else if (this.is("[")) {
        this.i++;
        const neg = this.is("-");
        if (neg) this.i++;
        const idx = this.tok;
        if (idx.t !== "int") throw new VrlError(`expected an index at ${idx.at}`);
        this.i++;
        this.take("]");
        path.push({ index: neg ? -Number(idx.v) : Number(idx.v) });
      } else break;
    }
    if (n.k === "query") return n;
    if (path.length) throw new VrlError("paths into literals are outside the subset");
    return n;
  }

  private call(): Node {
    const name = this.toks[this.i++].v;
    const bang = this.is("!");
    if (bang) this.i++;
    this.take("(");
    const args: Node[] = [];
    const named: Record<string, Node> = {};
    this.skipNl();
    while (!this.is(")")) {
      if (this.tok.t === "id" && this.toks[this.i + 1].v === ":") {
        const key = this.tok.v;
        this.i += 2;
        named[key] = this.expr();
      } else args.push(this.expr());
      this.skipNl();
      if (this.is(",")) this.i++;
      this.skipNl();
    }
    this.i++;
    let closure: { params: string[]; body: Node[] } | undefined;
    if (this.is("->")) {
      this.i++;
      this.take("|");
      const params: string[] = [];
      while (!this.is("|")) {
        if (this.tok.t !== "id") throw new VrlError(`expected a closure parameter at ${this.tok.at}`);
        params.push(this.variableName(this.toks[this.i++].v));
        if (this.is(",")) this.i++;
      }
      this.i++;
      closure = { params, body: this.block() };
    }
    return { k: "call", name, bang, args, named, closure };
  }
}

// ---------- evaluation ----------

/** Functions of the subset: whether they can fail (then `!` or `x, err =` is required) and what they do. */
type Fn = { fallible: boolean; typed?: boolean; run: (args: Value[], named: Record<string, Value>) => Value };

const asString = (v: Value, what: string): string => {
  if (typeof v !== "string") throw new VrlError(`${what}: expected string, got ${kind(v)}`);
  return v;
};

function flattenObject(m: Map<string, Value>, sep: string, prefix: string | undefined, out: Map<string, Value>): void {
  for (const k of sortedKeys(m)) {
    const key = prefix === undefined ? k : `${prefix}${sep}${k}`;
    const v = m.get(k)!;
    if (v instanceof Map) flattenObject(v, sep, key, out);
    else out.set(key, v);
  }
}

const FUNCTIONS: Record<string, Fn> = {
  parse_json: {
    fallible: true,
    run: ([v]) => parseJson(asString(v, "parse_json")),
  },
  is_object: { fallible: false, run: ([v]) => v instanceof Map },
  is_string: { fallible: false, run: ([v]) => typeof v === "string" },
  is_array: { fallible: false, run: ([v]) => Array.isArray(v) },
  is_integer: { fallible: false, run: ([v]) => typeof v === "bigint" },
  is_null: { fallible: false, run: ([v]) => v === null },
  object: {
    fallible: true,
    run: ([v]) => {
      if (!(v instanceof Map)) throw new VrlError(`object: got ${kind(v)}`);
      return v;
    },
  },
  array: {
    fallible: true,
    run: ([v]) => {
      if (!Array.isArray(v)) throw new VrlError(`array: got ${kind(v)}`);
      return v;
    },
  },
  string: { fallible: true, run: ([v]) => asString(v, "string") },
  to_string: {
    fallible: true,
    run: ([v]) => {
      if (typeof v === "string") return v;
      if (typeof v === "bigint" || typeof v === "boolean") return String(v);
      if (v === null) return "";
      throw new VrlError(`to_string: ${kind(v)} is outside the subset or cannot be coerced`);
    },
  },
  flatten: {
    fallible: false,
    run: ([v], named) => {
      if (!(v instanceof Map)) throw new VrlError(`flatten of ${kind(v)} is outside the subset`);
      const out = new Map<string, Value>();
      flattenObject(v, named.separator === undefined ? "." : asString(named.separator, "flatten separator"), undefined, out);
      return out;
    },
  },
  starts_with: {
    fallible: false,
    typed: true,
    run: ([v, s]) => Buffer.from(asString(v, "starts_with")).subarray(0, Buffer.byteLength(asString(s, "starts_with"))).equals(Buffer.from(s as string)),
  },
  length: {
    fallible: false,
    typed: true,
    run: ([v]) => {
      if (typeof v === "string") return BigInt(Buffer.byteLength(v));
      if (Array.isArray(v)) return BigInt(v.length);
      if (v instanceof Map) return BigInt(v.size);
      throw new VrlError(`length of ${kind(v)}`);
    },
  },
  slice: {
    fallible: true,
    run: ([v, start, end]) => {
      const b = Buffer.from(asString(v, "slice"));
      const len = b.length;
      let s = Number(start as bigint);
      if (s < 0) s += len;
      let e = end === undefined ? len : Number(end as bigint);
      if (e < 0) e += len;
      if (s < 0 || s > len) throw new VrlError("slice: start out of range");
      if (e < s) throw new VrlError("slice: end before start");
      return b.subarray(s, Math.min(e, len)).toString();
    },
  },
  from_unix_timestamp: {
    fallible: true,
    run: ([v], named) => {
      // stdlib/from_unix_timestamp.rs: an integer in the unit (default seconds)
      if (typeof v !== "bigint") throw new VrlError(`unable to coerce ${kind(v)} into timestamp`);
      const unit = named.unit === undefined ? "seconds" : asString(named.unit, "from_unix_timestamp unit");
      const scale: Record<string, bigint> = { seconds: 1_000_000_000n, milliseconds: 1_000_000n, microseconds: 1_000n, nanoseconds: 1n };
      if (!(unit in scale)) throw new VrlError(`from_unix_timestamp: unknown unit ${unit}`);
      const ns = v * scale[unit];
      // chrono's range (about ±262,000 years) is wider than JavaScript's Date, which the JSON writer here uses
      if (ns > 8_640_000_000_000_000_000_000n || ns < -8_640_000_000_000_000_000_000n) throw new VrlError(`unable to coerce ${v} into timestamp`);
      return new Timestamp(ns);
    },
  },
  contains: {
    fallible: false,
    typed: true,
    run: ([v, sub], named) => {
      // stdlib/contains.rs: both lowercased (Rust's Unicode to_lowercase) when case_sensitive is false
      const folded = named.case_sensitive === false;
      const a = asString(v, "contains");
      const b = asString(sub, "contains substring");
      return folded ? a.toLowerCase().includes(b.toLowerCase()) : a.includes(b);
    },
  },
  replace: {
    fallible: false,
    typed: true,
    run: ([v, pattern, replacement], named) => {
      // stdlib/replace.rs with a string pattern (a regex is outside the subset): Rust's str::replace for a count
      // below 0 (the default), str::replacen for one above, the value unchanged for 0
      const s = asString(v, "replace");
      const p = asString(pattern, "replace pattern");
      const w = asString(replacement, "replace with");
      const count = named.count === undefined ? -1 : Number(named.count as bigint);
      if (count === 0) return s;
      if (p === "") {
        // an empty pattern matches at every character boundary, both ends included
        const chars = [...s];
        const limit = count < 0 ? chars.length + 1 : count;
        let out = "";
        for (let i = 0; i <= chars.length; i++) out += (i < limit ? w : "") + (chars[i] ?? "");
        return out;
      }
      const parts = s.split(p);
      if (count < 0 || count >= parts.length - 1) return parts.join(w);
      return parts.slice(0, count + 1).join(w) + p + parts.slice(count + 1).join(p);
    },
  },
  push: {
    fallible: false,
    typed: true,
    run: ([v, item]) => {
      // stdlib/push.rs: a new array, the value unchanged
      if (!Array.isArray(v)) throw new VrlError(`push: expected array, got ${kind(v)}`);
      return [...v, item];
    },
  },
  get: {
    fallible: true,
    run: ([v, path]) => {
      // stdlib/get.rs: a string segment is one field (dots and all), an integer an index (negative from the end);
      // a segment of another type fails; a path that leads nowhere reads null
      if (!(v instanceof Map) && !Array.isArray(v)) throw new VrlError(`get: expected object or array, got ${kind(v)}`);
      if (!Array.isArray(path)) throw new VrlError(`get: path must be an array, got ${kind(path)}`);
      let at: Value = v;
      for (const seg of path) {
        if (typeof seg === "string") at = at instanceof Map ? (at.get(seg) ?? null) : null;
        else if (typeof seg === "bigint") {
          if (!Array.isArray(at)) at = null;
          else {
            const i = seg < 0n ? at.length + Number(seg) : Number(seg);
            at = i >= 0 && i < at.length ? at[i] : null;
          }
        } else throw new VrlError(`path segment must be either string or integer, not ${kind(seg)}`);
      }
      return at;
    },
  },
  split: {
    fallible: false,
    typed: true,
    run: ([v, pattern], named) => {
      const s = asString(v, "split");
      const p = asString(pattern, "split pattern");
      const limit = named.limit === undefined ? Infinity : Math.max(0, Number(named.limit as bigint));
      // Rust's str::splitn
      const out: string[] = [];
      let rest = s;
      while (out.length < limit) {
        const at = out.length === limit - 1 ? -1 : rest.indexOf(p);
        if (at < 0) {
          out.push(rest);
          break;
        }
        out.push(rest.slice(0, at));
        rest = rest.slice(at + p.length);
      }
      return out;
    },
  },
};

/** A path into a value: VRL types it as possibly missing (an "undefined" kind), which typed operations refuse. */
const mayBeMissing = (n: Node) => n.k === "query" && n.path.length > 0;

class Runner {
  vars = new Map<string, Value>();
  constructor(public event: Event) {}

  run(body: Node[]): void {
    this.block(body);
  }

  /** Runs a block; variables it introduced end with it. */
  private block(body: Node[], bound: [string, Value][] = []): Value {
    const before = new Set(this.vars.keys());
    for (const [k, v] of bound) this.vars.set(k, v);
    let last: Value = null;
    try {
      for (const n of body) last = this.eval(n);
    } finally {
      for (const k of [...this.vars.keys()]) if (!before.has(k)) this.vars.delete(k);
    }
    return last;
  }

  private baseValue(b: Base): Value {
    if ("root" in b) return b.root === "event" ? this.event.value : this.event.metadata;
    if (!this.vars.has(b.variable)) throw new VrlError(`undefined variable ${b.variable}`);
    return this.vars.get(b.variable)!;
  }

  private read(q: Node & { k: "query" }): Value {
    let v = this.baseValue(q.base);
    for (const s of q.path) {
      if ("field" in s) v = v instanceof Map ? (v.get(s.field) ?? null) : null;
      else if (Array.isArray(v)) {
        const i = s.index < 0 ? v.length + s.index : s.index;
        v = i >= 0 && i < v.length ? v[i] : null;
      } else v = null;
    }
    return v;
  }

  private write(q: Node & { k: "query" }, value: Value): void {
    if (q.path.length === 0) {
      if ("variable" in q.base) this.vars.set(q.base.variable, value);
      else if (!(value instanceof Map)) throw new VrlError("the event root can only be an object");
      else if (q.base.root === "event") this.event.value = value;
      else this.event.metadata = value;
      return;
    }
    let container = this.baseValue(q.base);
    if (!(container instanceof Map)) throw new VrlError("assignment into a value that is not an object is outside the subset");
    for (let i = 0; i < q.path.length - 1; i++) {
      const s = q.path[i];
      if (!("field" in s)) throw new VrlError("assignment through an index is outside the subset");
      let next = container.get(s.field);
      if (!(next instanceof Map)) {
        next = new Map();
        container.set(s.field, next);
      }
      container = next;
    }
    const last = q.path[q.path.length - 1];
    if (!("field" in last)) throw new VrlError("assignment to an index is outside the subset");
    container.set(last.field, value);
  }

  private remove(q: Node & { k: "query" }): Value {
    if (q.path.length === 0) throw new VrlError("del of a root is outside the subset");
    const parent = this.read({ ...q, path: q.path.slice(0, -1) });
    const last = q.path[q.path.length - 1];
    if (!(parent instanceof Map) || !("field" in last)) return null;
    const v = parent.get(last.field) ?? null;
    parent.delete(last.field);
    return v;
  }

  eval(n: Node, handled = false): Value {
    switch (n.k) {
      case "lit":
        return n.v;
      case "arr":
        return n.items.map((x) => this.eval(x));
      case "query":
        return this.read(n);
      case "not": {
        const v = this.eval(n.e);
        if (typeof v !== "boolean") throw new VrlError(`! of ${kind(v)}`);
        return !v;
      }
      case "op":
        return this.op(n);
      case "if": {
        for (const b of n.branches) {
          const c = this.eval(b.cond);
          if (typeof c !== "boolean") throw new VrlError(`if on ${kind(c)}: predicates must be booleans`);
          if (c) return this.block(b.body);
        }
        return n.otherwise ? this.block(n.otherwise) : null;
      }
      case "assign": {
        if (n.err !== undefined) {
          let ok: Value = null;
          let err: Value = null;
          try {
            ok = this.eval(n.e, true);
          } catch (e) {
            if (!(e instanceof VrlError)) throw e;
            err = e.message;
          }
          this.write(n.target, ok);
          this.vars.set(n.err, err);
          return ok;
        }
        const v = this.eval(n.e);
        this.write(n.target, v);
        return v;
      }
      case "call":
        return this.call(n, handled);
    }
  }

  private op(n: Node & { k: "op" }): Value {
    if (n.op === "??") {
      try {
        return this.eval(n.l, true);
      } catch (e) {
        if (!(e instanceof VrlError)) throw e;
        return this.eval(n.r);
      }
    }
    if (n.op === "&&") {
      const l = this.eval(n.l);
      if (l === null || l === false) return false;
      if (l !== true) throw new VrlError(`&& on ${kind(l)}`);
      const r = this.eval(n.r);
      if (r === null) return false;
      if (typeof r !== "boolean") throw new VrlError(`&& on ${kind(r)}`);
      return r;
    }
    if (n.op === "||") {
      const l = this.eval(n.l);
      return l === null || l === false ? this.eval(n.r) : l;
    }
    if ((n.op === "+" || n.op === "-") && (mayBeMissing(n.l) || mayBeMissing(n.r))) throw new VrlError(`${n.op} on a path that may be missing can fail (VRL refuses this)`);
    const l = this.eval(n.l);
    const r = this.eval(n.r);
    switch (n.op) {
      case "==":
        return equal(l, r);
      case "!=":
        return !equal(l, r);
      case "+":
        if (typeof l === "string" && typeof r === "string") return l + r;
        if (typeof l === "bigint" && typeof r === "bigint") return BigInt.asIntN(64, l + r);
        throw new VrlError(`${kind(l)} + ${kind(r)}`);
      case "-":
        if (typeof l === "bigint" && typeof r === "bigint") return BigInt.asIntN(64, l - r);
        throw new VrlError(`${kind(l)} - ${kind(r)}`);
      default: {
        const numeric = (typeof l === "bigint" || typeof l === "number") && (typeof r === "bigint" || typeof r === "number");
        if (!numeric && !(typeof l === "string" && typeof r === "string")) throw new VrlError(`${kind(l)} ${n.op} ${kind(r)}`);
        const c = numeric ? Math.sign(Number(l) - Number(r)) : byteOrder(l as string, r as string);
        return n.op === "<" ? c < 0 : n.op === "<=" ? c <= 0 : n.op === ">" ? c > 0 : c >= 0;
      }
    }
  }

  private call(n: Node & { k: "call" }, handled: boolean): Value {
    if (n.name === "del" || n.name === "exists") {
      const [q] = n.args;
      if (n.bang || q?.k !== "query" || n.args.length !== 1) throw new VrlError(`${n.name} takes one path and cannot fail`);
      if (n.name === "exists") {
        const parent = this.read({ ...q, path: q.path.slice(0, -1) });
        const last = q.path[q.path.length - 1];
        return last !== undefined && "field" in last && parent instanceof Map && parent.has(last.field);
      }
      return this.remove(q);
    }
    if (n.name === "for_each") {
      if (n.bang || !n.closure || n.args.length !== 1 || n.closure.params.length !== 2) throw new VrlError("for_each(value) -> |key, value| { … }");
      const c = this.eval(n.args[0]);
      const [kp, vp] = n.closure.params;
      for (const p of n.closure.params) if (this.vars.has(p)) throw new VrlError(`closure parameter ${p} shadows a variable`);
      if (Array.isArray(c)) c.forEach((v, i) => this.block(n.closure!.body, [[kp, BigInt(i)], [vp, v]]));
      else if (c instanceof Map) for (const k of sortedKeys(c)) this.block(n.closure.body, [[kp, k], [vp, c.get(k)!]]);
      else throw new VrlError(`for_each over ${kind(c)}`);
      return null;
    }
    const f = FUNCTIONS[n.name];
    if (!f) throw new VrlError(`function ${n.name} is outside the subset`);
    if (n.bang && !f.fallible) throw new VrlError(`${n.name}! aborts a function that cannot fail (VRL warns)`);
    // a path's type includes "may be missing", so a parameter of one type makes the call fallible
    const fallible = f.fallible || (f.typed === true && [...n.args, ...Object.values(n.named)].some(mayBeMissing));
    if (!n.bang && fallible && !handled) throw new VrlError(`${n.name}(…) can fail: handle it with ! or "x, err =" (VRL refuses this)`);
    const args = n.args.map((a) => this.eval(a));
    const named = Object.fromEntries(Object.entries(n.named).map(([k, v]) => [k, this.eval(v)]));
    return f.run(args, named);
  }
}

export interface Program {
  /** Runs the program on an event as a Vector `remap` transform does (drop_on_error false): on an error the
   *  event passes on unchanged and `error` says why. */
  run(event: Event): { event: Event; error?: string };
}

const clone = (v: Value): Value => (Array.isArray(v) ? v.map(clone) : v instanceof Map ? new Map([...v].map(([k, x]) => [k, clone(x)])) : v);

export function compile(source: string): Program {
  const body = new Parser(lex(source)).program();
  return {
    run(event) {
      const r = new Runner({ value: clone(event.value) as Map<string, Value>, metadata: clone(event.metadata) as Map<string, Value> });
      try {
        r.run(body);
        return { event: r.event };
      } catch (e) {
        if (!(e instanceof VrlError)) throw e;
        return { event, error: e.message };
      }
    },
  };
}

export const newEvent = (fields: Record<string, unknown> | Map<string, Value>): Event => ({
  value: fields instanceof Map ? fields : (fromJs(fields) as Map<string, Value>),
  metadata: new Map(),
});
