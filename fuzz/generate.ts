// Seeded record mutations for the fuzz suite (issue: hardening): random bytes, truncated and spliced real
// records, invalid UTF-8, lone surrogates, deep nesting, huge strings and arrays, duplicate keys, keys with dots
// and escapes, numbers of every form, NUL bytes, CR variants, and sizes at and just over max_record_bytes.
// Every record is one line (no '\n' inside).
import { rng, fixtureAuditLines, fixtureEcsAuditDocs, processEvent, rawAuditEvent, SAMPLE_BASE_MS } from "../host/cli/sample.js";

export const FUZZ_MAX_RECORD_BYTES = 16384;

function realRecords(): Buffer[] {
  const t = SAMPLE_BASE_MS;
  const recs: unknown[] = [
    processEvent({ ms: t, pod: "p1", namespace: "ns", name: "curl", args: ["curl", "-k", "https://x"], pid: 1 }),
    processEvent({ ms: t + 5, pod: "p2", namespace: "ns", name: "busybox", args: ["busybox", "wget", "http://y"], pid: 2 }),
    rawAuditEvent({ ms: t + 100, pod: "p1", namespace: "ns", serviceAccount: "sa", verb: "list", uri: "/api/v1/secrets", resource: "secrets", decision: "forbid", code: 403, auditId: "a1" }),
    { log: "hello", kubernetes: { pod_name: "p1" }, n: [1, 2.5, -3e2] },
  ];
  return [...recs.map((r) => Buffer.from(JSON.stringify(r))), ...[...fixtureAuditLines(), ...fixtureEcsAuditDocs()].map((l) => Buffer.from(l))];
}

const NUMBERS = ["0", "-0", "1", "-1", "1.5", "1e10", "1E+2", "-2.5e-3", "123456789012345678901234567890", "0.000001", "01", "1.", ".5", "+1", "1e", "-", "NaN", "Infinity", "0x10"];
const BAD_UTF8 = [[0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0xbc], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe]];

export interface FuzzGen {
  next(): Buffer;
}

export function fuzzGenerator(seed: number): FuzzGen {
  const r = rng(seed);
  const real = realRecords();
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (n: number) => Math.floor(r() * n);
  const noNl = (b: Buffer) => {
    for (let i = 0; i < b.length; i++) if (b[i] === 10) b[i] = 32;
    return b;
  };
  const at = (b: Buffer, i: number, ins: Buffer | number[]) => Buffer.concat([b.subarray(0, i), Buffer.from(ins), b.subarray(i)]);
  const quoteSpots = (b: Buffer) => {
    const spots: number[] = [];
    for (let i = 0; i < b.length; i++) if (b[i] === 0x22) spots.push(i);
    return spots;
  };
  const strategies: (() => Buffer)[] = [
    () => Buffer.from(Array.from({ length: int(200) }, () => int(256))),
    () => pick(real).subarray(0, int(pick(real).length)),
    () => {
      const a = pick(real), b = pick(real);
      return Buffer.concat([a.subarray(0, int(a.length)), b.subarray(int(b.length))]);
    },
    () => {
      const b = Buffer.from(pick(real));
      for (let k = 0; k < 1 + int(4); k++) b[int(b.length)] = int(256);
      return b;
    },
    () => {
      const b = pick(real);
      const q = quoteSpots(b);
      return q.length ? at(b, pick(q) + 1, pick(BAD_UTF8)) : b;
    },
    () => {
      const b = pick(real);
      const q = quoteSpots(b);
      return q.length ? at(b, pick(q) + 1, Buffer.from(pick(["\\ud800", "\\udfff", "\\ud83d\\ud83d", "\\ud83d\\ude00", "\\u0000", "\\u00e9"]))) : b;
    },
    () => {
      const d = 100 + int(60);
      const open = pick(["[", '{"a":']);
      return Buffer.from("{\"x\":" + open.repeat(d) + "1" + (open === "[" ? "]" : "}").repeat(d) + "}");
    },
    () => Buffer.from(JSON.stringify({ big: "s".repeat(int(2) ? 5000 : 100_000), ...JSON.parse(pick(real.slice(0, 3)).toString()) })),
    () => Buffer.from(`{"arr":[${Array.from({ length: int(3_000) }, (_, i) => (i % 3 ? i : `"${i}"`)).join(",")}]}`),
    () => {
      // a duplicate of a field the rule reads, nested or flattened
      const b = pick(real.slice(0, 3)).toString();
      return Buffer.from(b.replace(/^\{/, pick(['{"process.name":"curl",', '{"event":{"action":"exec"},', '{"orchestrator.resource.name":"p1",', '{"annotations":{},'])));
    },
    () => {
      // keys with dots and escapes
      const b = pick(real.slice(0, 3)).toString();
      return Buffer.from(b.replace('"name"', pick(['"n\\u0061me"', '"na\\u006de"'])).replace('"process"', pick(['"proc\\u0065ss"', '"process"'])));
    },
    () => Buffer.from(`{"n":${pick(NUMBERS)},"m":[${pick(NUMBERS)},${pick(NUMBERS)}]}`),
    () => at(pick(real), int(pick(real).length), [0]),
    () => {
      const b = pick(real);
      return pick([Buffer.concat([b, Buffer.from("\r")]), at(b, int(b.length), [13]), Buffer.concat([Buffer.from("\r"), b])]);
    },
    () => {
      // exactly at, and one byte over, max_record_bytes
      const over = int(2);
      const base = JSON.parse(pick(real.slice(0, 3)).toString());
      const s = JSON.stringify({ pad: "", ...base });
      return Buffer.from(s.replace('"pad":""', `"pad":"${"x".repeat(FUZZ_MAX_RECORD_BYTES - Buffer.byteLength(s) + over)}"`));
    },
    () => pick(real),
    () => Buffer.from(pick(["", " ", "{}", "[]", "null", "\"\"", "{\"podprobe\":1}", "{\"a\":1,}", "{,}", "{\"a\" 1}", "\t{\"a\":1}\t"])),
  ];
  return { next: () => noNl(Buffer.from(pick(strategies)())) };
}
