// EQL `regex` / `regex~` patterns (Lucene regular-expression syntax, as Elasticsearch's regexp query reads them)
// compiled on the host into one deterministic automaton over UTF-8 bytes, which the engine runs with one table
// lookup per byte (assembly/regex.ts): no backtracking, and a state count capped at load.
//
// Syntax: literals, `\` quotes the next character, `.` any character, `[…]` / `[^…]` classes with ranges,
// `\d \D \s \S \w \W`, `"…"` a quoted literal string, `( )` groups, `|`, `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`,
// `@` any string, `#` the empty language. A pattern matches the whole value (Lucene patterns are anchored: `^`
// and `$` are ordinary characters). `~` (complement), `&` (intersection) and `<…>` (numeric intervals, named
// automata) are valid Lucene syntax that podprobe refuses for now. `regex~` folds ASCII letters only, as
// Lucene's case-insensitive flag does.
//
// Automaton blob (stored as one program string, so 4-byte aligned):
//   u16 states | u16 classes | u16 start | u16 0 | u8[256] byte → class | accept bits (states bits, padded to 4)
//   | u16[states × classes] next state (0xFFFF: no match possible)

export const MAX_DFA_STATES = 512;
const MAX_NFA_STATES = 20_000;
const DEAD = 0xffff;

export class RegexError extends Error {
  constructor(detail: string, readonly kind: "syntax" | "unsupported" | "too-large") {
    super(detail);
    this.name = "RegexError";
  }
}

// ── pattern → tree over code-point ranges ─────────────────────────────────────────────────────────────

type Ranges = [number, number][]; // sorted, disjoint, inclusive code points
type Node =
  | { k: "set"; r: Ranges }
  | { k: "cat"; items: Node[] }
  | { k: "alt"; items: Node[] }
  | { k: "rep"; item: Node; min: number; max: number } // max Infinity: unbounded
  | { k: "empty" } // matches ""
  | { k: "none" }; // matches nothing

const MAX_CP = 0x10ffff;
const ANY: Ranges = [[0, MAX_CP]];
const DIGIT: Ranges = [[0x30, 0x39]];
const SPACE: Ranges = [[0x09, 0x0d], [0x20, 0x20]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];

