// Tables whose size the rule program decides (rules, stages, strings, sets, fields, paths, dispatch) are allocated
// once, when the program is loaded, through programAlloc: their bytes are counted (counter program_bytes), so the
// cost of a large rule pack is visible next to the state the options bound.

export let programBytes: usize = 0;

/** n bytes (zeroed) for a table sized from the program. */
export function programAlloc(n: usize): usize {
  const p = heap.alloc(n > 0 ? n : 4);
  memory.fill(p, 0, n);
  programBytes += n;
  return p;
}
