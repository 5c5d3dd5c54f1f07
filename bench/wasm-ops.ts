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

/** One function body with a counter at the start of each straight-line run. */
function instrumentBody(body: Uint8Array, counter: number, own: number): number[] {
  const r = new Reader(body);
  const locals = r.u32();
  for (let i = 0; i < locals; i++) {
    r.u32();
    r.p++;
  }
  const out: number[] = Array.from(body.subarray(0, r.p));
  const add = (g: number, w: number) => [0x23, ...uleb(g), 0x42, ...sleb(w), 0x7c, 0x24, ...uleb(g)];
  const bump = (w: number) => (own >= 0 ? [...add(counter, w), ...add(own, w)] : add(counter, w));
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
      if (count > 0) out.push(...bump(count));
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
  const added = perFunction ? 1 + functions : 1;
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
  if (perFunction) for (let i = 0; i < functions; i++) extra.push(exportOf(`__ops_${i}`, counter + 1 + i));
  exps.body = Uint8Array.from([...uleb(nExports + extra.length), ...exps.body.subarray(er.p), ...extra.flat()]);
  if (code) {
    const cr = new Reader(code.body);
    const n = cr.u32();
    const out: number[] = [...uleb(n)];
    for (let i = 0; i < n; i++) {
      const size = cr.u32();
      const body = instrumentBody(code.body.subarray(cr.p, cr.p + size), counter, perFunction ? counter + 1 + i : -1);
      cr.p += size;
      out.push(...uleb(body.length), ...body);
    }
    code.body = Uint8Array.from(out);
  }
  // (sections joined as buffers: the data section holds the rule program's block, too big to spread)
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections) parts.push(Uint8Array.from([s.id, ...uleb(s.body.length)]), s.body);
  return new Uint8Array(Buffer.concat(parts));
}

/** The executed-instruction counter of an instance of an instrumented module. */
export function opsOf(exports: WebAssembly.Exports): bigint {
  return (exports.__ops as WebAssembly.Global).value as bigint;
}

/**
 * A filter_wasm module that does nothing: `podprobe_filter` returns the record pointer it got (Fluent Bit copies
 * the NUL-terminated record), `malloc` bumps a pointer (growing memory as needed), `free` resets it once every
 * block is freed. The floor podprobe's module is compared against.
 */
export function doNothingModule(): Uint8Array<ArrayBuffer> {
  const m = new binaryen.Module();
  const i32 = binaryen.i32;
  const BASE = 1024;
  m.setMemory(1, 65536, "memory");
  m.addGlobal("top", i32, true, m.i32.const(BASE));
  m.addGlobal("live", i32, true, m.i32.const(0));
  // malloc(n): p = top; top = (p + n + 7) & ~7; grow when top passes the memory's end; live++
  m.addFunction("malloc", binaryen.createType([i32]), i32, [i32, i32], m.block(null, [
    m.local.set(1, m.global.get("top", i32)),
    m.local.set(2, m.i32.and(m.i32.add(m.i32.add(m.local.get(1, i32), m.local.get(0, i32)), m.i32.const(7)), m.i32.const(-8))),
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
  m.addFunction("podprobe_filter", binaryen.createType([i32, i32, i32, i32, i32, i32]), i32, [], m.local.get(4, i32));
  for (const f of ["malloc", "free", "podprobe_filter"]) m.addFunctionExport(f, f);
  if (!m.validate()) throw new Error("do-nothing module does not validate");
  m.optimize();
  const bytes = Uint8Array.from(m.emitBinary());
  m.dispose();
  return bytes;
}
