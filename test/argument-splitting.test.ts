// Arguments a sensor writes as one string come back as process.args, split the way the sensor joined them:
// Tetragon quotes an argument only when it holds a space (and escapes nothing), Falco joins with plain spaces.
// Lossy where the join is: the split is what rules' `process.args in (…)` sees.
import { expect, test } from "vitest";
import { SEED_RULE, type SequenceRule } from "../host/index.js";
import { run, isAlertRecord } from "./helpers.js";
import { falcoExec, plainSplit, sensorLine, tetragonExec, tetragonJoin, tetragonSplit, type Exec, type Obj } from "./sensors.js";

const PROBE: SequenceRule = {
  ...structuredClone(SEED_RULE),
  id: "args",
  name: "args",
  stages: [{ when: { eq: "event.action", values: ["exec"] }, keys: ["orchestrator.resource.name"], namespace: { field: "orchestrator.namespace", from: "value" }, time: "@timestamp", summary: [{ name: "process.args" }] }],
  message: "args",
};

/** process.args as podprobe reads each record (undefined: none). */
function argsOf(recs: Obj[]): unknown[] {
  const out = run(recs.map((r) => sensorLine(r)), { rules: [PROBE] }).lines;
  const res: unknown[] = [];
  for (const l of out) {
    if (isAlertRecord(l)) res[res.length - 1] = JSON.parse(l).podprobe.events[0]["process.args"];
    else res.push(undefined);
  }
  return res;
}

const E: Exec = { pod: "p", time: "2026-01-21T10:00:00.000000000Z", binary: "/bin/sh", argv: ["sh"], pid: 1 };

/** A Tetragon exec whose `arguments` string is exactly s (empty: none written, as protojson leaves it out). */
function tetragonWith(s: string): Obj {
  const r = tetragonExec(E);
  if (s === "") delete r.process_exec.process.arguments;
  else r.process_exec.process.arguments = s;
  return r;
}

test("Tetragon: the quoting edge cases, each read as the join would have written it", () => {
  const cases: [string, string[]][] = [
    ["", []],
    ["-D", ["-D"]],
    ["--port 80 --host 0.0.0.0", ["--port", "80", "--host", "0.0.0.0"]],
    ['-c "curl https://ebpf.io/applications/#tetragon"', ["-c", "curl https://ebpf.io/applications/#tetragon"]],
    [' "first arg" second', ["first arg", "second"]], // a first argument with a space starts the string with one
    ['a "b c" "d e"', ["a", "b c", "d e"]],
    ['a "b c"', ["a", "b c"]],
    ["a  b", ["a", "", "b"]], // an empty argument between two
    ["a ", ["a", ""]],
    ['"x"', ['"x"']], // written bare (no space inside): the quotes are the argument's own
    ['a "b', ["a", '"b']], // no closing quote: a bare argument
    ['a "say "hi" there"', ["a", 'say "hi', 'there"']], // a quote then a space inside: cut there (lossy)
    ["tab\there", ["tab\there"]], // only spaces separate
    ["C:\\dir \\\\srv", ["C:\\dir", "\\\\srv"]],
    ["ünïcödé ✓", ["ünïcödé", "✓"]],
  ];
  const got = argsOf(cases.map(([s]) => tetragonWith(s)));
  cases.forEach(([s, want], i) => {
    expect(got[i], JSON.stringify(s)).toEqual(["/bin/sh", ...want]);
    expect(tetragonSplit(s), JSON.stringify(s)).toEqual(want); // the tests' reference agrees
  });
});

test("Tetragon: any arguments without a quote at a boundary come back exactly (seeded)", () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const alphabet = ["a", "b", "-", "/", ".", "=", " ", "\\", "é", "\t", '"', "x"];
  const argvs: string[][] = [];
  for (let k = 0; k < 300; k++) {
    const argv: string[] = [];
    for (let n = rnd(6); n > 0; n--) {
      let a = "";
      for (let m = 1 + rnd(8); m > 0; m--) a += alphabet[rnd(alphabet.length)];
      // Tetragon's join cannot carry these back: a quote at either end, or a quote before a space; empties
      if (a.startsWith('"') || a.endsWith('"') || a.includes('" ') || a.trim() === "" || a.startsWith(" ") || a.endsWith(" ")) a = `w${k}`;
      argv.push(a);
    }
    argvs.push(argv);
  }
  const got = argsOf(argvs.map((argv) => tetragonWith(tetragonJoin(argv))));
  argvs.forEach((argv, i) => expect(got[i], JSON.stringify(argv)).toEqual(["/bin/sh", ...argv]));
});

test("Falco: proc.exe and the indexed arguments exactly; else the joined arguments split at every space; else the command line", () => {
  const e: Exec = { ...E, binary: "/bin/busybox", argv: ["busybox", "wget", "-O", "out file", "http://x"] };
  const [exact, joined, cmdline, over] = argsOf([
    falcoExec(e), // 4 arguments, all 4 indexed
    falcoExec(e, { indexed: 2 }), // indexed ones missing: the join, split (the space in "out file" splits it)
    (() => {
      const r = falcoExec(e, { indexed: 0, joined: false, cmdline: true });
      delete r.output_fields["proc.exe"];
      return r;
    })(),
    falcoExec({ ...e, argv: [...e.argv, "a", "b"] }, { indexed: 4 }), // more arguments than indexes: the join
  ]);
  expect(exact).toEqual(["busybox", "wget", "-O", "out file", "http://x"]);
  expect(joined).toEqual(["busybox", "wget", "-O", "out", "file", "http://x"]);
  expect(cmdline).toEqual(["busybox", "wget", "-O", "out", "file", "http://x"]); // proc.name first
  expect(over).toEqual(["busybox", "wget", "-O", "out", "file", "http://x", "a", "b"]);
  expect(plainSplit("a  b")).toEqual(["a", "", "b"]);
  const [none] = argsOf([falcoExec({ ...e, argv: ["busybox"] })]);
  expect(none).toEqual(["busybox"]);
});

test("the seed rule's process.args test runs on the split arguments: a shell running curl matches, `which curl` does not", () => {
  const audit = { kind: "Event", apiVersion: "audit.k8s.io/v1", stage: "ResponseComplete", auditID: "a1", requestReceivedTimestamp: "2026-01-21T10:00:00.300000000Z", user: { username: "system:serviceaccount:default:sa", extra: { "authentication.kubernetes.io/pod-name": ["p"] } }, annotations: { "authorization.k8s.io/decision": "forbid" } };
  const shell = (argv: string[]) => tetragonExec({ ...E, binary: "/bin/bash", argv }, { inInitTree: false });
  const matches = (argv: string[]) => run([sensorLine(shell(argv)), audit]).stats.matches;
  expect(matches(["bash", "-c", "curl"])).toBe(1);
  expect(matches(["bash", "/usr/bin/curl", "-k"])).toBe(1);
  expect(matches(["bash", "-c", "curl https://kubernetes.default.svc"])).toBe(0); // one argument, as in ECS
  expect(matches(["bash", "which", "curl"])).toBe(0);
});
