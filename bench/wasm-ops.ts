// The deterministic cost proxy of the Fluent Bit module: how many WASM instructions it executes per record.
// Fluent Bit's WAMR runs modules in its fast interpreter, where time follows executed instructions, so the
// bench counts them on an instrumented copy of the module instead of timing it.
//
// instrumentOps() rewrites a module's code section: every straight-line run of instructions (a basic block:
// from a function's entry, a loop header, an if/else arm, the code after an `end` or after a conditional
// branch, up to and including the next control instruction) starts with
//   global.get $ops; i64.const <instructions in the run>; i64.add; global.set $ops
// and the module exports the counter as `__ops`. The structural markers block, loop, end and nop are not
// counted (the fast interpreter compiles them away); every other instruction executed counts once.
// doNothingModule() is the floor to compare against: a filter_wasm module that returns the record pointer it
// was given, with the cheapest allocator (a bump pointer that resets when every block is freed).
import binaryen from "binaryen";

class Reader {
  constructor(readonly b: Uint8Array, public p = 0) {}
  u8(): number {
    return this.b[this.p++];
  }
  u32(): number {
    let r = 0, shift = 0, c: number;
    do {
      c = this.b[this.p++];
      r += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return r;
  }
  /** Skips a signed LEB128 (any width). */
  sleb(): void {
    while (this.b[this.p++] & 0x80);
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let c = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) c |= 0x80;
    out.push(c);
  } while (n > 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  while (true) {
    const c = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(c & 0x40)) || (v === -1n && c & 0x40)) {
      out.push(c);
      return out;
    }
    out.push(c | 0x80);
  }
}

const OP = { unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e, return: 0x0f } as const;
/** Instructions after which a new straight-line run starts. */
const SPLIT = new Set<number>([OP.unreachable, OP.loop, OP.if, OP.else, OP.end, OP.br, OP.brIf, OP.brTable, OP.return]);
const UNCOUNTED = new Set<number>([OP.nop, OP.block, OP.loop, OP.end]);

/** Skips the immediates of the instruction whose opcode was just read. */
function skipImmediates(r: Reader, op: number): void {
  if (op === OP.block || op === OP.loop || op === OP.if) {
    const t = r.b[r.p];
    if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) r.p++;
    else r.sleb(); // a type index (s33)
  } else if (op === OP.br || op === OP.brIf || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) r.u32();
  else if (op === OP.brTable) {
    const n = r.u32();
    for (let i = 0; i <= n; i++) r.u32();
  } else if (op === 0x11) {
    r.u32();
    r.u32();
  } else if (op === 0x1c) {
    const n = r.u32();
    r.p += n;
  } else if (op >= 0x28 && op <= 0x3e) {
    r.u32();
    r.u32();
  } else if (op === 0x3f || op === 0x40) r.p++;
  else if (op === 0x41 || op === 0x42) r.sleb();
  else if (op === 0x43) r.p += 4;
  else if (op === 0x44) r.p += 8;
  else if (op === 0xd0) r.p++;
  else if (op === 0xfc) {
    const sub = r.u32();
    if (sub === 8) {
      r.u32();
      r.p++;
    } else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
    else if (sub === 10 || sub === 12 || sub === 14) {
      r.u32();
      r.u32();
    } else if (sub === 11) r.p++;
    else if (sub > 17) throw new Error(`wasm-ops: unknown 0xFC instruction ${sub}`);
  } else if (op === 0xfd) throw new Error("wasm-ops: SIMD instructions are not counted (the Fluent Bit build has none)");
  else if (op > 0xc4 && op !== 0xd1) throw new Error(`wasm-ops: unknown opcode 0x${op.toString(16)}`);
}

/** A straight-line run of a function's code: its function, its instructions (bytes, with immediates), weight. */
export interface Run {
  fn: number;
  code: Uint8Array;
  weight: number;
}

/**
 * One function body with a counter at the start of each straight-line run; `also` gives, for a run, another
 * global to add its weight to (-1: none).
 */
