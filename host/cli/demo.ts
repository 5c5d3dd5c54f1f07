// `podprobe demo`: runs the bundled sample stream (cli/sample.ts) through podprobe and explains what it
// found. Writes the stream and podprobe's output under build/ so they can be piped through the CLI too.

import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createCorrelator } from "../correlator.js";
import type { CorrelatorOptions } from "../options.js";
import { sampleStream, SAMPLE_BASE_MS } from "./sample.js";

interface AlertDoc {
  "@timestamp": string;
  orchestrator: { resource: { name: string } };
  podprobe: { sequence: { id: string; span_ms: number }; events: Record<string, unknown>[] };
  message: string;
}

interface TagAlert {
  sequence: { id: string; index: number; key: string };
  peer: Record<string, unknown>;
}

export function runDemo(options: CorrelatorOptions = {}): number {
  const { lines, cases, realLines } = sampleStream();
  const input = lines.join("\n") + "\n";
  // the clock a node would have had: shortly after the sample's events
  const c = createCorrelator({ ...options, clock: () => SAMPLE_BASE_MS + 10_000 });
  const output = Buffer.concat([c.write(input), c.end()]).toString("utf8");
  const outLines = output.split("\n").filter((l) => l.length > 0);
  const alerts = outLines.map((l) => JSON.parse(l) as Record<string, any>).filter((d) => d.event?.kind === "alert" && d.event?.module === "podprobe") as AlertDoc[];
  const tagged = outLines.filter((l) => l.includes('"podprobe":{"alerts":[')).length;

  const dir = fileURLToPath(new URL("../../", import.meta.url));
  let saved = true;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(dir + "demo-input.ndjson", input);
    writeFileSync(dir + "demo-output.ndjson", output);
  } catch {
    saved = false; // a read-only installation (the container image): the explanation is what matters
  }

  const s = c.stats();
  const say = (t = "") => process.stdout.write(t + "\n");
  say(`podprobe demo — ${lines.length} records: ${realLines} real lines from Elastic's integrations (audit Events,`);
  say(`ECS audit documents, a Defend for Containers document), container logs, process events and audit events.`);
  say();
  say(`Rule: Forbidden Direct Interactive Kubernetes API Request — an interactive curl/wget/kubectl/… started in a`);
  say(`pod, then within 1 s a request with that pod's service account that the API server's authorizer forbade.`);
  say();
  // sequences from the tags, so that --no-alerts still reports them; the alert records add their details
  const sequences = outLines.flatMap((l) => (l.includes('"podprobe":{"alerts":[') ? ((JSON.parse(l).podprobe?.alerts ?? []) as TagAlert[]) : [])).filter((t) => t.sequence);
  say(`Found ${sequences.length} sequence${sequences.length === 1 ? "" : "s"}${alerts.length === 0 && sequences.length > 0 ? " (no alert records: --no-alerts)" : ""}:`);
  for (const t of sequences) {
    const a = alerts.find((x) => x.podprobe.sequence.id === t.sequence.id);
    const [p, r] = a ? a.podprobe.events : t.sequence.index === 1 ? [t.peer, undefined] : [undefined, t.peer];
    say(`  ● pod ${t.sequence.key}: ${p ? JSON.stringify(p["process.args"]) : "(the process event)"}`);
    const what = r ? `${r["kubernetes.audit.verb"]} ${r["kubernetes.audit.requestURI"]} forbidden` : "a forbidden request";
    say(`      → ${what}${a ? `, ${a.podprobe.sequence.span_ms} ms later` : ""} (sequence ${t.sequence.id})`);
  }
  say();
  say("Planted in the stream, and why each was or was not reported:");
  const foundPod = (pod: string) => sequences.some((t) => t.sequence.key === pod || t.sequence.key.endsWith(`/${pod}`));
  for (const k of cases) {
    const found = foundPod(k.pod);
    const ok = found === (k.expect === "match");
    say(`  ${ok ? "✓" : "✗"} ${k.pod}: ${k.expect} — ${k.why}`);
  }
  say();
  say(`The completing record of each sequence left tagged ("podprobe":{"alerts":[…]}: ${tagged} records)${alerts.length ? ", followed by" : "."}`);
  if (alerts.length) say(`an ECS alert record; every other record left byte-identical. Bearer tokens in tags and alerts are redacted.`);
  else say(`Every other record left byte-identical. Bearer tokens in tags are redacted.`);
  say(`counters: ${s.records_in} in, ${s.records_out} out, ${s.candidates_stage1} stage-1 and ${s.candidates_stage2} stage-2 candidates, ${s.matches} matches`);
  if (saved) {
    say(`stream:   ${dir}demo-input.ndjson`);
    say(`output:   ${dir}demo-output.ndjson`);
    say(`try:      npx podprobe --stats ${dir}demo-input.ndjson > /tmp/out.ndjson`);
  }
  const allOk = cases.every((k) => foundPod(k.pod) === (k.expect === "match"));
  return allOk ? 0 : 1;
}
