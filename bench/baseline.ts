// The bench's plain-TypeScript baselines: the same rule (host/rules/rule.ts), the same shapes (host/rules/shapes.ts) and the
// same sequence state and output format as the engine, with JSON.parse per line (`js_naive`) or only for lines
// that pass a sound byte prefilter (`js_prefilter`). The bench asserts their output is byte-identical to
// podprobe's before it reports any number, so this is also an independent second implementation.

import type { Expr, SequenceRule } from "../host/rules/rule.js";
import { SHAPES, aliasesOf } from "../host/rules/shapes.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b97f4a7c15n, P2 = 0xc2b2ae3d27d4eb4fn, P3 = 0x165667b19e3779f9n;
const SEED_ID = 0x73657175656e6365n;
const SEED_RULE_ID = 0x706f6470726f6265n;
function mix64(h: bigint): bigint {
  h ^= h >> 33n; h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n; h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  return h ^ (h >> 33n);
}
/** The engine's hashBytes (assembly/hash.ts), in BigInt. */
export function hashBytes(seed: bigint, b: Uint8Array): bigint {
  let h = (seed ^ ((BigInt(b.length) * P1) & M64)) & M64;
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  let p = 0;
  for (; p + 8 <= b.length; p += 8) {
    h = ((h ^ ((dv.getBigUint64(p, true) * P2) & M64)) * P1) & M64;
    h = ((h << 31n) | (h >> 33n)) & M64;
  }
  let tail = 0n;
  for (let s = 0n; p < b.length; p++, s += 8n) tail |= BigInt(b[p]) << s;
  h = ((h ^ ((tail * P3) & M64)) * P1) & M64;
  return mix64(h);
}
const combine = (a: bigint, b: bigint) => mix64((a ^ ((b + P1 + ((a << 6n) & M64) + (a >> 2n)) & M64)) & M64);

/** The engine's JSON string escaping (quote, backslash, controls as \u00xx). */
function esc(s: string): string {
  let o = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === "\\") o += "\\" + ch;
    else if (c < 0x20) o += "\\u00" + c.toString(16).padStart(2, "0");
    else o += ch;
  }
  return o;
}
const quote = (s: string) => `"${esc(s)}"`;

