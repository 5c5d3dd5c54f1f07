// V8 tiering for the engine, set by the command's entry point (never by the library: flags are process-wide).
// V8 first runs WASM in its baseline tier (Liftoff) and cannot switch a running function to optimised code, so
// the long batch loop would stay in baseline code: compiling optimised up front roughly doubles throughput, and
// compiling all of it before the first call rather than each function on its first call keeps compilation out of
// the first batches (first 16 MB: 125 -> 314 MB/s).
// A library user opts in the same way with `node --no-liftoff --no-wasm-dynamic-tiering --no-wasm-lazy-compilation app.js`.

import { setFlagsFromString } from "node:v8";

/** Must run before the first engine instance is created (the module is compiled once, with these flags). */
export function preferOptimizedWasm(): void {
  setFlagsFromString("--no-liftoff");
  setFlagsFromString("--no-wasm-dynamic-tiering");
  setFlagsFromString("--no-wasm-lazy-compilation");
}