function normalize(r: Ranges): Ranges {
  const s = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function negate(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalize(r)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/** ASCII letters of the ranges in both cases. */
function foldAscii(r: Ranges): Ranges {
  const extra: Ranges = [];
  for (const [a, b] of r) {
    for (const [lo, hi, d] of [[0x41, 0x5a, 0x20], [0x61, 0x7a, -0x20]] as const) {
      const x = Math.max(a, lo);
      const y = Math.min(b, hi);
      if (x <= y) extra.push([x + d, y + d]);
    }
  }
  return normalize([...r, ...extra]);
}

function parse(src: string, insensitive: boolean): Node {
  const cps = Array.from(src, (c) => c.codePointAt(0)!);
  let i = 0;
  const ch = (k = 0) => (i + k < cps.length ? String.fromCodePoint(cps[i + k]) : "");
  const err = (what: string, kind: "syntax" | "unsupported" = "syntax"): never => {
    throw new RegexError(`${what} at character ${i + 1} of the pattern`, kind);
  };
  const set = (r: Ranges): Node => ({ k: "set", r: insensitive ? foldAscii(r) : normalize(r) });

  function union(): Node {
    const items = [concat()];
    while (ch() === "|") {
      i++;
      items.push(concat());
    }
    return items.length === 1 ? items[0] : { k: "alt", items };
  }
  function concat(): Node {
    const items: Node[] = [];
    while (i < cps.length && ch() !== "|" && ch() !== ")") {
      if (ch() === "&") err('"&" (intersection)', "unsupported");
      items.push(repeat());
    }
    return items.length === 1 ? items[0] : items.length === 0 ? { k: "empty" } : { k: "cat", items };
  }
  function number(): number {
    const start = i;
    while (/[0-9]/.test(ch())) i++;
    if (i === start) err("expected a number in {…}");
    return Number(String.fromCodePoint(...cps.slice(start, i)));
  }
  function repeat(): Node {
    let n = complement();
    for (;;) {
      const c = ch();
      if (c === "?") n = { k: "rep", item: n, min: 0, max: 1 };
      else if (c === "*") n = { k: "rep", item: n, min: 0, max: Infinity };
      else if (c === "+") n = { k: "rep", item: n, min: 1, max: Infinity };
      else if (c === "{") {
        i++;
        const min = number();
        let max = min;
        if (ch() === ",") {
          i++;
          max = ch() === "}" ? Infinity : number();
        }
        if (ch() !== "}") err('expected "}"');
        if (max < min) err(`{${min},${max}}: the maximum is below the minimum`);
        n = { k: "rep", item: n, min, max };
      } else return n;
      i++;
    }
  }
  function complement(): Node {
    if (ch() === "~") err('"~" (complement)', "unsupported");
    return simple();
  }
  function escaped(): Node {
    i++; // backslash
    if (i >= cps.length) err("a pattern ending in \\");
    const c = ch();
    i++;
    if (c === "d") return set(DIGIT);
    if (c === "D") return set(negate(DIGIT));
    if (c === "s") return set(SPACE);
    if (c === "S") return set(negate(SPACE));
    if (c === "w") return set(WORD);
    if (c === "W") return set(negate(WORD));
    return set([[cps[i - 1], cps[i - 1]]]);
  }
  function classItem(): number | Ranges {
    if (ch() === "\\") {
      i++;
      if (i >= cps.length) err("a pattern ending in \\");
      const c = ch();
      i++;
      if (c === "d") return DIGIT;
      if (c === "D") return negate(DIGIT);
      if (c === "s") return SPACE;
      if (c === "S") return negate(SPACE);
      if (c === "w") return WORD;
      if (c === "W") return negate(WORD);
      return cps[i - 1];
    }
    return cps[i++];
  }
  function charClass(): Node {
    i++; // [
    const negated = ch() === "^";
    if (negated) i++;
    const r: Ranges = [];
    while (ch() !== "]") {
      if (i >= cps.length) err('an unterminated "[" class');
      const a = classItem();
      if (typeof a !== "number") {
        r.push(...a);
        continue;
      }
      if (ch() === "-" && ch(1) !== "]" && ch(1) !== "") {
        i++;
        const b = classItem();
        if (typeof b !== "number") err("a class shorthand as the end of a range");
        if ((b as number) < a) err("a range whose end is below its start");
        r.push([a, b as number]);
      } else r.push([a, a]);
    }
    i++; // ]
    const base = insensitive ? foldAscii(normalize(r)) : normalize(r);
    return { k: "set", r: negated ? negate(base) : base };
  }
  function simple(): Node {
    const c = ch();
    if (c === "") err("a missing operand");
    if (c === "(") {
      i++;
      if (ch() === ")") {
        i++;
        return { k: "empty" };
      }
      const n = union();
      if (ch() !== ")") err('expected ")"');
      i++;
      return n;
    }
    if (c === ")") err('an unmatched ")"');
    if (c === "[") return charClass();
    if (c === ".") {
      i++;
      return set(ANY);
    }
    if (c === "@") {
      i++;
      return { k: "rep", item: set(ANY), min: 0, max: Infinity };
    }
    if (c === "#") {
      i++;
      return { k: "none" };
    }
    if (c === "<") err('"<…>" (intervals and named automata)', "unsupported");
    if (c === '"') {
      i++;
      const items: Node[] = [];
      while (ch() !== '"') {
        if (i >= cps.length) err('an unterminated "…" string');
        items.push(set([[cps[i], cps[i]]]));
        i++;
      }
      i++;
      return items.length === 0 ? { k: "empty" } : { k: "cat", items };
    }
    if (c === "\\") return escaped();
    if (c === "?" || c === "*" || c === "+" || c === "{") err(`"${c}" with nothing to repeat`);
    i++;
    return set([[cps[i - 1], cps[i - 1]]]);
  }
  const n = union();
  if (i < cps.length) err(`an unmatched "${ch()}"`);
  return n;
}

// ── code-point ranges → UTF-8 byte-range sequences ────────────────────────────────────────────────────

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

/** Byte-range sequences whose concatenations are exactly the UTF-8 encodings of [lo, hi]. */
function utf8Sequences(lo: number, hi: number): Ranges[] {
  const out: Ranges[] = [];
  const pieces: [number, number][] = [];
  for (const [a, b] of [[0, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, MAX_CP]]) {
    const x = Math.max(lo, a);
    const y = Math.min(hi, b);
    if (x <= y) pieces.push([x, y]);
  }
  const split = (a: number, b: number) => {
    const n = utf8(a).length;
    for (let k = 1; k < n; k++) {
      const m = (1 << (6 * k)) - 1;
      if ((a & ~m) !== (b & ~m)) {
        if ((a & m) !== 0) {
          split(a, a | m);
          split((a | m) + 1, b);
          return;
        }
        if ((b & m) !== m) {
          split(a, (b & ~m) - 1);
          split(b & ~m, b);
          return;
        }
      }
    }
    const x = utf8(a);
    const y = utf8(b);
    out.push(x.map((v, k) => [v, y[k]]));
  };
  for (const [a, b] of pieces) split(a, b);
  return out;
}

// ── tree → byte NFA (Thompson) → DFA (subsets) → minimal DFA ──────────────────────────────────────────

interface Nfa {
  eps: number[][];
  edges: { lo: number; hi: number; to: number }[][];
}

function toNfa(root: Node): { nfa: Nfa; start: number; accept: number } {
  const nfa: Nfa = { eps: [], edges: [] };
  const state = () => {
    if (nfa.eps.length >= MAX_NFA_STATES) throw new RegexError(`the pattern needs more than ${MAX_NFA_STATES} automaton states (large repetitions)`, "too-large");
    nfa.eps.push([]);
    nfa.edges.push([]);
    return nfa.eps.length - 1;
  };
  // each builder returns [in, out]
  const build = (n: Node): [number, number] => {
    const a = state();
    const b = state();
    switch (n.k) {
      case "empty":
        nfa.eps[a].push(b);
        break;
      case "none":
        break;
      case "set":
        for (const [lo, hi] of n.r) {
          for (const seq of utf8Sequences(lo, hi)) {
            let from = a;
            seq.forEach(([x, y], k) => {
              const to = k === seq.length - 1 ? b : state();
              nfa.edges[from].push({ lo: x, hi: y, to });
              from = to;
            });
          }
        }
        break;
      case "cat": {
        let from = a;
        for (const it of n.items) {
          const [i, o] = build(it);
          nfa.eps[from].push(i);
          from = o;
        }
        nfa.eps[from].push(b);
        break;
      }
      case "alt":
        for (const it of n.items) {
          const [i, o] = build(it);
          nfa.eps[a].push(i);
          nfa.eps[o].push(b);
        }
        break;
      case "rep": {
        let from = a;
        for (let k = 0; k < n.min; k++) {
          const [i, o] = build(n.item);
          nfa.eps[from].push(i);
          from = o;
        }
        if (n.max === Infinity) {
          const [i, o] = build(n.item);
          nfa.eps[from].push(i, b);
          nfa.eps[o].push(i, b);
        } else {
          for (let k = n.min; k < n.max; k++) {
            const [i, o] = build(n.item);
            nfa.eps[from].push(i, b);
            from = o;
          }
          nfa.eps[from].push(b);
        }
        break;
      }
    }
    return [a, b];
  };
  const [start, accept] = build(root);
  return { nfa, start, accept };
}

interface Dfa {
  next: number[][]; // [state][byte] → state or -1
  accept: boolean[];
  start: number;
}

function toDfa(nfa: Nfa, start: number, accept: number): Dfa {
  const closure = (set: number[]): number[] => {
    const seen = new Set(set);
    const stack = [...set];
    while (stack.length) for (const t of nfa.eps[stack.pop()!]) if (!seen.has(t)) (seen.add(t), stack.push(t));
    return [...seen].sort((x, y) => x - y);
  };
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const dfa: Dfa = { next: [], accept: [], start: 0 };
  const id = (s: number[]): number => {
    const key = s.join(",");
    let k = ids.get(key);
    if (k === undefined) {
      if (sets.length >= MAX_DFA_STATES * 4) throw new RegexError(`the pattern needs more than ${MAX_DFA_STATES} automaton states`, "too-large");
      k = sets.length;
      ids.set(key, k);
      sets.push(s);
      dfa.next.push(new Array(256).fill(-1));
      dfa.accept.push(s.includes(accept));
    }
    return k;
  };
  dfa.start = id(closure([start]));
  for (let d = 0; d < sets.length; d++) {
    const byByte: number[][] = Array.from({ length: 256 }, () => []);
    for (const s of sets[d]) for (const e of nfa.edges[s]) for (let c = e.lo; c <= e.hi; c++) byByte[c].push(e.to);
    for (let c = 0; c < 256; c++) if (byByte[c].length) dfa.next[d][c] = id(closure(byByte[c]));
  }
  return dfa;
}

/** Moore's partition refinement: the minimal DFA (unreachable-from-accept states become the dead state). */
function minimize(dfa: Dfa): Dfa {
  const n = dfa.next.length;
  // states that can still reach an accepting state; the others are dead
  const live = dfa.accept.slice();
  for (let changed = true; changed; ) {
    changed = false;
    for (let s = 0; s < n; s++) if (!live[s] && dfa.next[s].some((t) => t >= 0 && live[t])) (live[s] = true, changed = true);
  }
  let cls: number[] = dfa.accept.map((a, s) => (!live[s] ? 0 : a ? 1 : 2));
  for (;;) {
    const sig = new Map<string, number>();
    const nextCls = cls.map((c, s) => {
      const key = c + ":" + dfa.next[s].map((t) => (t < 0 ? 0 : cls[t])).join(",");
      let k = sig.get(key);
      if (k === undefined) sig.set(key, (k = sig.size));
      return k;
    });
    const count = new Set(nextCls).size;
    if (count === new Set(cls).size) break;
    cls = nextCls;
  }
  // renumber: dead class disappears (−1)
  const deadClass = live.some((l) => !l) ? cls[live.findIndex((l) => !l)] : -1;
  const order = new Map<number, number>();
  const rep: number[] = [];
  const visit = (s: number) => {
    const c = cls[s];
    if (c === deadClass || order.has(c)) return;
    order.set(c, rep.length);
    rep.push(s);
  };
  visit(dfa.start);
  for (let k = 0; k < rep.length; k++) for (const t of dfa.next[rep[k]]) if (t >= 0) visit(t);
  return {
    start: 0,
    accept: rep.map((s) => dfa.accept[s]),
    next: rep.map((s) => dfa.next[s].map((t) => (t < 0 || cls[t] === deadClass ? -1 : order.get(cls[t])!))),
  };
}

const compiled = new Map<string, Uint8Array | RegexError>();

/** One automaton matching any of the patterns (whole value). Throws RegexError. Remembers its answers. */
export function compileRegex(patterns: string[], insensitive: boolean): Uint8Array {
  const key = JSON.stringify([patterns, insensitive]);
  let r = compiled.get(key);
  if (r === undefined) {
    try {
      r = build(patterns, insensitive);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      r = e;
    }
    compiled.set(key, r);
  }
  if (r instanceof RegexError) throw r;
  return r;
}

function build(patterns: string[], insensitive: boolean): Uint8Array {
  const trees = patterns.map((p) => parse(p, insensitive));
  const root: Node = trees.length === 1 ? trees[0] : { k: "alt", items: trees };
  const { nfa, start, accept } = toNfa(root);
  const dfa = minimize(toDfa(nfa, start, accept));
  const states = Math.max(1, dfa.next.length);
  if (states > MAX_DFA_STATES) throw new RegexError(`the pattern needs ${states} automaton states (at most ${MAX_DFA_STATES})`, "too-large");
  // byte classes: bytes with identical columns share a class
  const classOf = new Uint8Array(256);
  const columns = new Map<string, number>();
  const reps: number[] = [];
  for (let c = 0; c < 256; c++) {
    const key = dfa.next.map((row) => row[c]).join(",");
    let k = columns.get(key);
    if (k === undefined) {
      columns.set(key, (k = reps.length));
      reps.push(c);
    }
    classOf[c] = k;
  }
  const classes = reps.length;
  const acceptBytes = (Math.ceil(states / 8) + 3) & ~3;
  const size = 8 + 256 + acceptBytes + states * classes * 2;
  const out = new Uint8Array((size + 3) & ~3);
  const view = new DataView(out.buffer);
  view.setUint16(0, states, true);
  view.setUint16(2, classes, true);
  view.setUint16(4, 0, true);
  out.set(classOf, 8);
  for (let s = 0; s < dfa.accept.length; s++) if (dfa.accept[s]) out[264 + (s >> 3)] |= 1 << (s & 7);
  const table = 264 + acceptBytes;
  for (let s = 0; s < states; s++) {
    for (let k = 0; k < classes; k++) {
      const t = dfa.next.length ? dfa.next[s][reps[k]] : -1;
      view.setUint16(table + (s * classes + k) * 2, t < 0 ? DEAD : t, true);
    }
  }
  return out.subarray(0, size);
}

/** Runs a compiled automaton over a string on the host (tests and the reference model). */
export function runRegex(blob: Uint8Array, value: string): boolean {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const states = view.getUint16(0, true);
  const classes = view.getUint16(2, true);
  const acceptBytes = (Math.ceil(states / 8) + 3) & ~3;
  let s = 0;
  for (const b of new TextEncoder().encode(value)) {
    s = view.getUint16(264 + acceptBytes + (s * classes + blob[8 + b]) * 2, true);
    if (s === DEAD) return false;
  }
  return (blob[264 + (s >> 3)] & (1 << (s & 7))) !== 0;
}
