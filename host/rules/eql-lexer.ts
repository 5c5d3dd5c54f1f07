// The EQL lexer: the query's text into tokens, each with its line and column (1-based) and whether whitespace or
// a comment came before it. Keywords are lowercase words; identifiers are letters, digits and `_` after a letter,
// `_` or `@`; backticks quote any other name; strings are "…" with EQL's escapes, or """raw""". A character EQL
// does not use outside strings is refused with its position.

export type EqlErrorKind = "syntax" | "unsupported";

export class EqlError extends Error {
  constructor(readonly detail: string, readonly line: number, readonly column: number, readonly kind: EqlErrorKind = "syntax") {
    super(`${detail} at line ${line}, column ${column}`);
    this.name = "EqlError";
  }
}

export interface Token {
  t: "id" | "qid" | "str" | "int" | "dec" | "op" | "eof";
  v: string;
  line: number;
  col: number;
  /** No whitespace or comment before this token. */
  tight: boolean;
}

export const KEYWORDS = new Set(["and", "any", "by", "false", "in", "in~", "join", "like", "like~", "maxspan", "not", "null", "of", "or", "regex", "regex~", "sample", "sequence", "true", "until", "where", "with"]);
const OPS = ["![", "==", "!=", "<=", ">=", "<", ">", ":", "(", ")", "[", "]", ",", "=", "|", "+", "-", "*", "/", "%", ".", "?"];

const isIdStart = (c: string | undefined) => c !== undefined && /[A-Za-z_@]/.test(c);
const isIdPart = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  let tight = true;
  const adv = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (src[i] === "\n") {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  const err = (what: string, l = line, c = col, kind: EqlErrorKind = "syntax"): never => {
    throw new EqlError(what, l, c, kind);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      adv(1);
      tight = false;
      continue;
    }
    if (src.startsWith("/*", i)) {
      // comments nest, as in Elasticsearch's grammar
      const at = { line, col };
      let depth = 0;
      do {
        if (src.startsWith("/*", i)) {
          depth++;
          adv(2);
        } else if (src.startsWith("*/", i)) {
          depth--;
          adv(2);
        } else if (i >= src.length) err("unterminated comment", at.line, at.col);
        else adv(1);
      } while (depth > 0);
      tight = false;
      continue;
    }
    if (src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") adv(1);
      tight = false;
      continue;
    }
    const at = { line, col, tight };
    tight = true;
    const push = (t: Token["t"], v: string, n: number) => {
      out.push({ t, v, ...at });
      adv(n);
    };
    if (src.startsWith('"""', i)) {
      // raw string: no escapes, no line break; one or two quotes right after the closing three belong to it
      let j = i + 3;
      while (j < src.length && !src.startsWith('"""', j)) {
        if (src[j] === "\n" || src[j] === "\r") err('a line break inside a """raw""" string', at.line, at.col);
        j++;
      }
      if (j >= src.length) err("unterminated string", at.line, at.col);
      let end = j + 3;
      for (let k = 0; k < 2 && src[end] === '"'; k++) end++;
      push("str", src.slice(i + 3, end - 3), end - i);
      continue;
    }
    if (c === '"') {
      const { value, end } = quoted(src, i, at.line, at.col);
      push("str", value, end - i);
      continue;
    }
    if (c === "'") err('a single-quoted string (EQL strings use double quotes: "…")', at.line, at.col);
    if (c === "?" && (src[i + 1] === '"' || src[i + 1] === "'")) err(`?${src[i + 1]}…${src[i + 1]} strings (write raw strings as """…""")`, at.line, at.col);
    if (c === "`") {
      // a backquoted identifier; `` inside stands for one backtick
      let j = i + 1;
      let v = "";
      for (;;) {
        if (j >= src.length) err("unterminated `quoted` field name", at.line, at.col);
        if (src[j] === "`") {
          if (src[j + 1] === "`") {
            v += "`";
            j += 2;
            continue;
          }
          break;
        }
        v += src[j++];
      }
      push("qid", v, j + 1 - i);
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(src[i + 1]))) {
      const m = /^(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?/.exec(src.slice(i))!;
      const dec = m[0].includes(".") || m[2] !== undefined;
      push(dec ? "dec" : "int", m[0], m[0].length);
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (isIdPart(src[j])) j++;
      // in~, like~, regex~ and startsWith~( are one token
      if (src[j] === "~") j++;
      push("id", src.slice(i, j), j - i);
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      push("op", op, op.length);
      continue;
    }
    if (c === "~") err('"~" apart from the word it belongs to (write in~, like~, regex~ or name~(…) without a space)', at.line, at.col);
    err(`the character ${JSON.stringify(c)}, which EQL does not use outside strings`, at.line, at.col);
  }
  out.push({ t: "eof", v: "", line, col, tight });
  return out;
}

const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "'": "'", "\\": "\\" };

/** A "…" string at src[i]: its value (escapes \b \t \n \f \r \" \' \\ and \u{2 to 8 hex digits}) and end. */
function quoted(src: string, i: number, line: number, col: number): { value: string; end: number } {
  let j = i + 1;
  let v = "";
  const err = (what: string, at = j): never => {
    throw new EqlError(what, line, col + (at - i));
  };
  while (j < src.length && src[j] !== '"') {
    const c = src[j];
    if (c === "\n" || c === "\r") err("a line break inside a string (use \\n, or a \"\"\"raw\"\"\" string on one line)");
    if (c !== "\\") {
      v += c;
      j++;
      continue;
    }
    const e = src[j + 1];
    if (e === "u") {
      const m = /^\\u\{([0-9A-Fa-f]+)\}/.exec(src.slice(j));
      if (!m) err("a \\u escape without {hex digits} (write \\u{…})");
      const hex = m![1];
      if (hex.length < 2 || hex.length > 8) err(`the escape \\u{${hex}}: a \\u{…} escape has 2 to 8 hex digits`);
      const cp = parseInt(hex, 16);
      if (cp >= 0xd800 && cp <= 0xdfff) err(`the escape \\u{${hex}}: a surrogate code is not a character`);
      if (cp > 0x10ffff) err(`the escape \\u{${hex}}: not a Unicode character`);
      v += String.fromCodePoint(cp);
      j += m![0].length;
      continue;
    }
    if (e === undefined || !(e in ESCAPES)) err(`the escape \\${e ?? ""} (EQL strings know \\b \\t \\n \\f \\r \\" \\' \\\\ and \\u{…})`);
    v += ESCAPES[e];
    j += 2;
  }
  if (j >= src.length) err("unterminated string", i);
  return { value: v, end: j + 1 };
}