function instrumentBody(body: Uint8Array, counter: number, also: (weight: number, code: Uint8Array) => number): number[] {
  const r = new Reader(body);
  const locals = r.u32();
  for (let i = 0; i < locals; i++) {
    r.u32();
    r.p++;
  }
  const out: number[] = Array.from(body.subarray(0, r.p));
  const add = (g: number, w: number) => [0x23, ...uleb(g), 0x42, ...sleb(w), 0x7c, 0x24, ...uleb(g)];
  let runStart = r.p;
  let count = 0;
  let depth = 0;
  while (r.p < body.length) {
    const op = r.u8();
    skipImmediates(r, op);
    if (!UNCOUNTED.has(op)) count++;
    if (op === OP.block || op === OP.loop || op === OP.if) depth++;
    else if (op === OP.end) depth--;
    if (SPLIT.has(op) || depth < 0) {
      if (count > 0) {
        out.push(...add(counter, count));
        const g = also(count, body.subarray(runStart, r.p));
        if (g >= 0) out.push(...add(g, count));
      }
      out.push(...body.subarray(runStart, r.p));
      runStart = r.p;
      count = 0;
    }
  }
  if (runStart !== body.length || depth !== -1) throw new Error("wasm-ops: function body did not end where expected");
  return out;
}

/**
 * A copy of the module that counts executed instructions in an exported mutable i64 global `__ops`; with
 * `perFunction`, each defined function i also counts its own in `__ops_<i>` (for profiling).
 */
export function instrumentOps(bytes: Uint8Array, perFunction = false): Uint8Array<ArrayBuffer> {
  return instrument(bytes, perFunction ? "function" : "none").bytes;
}

/**
 * A copy that also counts, for each straight-line run of the functions `selected` picks (by index), the
 * instructions it executed, in an exported global `__run_<k>` for runs[k] (bench/wasm-runs.ts).
 */
export function instrumentRuns(bytes: Uint8Array, selected: (fn: number) => boolean): { bytes: Uint8Array<ArrayBuffer>; runs: Run[] } {
  return instrument(bytes, "run", selected);
}