/** A logical field through a shape's aliases: nested, flattened and dotted keys alike. */
function lookup(o: Json | undefined, path: string, underscoreFrom = Infinity): Json | undefined {
  if (o === null || typeof o !== "object" || Array.isArray(o)) return undefined;
  if (underscoreFrom <= 0) {
    for (const k of Object.keys(o)) if (k.replace(/\./g, "_") === path) return o[k];
    return undefined;
  }
  if (Object.hasOwn(o, path)) return (o as Obj)[path];
  for (let i = path.indexOf("."); i >= 0; i = path.indexOf(".", i + 1)) {
    const head = path.slice(0, i);
    if (Object.hasOwn(o, head)) {
      const r = lookup((o as Obj)[head], path.slice(i + 1), underscoreFrom - i - 1);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

function fieldOf(rec: Obj, shape: number, name: string): Json | undefined {
  for (const a of aliasesOf(SHAPES[shape], name)) {
    if ("constant" in a) return a.constant;
    if ("derive" in a) throw new Error("baseline: the sensor shapes' derived values are not modelled");
    const v = lookup(rec, a.path, a.underscoreFrom ?? Infinity);
    if (v !== undefined) return v;
  }
  return undefined;
}

function evalExpr(e: Expr, rec: Obj, shape: number): boolean {
  if ("all" in e) return e.all.every((x) => evalExpr(x, rec, shape));
  if ("any" in e) return e.any.some((x) => evalExpr(x, rec, shape));
  if ("not" in e) return !evalExpr(e.not, rec, shape);
  const name = "eq" in e ? e.eq : "prefix" in e ? e.prefix : "exists" in e ? e.exists : "isTrue" in e ? e.isTrue : "eqCi" in e ? e.eqCi : "like" in e ? e.like : "cmp" in e ? e.cmp : undefined;
  if (name === undefined) throw new Error(`baseline: predicate ${Object.keys(e)[0]} is not modelled`);
  const v = fieldOf(rec, shape, name);
  if (v === undefined) return false;
  const each = Array.isArray(v) ? v : [v];
  const lower = (x: string) => x.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if ("eq" in e) return each.some((x) => typeof x === "string" && e.values.includes(x));
  if ("eqCi" in e) return each.some((x) => typeof x === "string" && e.values.some((y) => lower(y) === lower(x)));
  if ("like" in e) {
    const res = e.patterns.map((p) => new RegExp("^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "s" + (e.insensitive ? "i" : "")));
    return each.some((x) => typeof x === "string" && res.some((re) => re.test(x)));
  }
  if ("cmp" in e) {
    const rel = { "<": (a: number) => a < 0, "<=": (a: number) => a <= 0, ">": (a: number) => a > 0, ">=": (a: number) => a >= 0, "==": (a: number) => a === 0, "!=": (a: number) => a !== 0 }[e.rel];
    return each.some((x) => {
      if (typeof e.value === "number") {
        const n = typeof x === "number" ? x : typeof x === "string" && x.trim() !== "" ? Number(x) : NaN;
        return !Number.isNaN(n) && rel(n < e.value ? -1 : n > e.value ? 1 : 0);
      }
      return typeof x === "string" && rel(x < e.value ? -1 : x > e.value ? 1 : 0);
    });
  }
  if ("prefix" in e) return each.some((x) => typeof x === "string" && e.values.some((p) => x.startsWith(p)));
  if ("exists" in e) return Array.isArray(v) ? v.some((x) => x !== null) : v !== null;
  return each.some((x) => x === true || x === "true");
}

/** RFC 3339 (or epoch-ms number) to ns, as assembly/time.ts reads it; undefined when it is no time. */
export function timeNs(v: Json | undefined): bigint | undefined {
  if (typeof v === "number") {
    const m = /^(-?)(\d{1,13})(?:\.(\d+))?$/.exec(String(v));
    if (!m) return undefined;
    const ns = BigInt(m[2]) * 1_000_000n + BigInt((m[3] ?? "").padEnd(6, "0").slice(0, 6) || "0");
    return m[1] ? -ns : ns;
  }
  if (typeof v !== "string") return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?([Zz]|[+-]\d\d:?\d\d))?$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d, hh = "0", mi = "0", ss = "0"] = m.slice(1, 7).map((x) => x);
  const Y = +y, MO = +mo, D = +d;
  if (Y < 1678 || Y > 2261 || MO < 1 || MO > 12 || D < 1 || D > new Date(Date.UTC(Y, MO, 0)).getUTCDate()) return undefined;
  if (+hh > 23 || +mi > 59 || +ss > 59) return undefined;
  let s = BigInt(Date.UTC(Y, MO - 1, D, +hh, +mi, +ss)) / 1000n;
  const z = m[8];
  if (z && z !== "Z" && z !== "z") {
    const off = BigInt(+z.slice(1, 3) * 3600 + +z.slice(-2) * 60);
    s += z[0] === "+" ? -off : off;
  }
  return s * 1_000_000_000n + BigInt((m[7] ?? "").padEnd(9, "0").slice(0, 9) || "0");
}

function isoTime(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const base = new Date(Number(ms - (((ms % 1000n) + 1000n) % 1000n))).toISOString().slice(0, 19);
  const frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return `"${base}.${frac.toString().padStart(9, "0")}Z"`;
}

function spanMs(ns: bigint): string {
  const neg = ns < 0n;
  if (neg) ns = -ns;
  let s = (neg ? "-" : "") + (ns / 1_000_000n).toString();
  const frac = ns % 1_000_000n;
  if (frac !== 0n) s += "." + frac.toString().padStart(6, "0").replace(/0+$/, "");
  return s;
}

/** assembly/alert.ts redactCopy, over JSON text. */
function redact(t: string): string {
  let o = "";
  let p = 0;
  const tok = (c: string) => c !== '"' && c !== "\\" && c !== " " && c !== "," && c.charCodeAt(0) > 0x1f;
  const b64 = (c: string) => /[0-9A-Za-z_-]/.test(c);
  while (p < t.length) {
    if (t.slice(p, p + 7).toLowerCase() === "bearer ") {
      o += t.slice(p, p + 7);
      p += 7;
      while (t[p] === " ") o += t[p++];
      const s = p;
      while (p < t.length && tok(t[p])) p++;
      if (p > s) o += "[REDACTED]";
      continue;
    }
    if (t.slice(p, p + 7).toLowerCase() === "--token") {
      o += t.slice(p, p + 7);
      p += 7;
      if (t[p] === "=") o += t[p++];
      else if (t[p] === '"' && t[p + 1] === ",") {
        o += '",';
        p += 2;
        while (t[p] === " ") o += t[p++];
        if (t[p] === '"') o += t[p++];
      } else continue;
      const s = p;
      while (p < t.length && tok(t[p])) p++;
      if (p > s) o += "[REDACTED]";
      continue;
    }
    if (t.startsWith("eyJ", p)) {
      let q = p, ok = true;
      for (let part = 0; part < 3 && ok; part++) {
        const s = q;
        while (q < t.length && b64(t[q])) q++;
        if (part < 2) ok = q > s && t[q] === "." && !!++q;
      }
      if (ok) {
        o += "[REDACTED]";
        p = q;
        continue;
      }
    }
    o += t[p++];
  }
  return o;
}

interface Summary {
  json: string;
  values: (string | undefined)[]; // per summary field: its JSON text, or undefined when left out
}

interface Entry {
  t: bigint;
  seq: number;
  line: string;
  sum: Summary;
}

export interface BaselineOptions {
  rule: SequenceRule;
  nowMs: number;
  prefilter: boolean;
  latenessMs?: number;
  maxFutureMs?: number;
  ringCapacity?: number;
  maxKeys?: number;
  maxSummaryBytes?: number;
}

/** A correlator in plain TypeScript: feed it whole lines, get the output lines. */
export function createBaseline(o: BaselineOptions) {
  const rule = o.rule;
  const maxspan = BigInt(Math.round((rule.maxspanMs ?? 0) * 1e6));
  const lateness = BigInt((o.latenessMs ?? 5000) * 1e6);
  const futureLimit = BigInt(Math.trunc(o.nowMs * 1e6)) + BigInt((o.maxFutureMs ?? 60000) * 1e6);
  const ring = o.ringCapacity ?? 8;
  const maxKeys = o.maxKeys ?? 65536;
  const maxSummary = o.maxSummaryBytes ?? 2048;
  const enc = new TextEncoder();
  const ruleHash = hashBytes(SEED_RULE_ID, enc.encode(rule.id));
  const summaryNames = rule.stages.map((s) => ["@timestamp", ...s.summary.map((f) => f.name)]);
  const summaryFields = rule.stages.map((s) => [s.time, ...s.summary.map((f) => f.field ?? f.name)]);
  const redacted = rule.stages.map((s) => [false, ...s.summary.map((f) => f.redact === true)]);
  const state = new Map<string, [Entry[], Entry[]]>(); // insertion order = least recently used first
  let maxT: bigint | undefined;
  let seq = 0;

  function summarize(rec: Obj, shape: number, stage: number): Summary {
    let json = "{";
    const values: (string | undefined)[] = [];
    summaryFields[stage].forEach((f, i) => {
      const v = fieldOf(rec, shape, f);
      if (v === undefined) return values.push(undefined);
      const head = (json.length > 1 ? "," : "") + quote(summaryNames[stage][i]) + ":";
      const text = JSON.stringify(v);
      const room = maxSummary - Buffer.byteLength(json + head) - 1;
      if (Buffer.byteLength(text) <= room) {
        json += head + text;
        values.push(text);
      } else values.push(undefined); // (arrays that only partly fit: not produced by the bench corpus)
    });
    return { json: json + "}", values };
  }

  function message(key: string, pod: string, span: bigint, sums: Summary[]): string {
    const parts = rule.message.split(/(\{[^}]*\})/);
    return parts.map((part, i) => (i % 2 === 0 ? esc(part) : ref(part.slice(1, -1)))).join("");
    function ref(ref: string): string {
      if (ref === "key") return esc(key);
      if (ref === "pod") return esc(pod);
      if (ref === "span_ms") return spanMs(span);
      const [st, name] = [Number(ref.slice(0, ref.indexOf(":"))), ref.slice(ref.indexOf(":") + 1)];
      const i = summaryNames[st].indexOf(name);
      const text = sums[st].values[i];
      if (text === undefined) return "-";
      const r = redacted[st][i];
      const inner = (s: string) => (r ? redact(s) : s);
      const v = JSON.parse(text) as Json;
      if (typeof v === "string") return inner(text.slice(1, -1));
      if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? inner(JSON.stringify(x).slice(1, -1)) : "")).join(" ");
      if (typeof v === "object" && v !== null) return "";
      return text;
    }
  }

  const redactSummary = (s: Summary, stage: number) => {
    let j = s.json;
    s.values.forEach((v, i) => {
      if (v !== undefined && redacted[stage][i]) j = j.replace(`${quote(summaryNames[stage][i])}:${v}`, `${quote(summaryNames[stage][i])}:${redact(v)}`);
    });
    return j;
  };

  return function process(line: string, out: string[]): void {
    seq++;
    if (o.prefilter && !line.includes('"exec"') && !line.includes('"forbid"') && !line.includes("\\")) {
      out.push(line);
      return;
    }
    let rec: Json;
    try {
      rec = JSON.parse(line);
    } catch {
      out.push(line);
      return;
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
      out.push(line);
      return;
    }
    const shape = SHAPES.findIndex((s, i) => i > 0 && evalExpr(s.guard!, rec as Obj, 0));
    const sh = shape < 0 ? 0 : shape;
    const tags: string[] = [];
    const alerts: string[] = [];
    const inserts: { key: string; stage: number; e: Entry }[] = [];
    for (const stage of [1, 0]) {
      const st = rule.stages[stage];
      if (!evalExpr(st.when, rec, sh)) continue;
      const t = timeNs(fieldOf(rec, sh, st.time));
      if (t === undefined) continue;
      const kv = fieldOf(rec, sh, st.keys[0]);
      const keys = [...new Set((Array.isArray(kv) ? kv : [kv]).filter((k): k is string | number => typeof k === "string" || typeof k === "number").map(String))].slice(0, 4);
      if (keys.length === 0) continue;
      if (maxT !== undefined && t < maxT - lateness) continue;
      if (t <= futureLimit && (maxT === undefined || t > maxT)) maxT = t;
      const wm = maxT! - lateness;
      const sum = summarize(rec, sh, stage);
      for (const key of keys) {
        const entries = state.get(key);
        let paired = false;
        if (entries) {
          entries[0] = entries[0].filter((e) => !(e.t < wm - maxspan));
          entries[1] = entries[1].filter((e) => !(e.t < wm));
          const other = entries[1 - stage];
          let best: Entry | undefined;
          for (const e of other) {
            if (stage === 1 ? e.t > t || t - e.t > maxspan : e.t < t + 1n || e.t - t > maxspan) continue;
            const later = (a: Entry, b: Entry) => a.t > b.t || (a.t === b.t && a.seq > b.seq);
            if (!best || (stage === 1 ? later(e, best) : later(best, e))) best = e;
          }
          if (best) {
            paired = true;
            state.delete(key);
            state.set(key, entries);
            const recHash = hashBytes(SEED_ID, enc.encode(line));
            const eHash = hashBytes(SEED_ID, enc.encode(best.line));
            const id = combine(combine(ruleHash, hashBytes(SEED_ID, enc.encode(key))), stage === 0 ? combine(recHash, eHash) : combine(eHash, recHash));
            const hex = id.toString(16).padStart(16, "0");
            tags.push(`{"rule":{"id":${quote(rule.id)},"name":${quote(rule.name)}},"sequence":{"id":"${hex}","index":${stage},"key":${quote(key)}},"peer":${best.sum.json}}`);
            const [s1, s2, t1, t2] = stage === 1 ? [best.sum, sum, best.t, t] : [sum, best.sum, t, best.t];
            alerts.push(`{"@timestamp":${isoTime(t2)},"event":{"kind":"alert","module":"podprobe","severity":${rule.severity},"risk_score":${rule.riskScore}},"rule":{"id":${quote(rule.id)},"name":${quote(rule.name)}},"threat":${JSON.stringify(rule.threat)},"orchestrator":{"resource":{"name":${quote(key)}}},"podprobe":{"sequence":{"id":"${hex}","key":${quote(key)},"span_ms":${spanMs(t2 - t1)}},"events":[${redactSummary(s1, 0)},${redactSummary(s2, 1)}]},"message":"${message(key, key, t2 - t1, [s1, s2])}"}`);
            other.splice(other.indexOf(best), 1);
            const [ct, cs] = stage === 1 ? [best.t, best.seq] : [t, seq];
            entries[0] = entries[0].filter((e) => !(e.t < ct || (e.t === ct && e.seq <= cs)));
          }
        }
        if (!paired) inserts.push({ key, stage, e: { t, seq, line, sum } });
      }
    }
    for (const { key, stage, e } of inserts) {
      let entries = state.get(key);
      if (entries) state.delete(key);
      else {
        if (state.size >= maxKeys) state.delete(state.keys().next().value!);
        entries = [[], []];
      }
      state.set(key, entries);
      const list = entries[stage];
      if (list.length >= ring) {
        let oldest = 0;
        list.forEach((x, i) => {
          if (x.t < list[oldest].t || (x.t === list[oldest].t && x.seq < list[oldest].seq)) oldest = i;
        });
        list.splice(oldest, 1);
      }
      list.push(e);
    }
    if (tags.length && !Object.hasOwn(rec, "podprobe")) {
      const close = line.lastIndexOf("}");
      out.push(line.slice(0, close) + `,"podprobe":{"alerts":[${tags.join(",")}]}` + line.slice(close));
    } else out.push(line);
    out.push(...alerts);
  };
}
