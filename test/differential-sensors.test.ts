// Differential: generated exec events of all three sensors (both Tracee schemas) and raw audit Events, in time
// order, through podprobe with the seed rule, against a small reference of that rule run on the ECS documents
// the events stand for (test/sensors.ts's reading, written independently of the shapes). The same sequences,
// and the same again when podprobe reads those ECS documents instead. Seeded.
import { expect, test } from "vitest";
import { run, s2raw, T0, ts } from "./helpers.js";
import { ecsOf, ecsRecord, falcoExec, nsOf, sensorLine, tetragonExec, traceeLegacyExec, traceeV1Exec, type Exec, type Obj } from "./sensors.js";

// ── the reference: the seed rule over ECS documents, records in time order (EQL's semantics) ─────────────
const NET = ["wget", "curl", "openssl", "socat", "ncat", "kubectl"];
const SHELLS = ["bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish", "busybox"];
const prefixed = (ns: string[]) => ns.flatMap((n) => [n, `/bin/${n}`, `/usr/bin/${n}`, `/usr/local/bin/${n}`]);
const CLIENTS = prefixed(["wget", "ssl_client", "curl", "openssl", "socat", "ncat", "kubectl"]);
const EXCLUDED = prefixed(["which", "man", "chmod", "chown"]);
const list = (v: unknown) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function isStage1(d: Obj): boolean {
  const p = d.process ?? {};
  const args = list(p.args);
  return (
    list(d.event?.category).includes("process") &&
    d.host?.os?.type === "linux" &&
    list(d.event?.type).includes("start") &&
    d.event?.action === "exec" &&
    (NET.includes(p.name) || (SHELLS.includes(p.name) && args.some((a) => CLIENTS.includes(a)) && !args.some((a) => EXCLUDED.includes(a)))) &&
    (p.interactive === true || p.interactive === "true") &&
    d.container?.id !== undefined &&
    d.container?.id !== null
  );
}

function isStage2(a: Obj): boolean {
  return ["ResponseComplete", "ResponseStarted"].includes(a.stage) && a.annotations?.["authorization.k8s.io/decision"] === "forbid";
}

type Rec = { line: string; ecs: string; s1?: { key?: string; t: bigint; pid: number }; s2?: { keys: string[]; t: bigint; id: string } };

/** Pairs (stage-1 pid, stage-2 auditID) the rule finds: the most recent earlier stage 1 of the key within 1 s. */
function reference(recs: Rec[]): string[] {
  const open = new Map<string, { t: bigint; pid: number }[]>();
  const pairs: string[] = [];
  for (const r of recs) {
    if (r.s2) {
      for (const k of r.s2.keys) {
        const c = open.get(k) ?? [];
        const last = c[c.length - 1];
        if (last && last.t <= r.s2.t && r.s2.t - last.t <= 1_000_000_000n) {
          pairs.push(`${last.pid}→${r.s2.id}`);
          open.set(k, []); // it and every older one are consumed
        }
      }
    }
    if (r.s1 && r.s1.key !== undefined) open.set(r.s1.key, [...(open.get(r.s1.key) ?? []), { t: r.s1.t, pid: r.s1.pid }]);
  }
  return pairs.sort();
}

const found = (alerts: Obj[]) => alerts.map((a) => `${a.podprobe.events[0]["process.pid"]}→${a.podprobe.events[1]["kubernetes.audit.auditID"]}`).sort();

// ── generated events ─────────────────────────────────────────────────────────────────────────────────────
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const PODS = ["api-7d9f", "web-1", "db-0", "job-x2", "cron-9"];
const PROGRAMS: { binary: string; argv: string[] }[] = [
  { binary: "/usr/bin/curl", argv: ["curl", "-sk", "https://kubernetes.default.svc/api/v1/secrets"] },
  { binary: "/usr/bin/curl", argv: ["curl", "-H", "Authorization: Bearer x.y.z", "https://10.0.0.1/api"] },
  { binary: "/usr/local/bin/kubectl", argv: ["kubectl", "get", "pods", "-A"] },
  { binary: "/usr/bin/wget", argv: ["wget", "-qO-", "http://kubernetes/api"] },
  { binary: "/bin/busybox", argv: ["wget", "-O", "out file", "http://x"] },
  { binary: "/bin/busybox", argv: ["busybox", "wget", "http://x"] },
  { binary: "/bin/busybox", argv: ["busybox", "which", "wget"] },
  { binary: "/bin/bash", argv: ["bash", "-c", "curl https://kubernetes.default.svc"] },
  { binary: "/bin/bash", argv: ["bash", "/usr/bin/curl", "-k", "https://x"] },
  { binary: "/bin/sh", argv: ["sh", "-c", "kubectl"] },
  { binary: "/bin/sh", argv: ["sh", "-c", 'echo "a b" "c d" && ls'] },
  { binary: "/usr/bin/openssl", argv: ["openssl", "s_client", "-connect", "kubernetes:443"] },
  { binary: "/usr/bin/ls", argv: ["ls", "-la", "/var/run/secrets"] },
  { binary: "/usr/bin/python3", argv: ["python3", "-c", "import os"] },
];