function instrument(bytes: Uint8Array, by: "none" | "function" | "run", selected: (fn: number) => boolean = () => true): { bytes: Uint8Array<ArrayBuffer>; runs: Run[] } {
  const r = new Reader(bytes, 8);
  const sections: { id: number; body: Uint8Array }[] = [];
  while (r.p < bytes.length) {
    const id = r.u8();
    const size = r.u32();
    sections.push({ id, body: bytes.subarray(r.p, r.p + size) });
    r.p += size;
  }
  let importedGlobals = 0;
  const imports = sections.find((s) => s.id === 2);
  if (imports) {
    const ir = new Reader(imports.body);
    for (let n = ir.u32(); n > 0; n--) {
      ir.p += ir.u32();
      ir.p += ir.u32();
      const kind = ir.u8();
      if (kind === 0) ir.u32();
      else if (kind === 1) {
        ir.p++;
        if (ir.u8() & 1) ir.u32();
        ir.u32();
        ir.u32();
      } else if (kind === 2) {
        if (ir.u8() & 1) ir.u32();
        ir.u32();
      } else if (kind === 3) {
        ir.p += 2;
        importedGlobals++;
      } else throw new Error(`wasm-ops: import kind ${kind}`);
    }
  }
  let globals = sections.find((s) => s.id === 6);
  if (!globals) {
    globals = { id: 6, body: Uint8Array.of(0) };
    const after = sections.findIndex((s) => s.id !== 0 && s.id > 6 && s.id !== 12);
    sections.splice(after < 0 ? sections.length : after, 0, globals);
  }
  const gr = new Reader(globals.body);
  const defined = gr.u32();
  const counter = importedGlobals + defined;
  const code = sections.find((s) => s.id === 10);
  const functions = code ? new Reader(code.body).u32() : 0;
  // the code first: it decides how many counters there are (__ops, then one per function or per selected run)
  const runs: Run[] = [];
  if (code) {
    const cr = new Reader(code.body);
    const n = cr.u32();
    const out: number[] = [...uleb(n)];
    for (let i = 0; i < n; i++) {
      const size = cr.u32();
      const also = (weight: number, run: Uint8Array) => {
        if (by === "function") return counter + 1 + i;
        if (by !== "run" || !selected(i)) return -1;
        runs.push({ fn: i, code: Uint8Array.from(run), weight });
        return counter + runs.length;
      };
      const body = instrumentBody(code.body.subarray(cr.p, cr.p + size), counter, also);
      cr.p += size;
      out.push(...uleb(body.length), ...body);
    }
    code.body = Uint8Array.from(out);
  }
  const added = 1 + (by === "function" ? functions : runs.length);
  const zero = [0x7e, 0x01, 0x42, 0x00, 0x0b];
  globals.body = Uint8Array.from([...uleb(defined + added), ...globals.body.subarray(gr.p), ...Array.from({ length: added }, () => zero).flat()]);
  let exps = sections.find((s) => s.id === 7);
  if (!exps) {
    exps = { id: 7, body: Uint8Array.of(0) };
    sections.splice(sections.indexOf(globals) + 1, 0, exps);
  }
  const er = new Reader(exps.body);
  const nExports = er.u32();
  const exportOf = (name: string, g: number) => [...uleb(name.length), ...Buffer.from(name), 0x03, ...uleb(g)];
  const extra = [exportOf("__ops", counter)];
  for (let k = 1; k < added; k++) extra.push(exportOf(by === "function" ? `__ops_${k - 1}` : `__run_${k - 1}`, counter + k));
  exps.body = Uint8Array.from([...uleb(nExports + extra.length), ...exps.body.subarray(er.p), ...extra.flat()]);
  // (sections joined as buffers: the data section holds the rule program's block, too big to spread)
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections) parts.push(Uint8Array.from([s.id, ...uleb(s.body.length)]), s.body);
  return { bytes: new Uint8Array(Buffer.concat(parts)), runs };
}

/** The executed-instruction counter of an instance of an instrumented module. */
export function opsOf(exports: WebAssembly.Exports): bigint {
  return (exports.__ops as WebAssembly.Global).value as bigint;
}

/**
 * filter_wasm's `malloc` and `free` for the comparison modules: `malloc` bumps a pointer (with `slack` bytes after
 * each block, growing memory as needed), `free` resets it once every block is freed.
 */
function addBumpAllocator(m: binaryen.Module, slack: number): void {
  const i32 = binaryen.i32;
  const BASE = 1024;
  m.setMemory(1, 65536, "memory");
  m.addGlobal("top", i32, true, m.i32.const(BASE));
  m.addGlobal("live", i32, true, m.i32.const(0));
  // malloc(n): p = top; top = (p + n + slack + 7) & ~7; grow when top passes the memory's end; live++
  m.addFunction("malloc", binaryen.createType([i32]), i32, [i32, i32], m.block(null, [
    m.local.set(1, m.global.get("top", i32)),
    m.local.set(2, m.i32.and(m.i32.add(m.i32.add(m.local.get(1, i32), m.local.get(0, i32)), m.i32.const(slack + 7)), m.i32.const(-8))),
    m.if(m.i32.gt_u(m.local.get(2, i32), m.i32.shl(m.memory.size(), m.i32.const(16))),
      m.drop(m.memory.grow(m.i32.add(m.i32.shr_u(m.i32.sub(m.local.get(2, i32), m.i32.shl(m.memory.size(), m.i32.const(16))), m.i32.const(16)), m.i32.const(1))))),
    m.global.set("top", m.local.get(2, i32)),
    m.global.set("live", m.i32.add(m.global.get("live", i32), m.i32.const(1))),
    m.return(m.local.get(1, i32)),
  ], i32));
  m.addFunction("free", binaryen.createType([i32]), binaryen.none, [], m.if(m.local.get(0, i32), m.block(null, [
    m.global.set("live", m.i32.sub(m.global.get("live", i32), m.i32.const(1))),
    m.if(m.i32.eqz(m.global.get("live", i32)), m.global.set("top", m.i32.const(BASE))),
  ])));
}

