// Values a sensor shape derives (split arguments, a binary's basename, a selected array element) show in `peer`
// and the alert's events as valid JSON — the arguments a JSON array of strings, the name a string — within
// max_summary_bytes, escapes intact, credentials redacted as for ECS input.
import { expect, test } from "vitest";
import { run, s2raw } from "./helpers.js";
import { falcoExec, sensorLine, tetragonExec, tetragonSplit, tetragonJoin, traceeLegacyExec, traceeV1Exec, type Exec, type Obj } from "./sensors.js";

const AUDIT = s2raw(0, { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.300000000Z" });
const base: Exec = { pod: "web-1", ns: "shop", time: "2026-01-21T10:00:00.000000000Z", binary: "/usr/bin/curl", argv: ["curl"], pid: 9 };
const MAKERS: [string, (e: Exec) => Obj][] = [
  ["tetragon", (e) => tetragonExec(e)],
  ["falco", (e) => falcoExec(e, { indexed: 0 })],
  ["tracee v0.24", (e) => traceeLegacyExec(e)],
  ["tracee main", (e) => traceeV1Exec(e)],
];

test("awkward arguments come through as the JSON the record holds: quotes, backslashes, controls, non-ASCII", () => {
  const argv = ["curl", 'say "hi"', "C:\\path", "tab\there", "ünï✓", "-H", "x: y"];
  for (const [name, make] of MAKERS) {
    const r = run([sensorLine(make({ ...base, argv }), base.time), AUDIT]);
    expect(r.stats.matches, name).toBe(1);
    const peer = JSON.parse(r.tagged[0].line).podprobe.alerts[0].peer;
    const args = peer["process.args"];
    expect(Array.isArray(args) && args.every((a: unknown) => typeof a === "string"), name).toBe(true);
    if (name === "tetragon") expect(args).toEqual(["/usr/bin/curl", ...tetragonSplit(tetragonJoin(argv.slice(1)))]);
    else if (name === "falco") expect(args).toEqual(["curl", ...argv.slice(1).join(" ").split(" ")]); // split at every space
    else expect(args).toEqual(argv);
    expect(peer["process.name"], name).toBe("curl");
    expect(r.alerts[0].podprobe.events[0]["process.args"]).toEqual(args);
  }
});

test("a long argument list is cut to what fits max_summary_bytes, still a JSON array, argv[0] first", () => {
  const argv = ["curl", ...Array.from({ length: 400 }, (_, i) => `--opt-${i}=${"v".repeat(i % 17)}`)];
  for (const [name, make] of MAKERS) {
    const r = run([sensorLine(make({ ...base, argv }), base.time), AUDIT], { maxSummaryBytes: 512 });
    expect(r.stats.matches, name).toBe(1);
    const tag = JSON.parse(r.tagged[0].line).podprobe.alerts[0];
    const peerText = JSON.stringify(tag.peer);
    expect(Buffer.byteLength(peerText), name).toBeLessThanOrEqual(512);
    const args: string[] = tag.peer["process.args"];
    expect(args.length, name).toBeGreaterThan(3);
    expect(args.length, name).toBeLessThan(argv.length);
    expect(args.slice(1), name).toEqual(argv.slice(1, args.length));
    expect(r.alerts[0].podprobe.events[0]["process.args"]).toEqual(args);
  }
});

test("a bearer token in split arguments is redacted in peer and alert, as for ECS input", () => {
  const argv = ["curl", "-H", "Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "https://kubernetes.default.svc"];
  for (const [name, make] of MAKERS) {
    const r = run([sensorLine(make({ ...base, argv }), base.time), AUDIT]);
    const all = r.tagged[0].line + JSON.stringify(r.alerts[0]);
    expect(all, name).not.toContain("eyJhbGciOi");
    expect(all, name).toContain("[REDACTED]");
  }
});