function sensorEvent(r: () => number, e: Exec): Obj {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const yes = r() < 0.7;
  switch (Math.floor(r() * 4)) {
    case 0:
      return tetragonExec(e, {
        inInitTree: yes ? false : pick([true, null]),
        probe: r() < 0.1,
        flags: pick(["execve rootcwd clone", "execve clone", "execve truncArgs clone", ...(r() < 0.2 ? ["procFS auid rootcwd"] : [])]),
        runtime: pick(["containerd", "cri-o", "docker"]),
        withTime: r() < 0.9,
      });
    case 1:
      return falcoExec(e, {
        ...(yes ? {} : { tty: pick([0, null]) }),
        indexed: pick([4, 4, 2, 0]),
        joined: r() < 0.8,
        cmdline: r() < 0.5,
        evtType: r() < 0.1 ? "connect" : pick(["execve", "execveat"]),
      });
    case 2:
      return traceeLegacyExec(e, { stdinType: yes ? pick(["S_IFCHR", 8192]) : pick(["S_IFIFO", "S_IFCHR"]), stdinPath: yes ? pick(["/dev/pts/0", "/dev/tty1", "/dev/console"]) : pick(["/dev/null", null, "pipe:[7]"]), flatPod: r() < 0.3 });
    default:
      return traceeV1Exec(e, { stdinType: yes ? pick(["S_IFCHR", 8192]) : pick(["S_IFIFO", 4096]), stdinPath: yes ? pick(["/dev/pts/5", "/dev/console"]) : pick(["/dev/null", null]) });
  }
}

function generate(seed: number, n: number): { recs: Rec[]; endMs: number } {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const recs: Rec[] = [];
  let ms = 0;
  let lastPod = PODS[0];
  for (let i = 0; i < n; i++) {
    ms += Math.floor(r() * 500);
    const time = ts(ms, Math.floor(r() * 1000));
    if (r() < 0.55) {
      const prog = pick(PROGRAMS);
      const e: Exec = { pod: r() < 0.9 ? pick(PODS) : undefined, ns: "default", time, binary: prog.binary, argv: prog.argv, pid: 1000 + i };
      if (e.pod) lastPod = e.pod;
      const rec = sensorEvent(r, e);
      const line = sensorLine(rec, time);
      const d = ecsOf(JSON.parse(line), line);
      const ecs = d ? ecsRecord(d) : JSON.parse(line);
      const s1 = d && isStage1(ecs) ? { key: ecs.orchestrator?.resource?.name, t: nsOf(time), pid: e.pid } : undefined;
      recs.push({ line, ecs: JSON.stringify(ecs), s1 });
    } else {
      // mostly the pod of the last exec, so that most execs meet a request within the span
      const pod = r() < 0.7 ? lastPod : pick([...PODS, "elsewhere"]);
      const a = s2raw(0, { pod, time, decision: pick(["forbid", "forbid", "allow"]), stage: pick(["ResponseComplete", "ResponseStarted", "RequestReceived"]), auditId: `audit-${seed}-${i}` });
      const line = JSON.stringify(a);
      recs.push({ line, ecs: line, s2: isStage2(a) ? { keys: [pod], t: nsOf(time), id: a.auditID as string } : undefined });
    }
  }
  return { recs, endMs: ms };
}

// (both validate modes: the literal prefilter must pass no sensor exec over that the full engine would match)
for (const validate of ["candidates", "all"] as const) {
  for (const seed of [1, 2, 3, 4]) {
    test(`seed ${seed} (validate ${validate}): the sequences podprobe finds in sensor events are the reference's, and the ECS documents' own`, () => {
      const { recs, endMs } = generate(seed, 600);
      const want = reference(recs);
      expect(want.length).toBeGreaterThan(3); // the generator makes sequences (and the other cases)
      const now = T0 + endMs + 1000;
      const sensors = run(recs.map((x) => x.line), { validate }, now);
      expect(found(sensors.alerts)).toEqual(want);
      expect(found(run(recs.map((x) => x.ecs), { validate }, now).alerts)).toEqual(want);
      // every record leaves once, in order, byte-identical but for the tag
      expect(sensors.records.length).toBe(recs.length);
      expect(sensors.stats.invalid).toBe(0);
    });
  }
}
