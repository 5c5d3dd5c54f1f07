// Drives build/podprobe-fluent-bit.wasm the way Fluent Bit's filter_wasm does (Event_Format json), in the order
// of flb_wasm_call_function_format_json (src/wasm/flb_wasm.c): instantiate with no imports; copy the tag, then
// the record, each NUL-terminated, into memory from the module's malloc (wasm_runtime_module_dup_data with
// len + 1); call the function with (tag, tag_len, time_sec, time_nsec, record, record_len); check that the
// result is a NUL-terminated string inside memory and copy it (strdup); only then free the tag and the record.
// So the result may be the record pointer itself. (Used by the ABI tests, the fuzz suite and the bench.)
import { readFileSync } from "node:fs";
import { wasmPath } from "../engine.js";
import { COUNTER_NAMES } from "../counters.js";

export const FB_WASM = wasmPath("podprobe-fluent-bit.wasm");

interface FbExports {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): void;
  podprobe_filter(tag: number, tagLen: number, sec: number, nsec: number, rec: number, recLen: number): number;
  podprobe_counters(): number;
  podprobe_ready(): number;
}

export class FluentBitFilter {
  readonly x: FbExports;
  /** Pointers of the last call: the record copy handed in and the result handed back. */
  lastRecord = 0;
  lastResult = 0;
  constructor(bytes: Uint8Array<ArrayBuffer> = readFileSync(FB_WASM)) {
    this.x = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as FbExports;
  }

  private dup(data: Uint8Array): number {
    const p = this.x.malloc(data.length + 1);
    if (p === 0) throw new Error("malloc returned 0");
    const m = new Uint8Array(this.x.memory.buffer);
    m.set(data, p);
    m[p + data.length] = 0;
    return p;
  }

  /** One record through the filter; throws where Fluent Bit would drop it (null, empty, bad pointer). */
  call(record: string | Uint8Array, timeMs: number, tag = "kube.var.log.containers"): Buffer {
    const rec = typeof record === "string" ? Buffer.from(record) : record;
    const tagBytes = Buffer.from(tag);
    const tp = this.dup(tagBytes);
    const rp = this.dup(rec);
    const ret = this.x.podprobe_filter(tp, tagBytes.length, Math.floor(timeMs / 1000), Math.round((timeMs % 1000) * 1e6), rp, rec.length);
    const m = new Uint8Array(this.x.memory.buffer);
    if (ret <= 0 || ret >= m.length) throw new Error(`bad result pointer ${ret}`);
    const end = m.indexOf(0, ret);
    if (end < 0) throw new Error("result not NUL-terminated");
    if (end === ret) throw new Error("empty result");
    const out = Buffer.from(m.subarray(ret, end)); // Fluent Bit copies before freeing its inputs
    this.x.free(tp);
    this.x.free(rp);
    this.lastRecord = rp;
    this.lastResult = ret;
    return out;
  }

  counter(i: number): number {
    return Number(new BigUint64Array(this.x.memory.buffer, this.x.podprobe_counters(), COUNTER_NAMES.length)[i]);
  }

  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }
}