/** Exports filter_wasm's three functions of a comparison module, validates, optimises and emits it. */
function emitFilterModule(m: binaryen.Module, name: string): Uint8Array<ArrayBuffer> {
  for (const f of ["malloc", "free", "podprobe_filter"]) m.addFunctionExport(f, f);
  if (!m.validate()) throw new Error(`${name} module does not validate`);
  m.optimize();
  const bytes = Uint8Array.from(m.emitBinary());
  m.dispose();
  return bytes;
}

/**
 * A filter_wasm module that does nothing: `podprobe_filter` returns the record pointer it got (Fluent Bit copies
 * the NUL-terminated record), `malloc` bumps a pointer (growing memory as needed), `free` resets it once every
 * block is freed. The floor podprobe's module is compared against.
 */
export function doNothingModule(): Uint8Array<ArrayBuffer> {
  const m = new binaryen.Module();
  const i32 = binaryen.i32;
  addBumpAllocator(m, 0);
  m.addFunction("podprobe_filter", binaryen.createType([i32, i32, i32, i32, i32, i32]), i32, [], m.local.get(4, i32));
  return emitFilterModule(m, "do-nothing");
}

const NAMES: Record<number, string> = {
  0x00: "unreachable", 0x02: "block", 0x03: "loop", 0x04: "if", 0x05: "else", 0x0b: "end", 0x0c: "br", 0x0d: "br_if", 0x0e: "br_table",
  0x0f: "return", 0x10: "call", 0x11: "call_indirect", 0x1a: "drop", 0x1b: "select", 0x20: "local.get", 0x21: "local.set",
  0x22: "local.tee", 0x23: "global.get", 0x24: "global.set", 0x28: "i32.load", 0x29: "i64.load", 0x2d: "i32.load8_u",
  0x2f: "i32.load16_u", 0x31: "i64.load8_u", 0x35: "i64.load32_u", 0x36: "i32.store", 0x37: "i64.store", 0x3a: "i32.store8",
  0x3b: "i32.store16", 0x41: "i32.const", 0x42: "i64.const", 0x45: "i32.eqz", 0x46: "i32.eq", 0x47: "i32.ne", 0x48: "i32.lt_s",
  0x49: "i32.lt_u", 0x4a: "i32.gt_s", 0x4b: "i32.gt_u", 0x4c: "i32.le_s", 0x4d: "i32.le_u", 0x4e: "i32.ge_s", 0x4f: "i32.ge_u",
  0x50: "i64.eqz", 0x51: "i64.eq", 0x52: "i64.ne", 0x54: "i64.lt_u", 0x56: "i64.gt_u", 0x58: "i64.le_u", 0x5a: "i64.ge_u",
  0x67: "i32.clz", 0x68: "i32.ctz", 0x69: "i32.popcnt", 0x6a: "i32.add", 0x6b: "i32.sub", 0x6c: "i32.mul", 0x71: "i32.and",
  0x72: "i32.or", 0x73: "i32.xor", 0x74: "i32.shl", 0x75: "i32.shr_s", 0x76: "i32.shr_u", 0x77: "i32.rotl", 0x79: "i64.clz",
  0x7a: "i64.ctz", 0x7b: "i64.popcnt", 0x7c: "i64.add", 0x7d: "i64.sub", 0x7e: "i64.mul", 0x83: "i64.and", 0x84: "i64.or",
  0x85: "i64.xor", 0x86: "i64.shl", 0x87: "i64.shr_s", 0x88: "i64.shr_u", 0x89: "i64.rotl", 0x8a: "i64.rotr", 0xa7: "i32.wrap_i64",
  0xac: "i64.extend_i32_s", 0xad: "i64.extend_i32_u",
};

