// Elastic-format rule files (test/rules) with the sequence shapes real rule packs use — several `by` fields, `with
// runs`, eight stages, no maxspan — load and run on generated records, in time order and out of order.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { run, s1, ts } from "./helpers.js";

const rule = (name: string) => ruleFromToml(parseToml(readFileSync(fileURLToPath(new URL(`./rules/${name}`, import.meta.url)), "utf8")), name);

const auth = (ms: number, outcome: string, o: { host?: string; user?: string; ip?: string; id?: number } = {}) => ({
  "@timestamp": ts(ms),
  event: { category: ["authentication"], outcome },
  host: { id: o.host ?? "h1" },
  user: { name: o.user ?? "alice" },
  source: { ip: o.ip ?? "10.0.0.1" },
  process: { pid: o.id ?? ms },
});
const pids = (r: ReturnType<typeof run>) => r.alerts[0].podprobe.events.map((e: Record<string, unknown>) => e["process.pid"]);

test("sequence by host.id, user.name … by source.ip: joins on all three, in either arrival order", () => {
  const rules = [rule("multi-key-sequence.toml")];
  const recs = [auth(0, "failure"), auth(5000, "success", { ip: "10.0.0.2" }), auth(9000, "success")];
  const r = run(recs, { rules });
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.key).toBe("h1/alice/10.0.0.1");
  expect(pids(r)).toEqual([0, 9000]);
  // out of order within lateness
  expect(run([recs[2], recs[1], recs[0]], { rules, latenessMs: 10_000 }).stats.matches).toBe(1);
  // another user on the same host and address: no sequence
  expect(run([auth(0, "failure", { user: "bob" }), auth(100, "success")], { rules }).stats.matches).toBe(0);
});

test("with runs=3: three failures, then a success, within 15 s — also shuffled; two failures are not enough", () => {
  const rules = [rule("runs-sequence.toml")];
  const recs = [auth(0, "failure"), auth(1000, "failure"), auth(2000, "failure"), auth(3000, "success")];
  const r = run(recs, { rules });
  expect(r.stats.matches).toBe(1);
  expect(pids(r)).toEqual([0, 1000, 2000, 3000]);
  expect(run([recs[3], recs[1], recs[0], recs[2]], { rules }).stats.matches).toBe(1);
  expect(run([recs[0], recs[1], recs[3]], { rules }).stats.matches).toBe(0);
  expect(run([auth(0, "failure"), auth(1000, "failure"), auth(2000, "failure"), auth(15_001, "success")], { rules }).stats.matches).toBe(0);
});

test("eight stages within 5 minutes, in any arrival order; with one step missing, none", () => {
  const rules = [rule("eight-stages.toml")];
  const names = ["id", "whoami", "uname", "hostname", "ps", "netstat", "curl", "kubectl"];
  const recs = names.map((name, i) => s1(i * 20_000, { name, pid: i, args: [name] }));
  const order = [3, 7, 0, 5, 1, 6, 2, 4];
  const r = run(order.map((i) => recs[i]), { rules, latenessMs: 300_000 }, Date.parse("2026-01-21T10:05:00Z"));
  expect(r.stats.matches).toBe(1);
  expect(pids(r)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(run(recs.filter((_, i) => i !== 4), { rules }, Date.parse("2026-01-21T10:05:00Z")).stats.matches).toBe(0);
});

test("no maxspan: a token read, then kubectl two hours later, is a sequence", () => {
  const rules = [rule("no-maxspan.toml")];
  const read = { "@timestamp": ts(0), event: { category: ["file"], action: "open" }, file: { path: "/var/run/secrets/kubernetes.io/serviceaccount/token" }, orchestrator: { resource: { name: "pod-a" } } };
  const r = run([read, s1(2 * 3600_000, { name: "kubectl", args: ["kubectl", "get", "secrets"] })], { rules }, Date.parse("2026-01-21T12:00:01Z"));
  expect(r.stats.matches).toBe(1);
  expect(r.alerts[0].podprobe.sequence.span_ms).toBe(2 * 3600_000);
});
