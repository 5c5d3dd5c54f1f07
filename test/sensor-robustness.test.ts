// Sensor-shaped records with anything in their fields (wrong types, escapes, empty and huge values, arrays of
// anything where Tracee keeps objects) never break the engine: every record leaves once, in order, unchanged but
// for a tag; tags and alert records are valid JSON; library and Fluent Bit filter agree. Seeded.
import { expect, test } from "vitest";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { run, s2raw, T0, ts, untag } from "./helpers.js";
import { falcoExec, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec, type Obj } from "./sensors.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const ODD: unknown[] = [
  null, true, false, 0, -1, 8192, 1.5e300, "", " ", '"', "\\", "\u0000\u001f", "/", "//", "://", "a://", "containerd://",
  "\\\"", ' \\"a b\\" ', '"', "ünï\u2028", "x".repeat(5000), " ".repeat(300), '" "', [], [null], [1, "a", {}], {}, { name: "argv" },
  [{ name: "argv", value: null }], [{ name: "argv" }], [{ value: ["x"], name: "argv" }], [{ name: "stdin_type", str: 8192 }], "/dev/pts/", "/dev/pts/x",
  Array.from({ length: 600 }, (_, i) => ({ name: `n${i}`, value: i })),
];

/** Replaces, deletes or adds a field somewhere in the record (depth-first walk, chosen by the generator). */
function mutate(o: Obj, r: () => number, depth = 0): void {
  const keys = Object.keys(o);
  if (keys.length === 0 || depth > 6) return;
  const k = keys[Math.floor(r() * keys.length)];
  const v = o[k];
  const roll = r();
  if (v && typeof v === "object" && !Array.isArray(v) && roll < 0.5) return mutate(v, r, depth + 1);
  if (Array.isArray(v) && v.length > 0 && roll < 0.3) {
    const i = Math.floor(r() * v.length);
    if (v[i] && typeof v[i] === "object" && !Array.isArray(v[i])) return mutate(v[i], r, depth + 1);
    v[i] = ODD[Math.floor(r() * ODD.length)];
    return;
  }
  if (roll < 0.6) o[k] = structuredClone(ODD[Math.floor(r() * ODD.length)]);
  else if (roll < 0.8) delete o[k];
  else o[k + "x"] = structuredClone(ODD[Math.floor(r() * ODD.length)]);
}

const MAKERS = [(e: Exec) => tetragonExec(e), (e: Exec) => falcoExec(e), (e: Exec) => traceeLegacyExec(e), (e: Exec) => traceeV1Exec(e)];

for (const seed of [11, 12, 13]) {
  test(`seed ${seed}: 1500 mutated sensor records, each with its pod's forbidden request`, () => {
    const r = rng(seed);
    const lines: string[] = [];
    for (let i = 0; i < 750; i++) {
      const time = ts(i * 10);
      const e: Exec = { pod: `p${i % 7}`, ns: "default", time, binary: "/usr/bin/curl", argv: ["curl", "-k", "x y", "https://z"], pid: i };
      const rec = MAKERS[i % 4](e);
      for (let m = Math.floor(r() * 4); m > 0; m--) mutate(rec, r);
      lines.push(sensorLine(rec, time), JSON.stringify(s2raw(i * 10 + 5, { pod: `p${i % 7}`, auditId: `a${i}` })));
    }
    const lib = run(lines, { latenessMs: 86_400_000 }, T0 + 60_000);
    expect(lib.records.length).toBe(lines.length);
    lib.records.forEach((l, i) => expect(untag(l)).toBe(lines[i]));
    for (const t of lib.tagged) expect(() => JSON.parse(t.line)).not.toThrow();
    expect(lib.stats.matches).toBeGreaterThan(50); // most records keep enough of themselves to match
    expect(lib.alerts.length).toBe(lib.stats.matches);
    const f = new FluentBitFilter();
    const fb = lines.map((l) => f.call(l, T0 + 60_000).toString());
    // the module's options are its defaults: the same as the library's here except lateness, which no record hits
    fb.forEach((l, i) => expect(untag(l)).toBe(lines[i]));
    expect(fb.filter((l) => l.includes('"podprobe":')).length).toBe(lib.tagged.length);
  });
}