/** A run's instructions by name (immediates left out; an opcode without a name here shows as 0x..). */
export function mnemonics(code: Uint8Array): string[] {
  const r = new Reader(code);
  const out: string[] = [];
  while (r.p < code.length) {
    const op = r.u8();
    skipImmediates(r, op);
    out.push(NAMES[op] ?? `0x${op.toString(16)}`);
  }
  return out;
}

/** A byte class {b : (b | mask) == pattern}, as the prefilter's table gives it. */
export interface ScanClass {
  mask: number;
  pattern: number;
}

/**
 * The do-nothing module plus the word-at-a-time class tests of the Fluent Bit build's first search step, and
 * nothing else: every 8-byte word of the record is tested against `classes` (a one-byte class without the OR that
 * forces each byte's high bit, as assembly/needles.ts does), eight words per branch, the last words one at a
 * time; no flagged byte is looked at. What a search with these classes costs at the least, to compare the
 * module's first step with (`npm run bench:ab`).
 */
export function scanFloorModule(classes: ScanClass[]): Uint8Array<ArrayBuffer> {
  const m = new binaryen.Module();
  const { i32, i64 } = binaryen;
  const ONES = 0x0101010101010101n, HIGHS = 0x8080808080808080n;
  const c64 = (v: bigint) => (m.i64.const as unknown as (v: bigint) => number)(BigInt.asIntN(64, v));
  // (32 bytes of slack after each block, as the module's allocator keeps: the last word may reach past the end)
  addBumpAllocator(m, 32);
  m.addGlobal("flagged", i32, true, m.i32.const(0));
  // locals of podprobe_filter: 0..5 params, 6 q, 7 end, 8 x
  const Q = 6, END = 7, X = 8;
  const test = (offset: number) => {
    const parts = classes.map((c, i) => {
      const x = i === 0 ? m.local.tee(X, m.i64.load(offset, 8, m.local.get(Q, i32)), i64) : m.local.get(X, i64);
      const y = c.mask === 0
        ? m.i64.xor(x, c64(ONES * BigInt(c.pattern | 0x80)))
        : m.i64.xor(m.i64.or(x, c64(ONES * BigInt(c.mask | 0x80))), c64(ONES * BigInt(c.pattern & 0x7f)));
      return m.i64.sub(y, c64(ONES));
    });
    return parts.reduce((a, b) => m.i64.and(a, b));
  };
  const flag = (z: number) => m.if(m.i64.ne(m.i64.and(z, c64(HIGHS)), c64(HIGHS)), m.global.set("flagged", m.i32.add(m.global.get("flagged", i32), m.i32.const(1))));
  let eight = test(0);
  for (let k = 1; k < 8; k++) eight = m.i64.and(eight, test(8 * k));
  m.addFunction("podprobe_filter", binaryen.createType([i32, i32, i32, i32, i32, i32]), i32, [i32, i32, i64], m.block(null, [
    m.local.set(Q, m.local.get(4, i32)),
    m.local.set(END, m.i32.add(m.local.get(4, i32), m.local.get(5, i32))),
    m.block("tail", [
      m.loop("steps", m.block(null, [
        m.br("tail", m.i32.gt_u(m.i32.add(m.local.get(Q, i32), m.i32.const(64)), m.local.get(END, i32))),
        flag(eight),
        m.local.set(Q, m.i32.add(m.local.get(Q, i32), m.i32.const(64))),
        m.br("steps"),
      ])),
    ]),
    m.loop("words", m.if(m.i32.lt_u(m.local.get(Q, i32), m.local.get(END, i32)), m.block(null, [
      flag(test(0)),
      m.local.set(Q, m.i32.add(m.local.get(Q, i32), m.i32.const(8))),
      m.br("words"),
    ]))),
    m.return(m.local.get(4, i32)),
  ], i32));
  return emitFilterModule(m, "scan-floor");
}
