// Deterministic bench corpora (SPEC §11): the mixed node stream — mostly container logs, a few per cent
// Defend-for-Containers process events (some candidates), about 1 % audit lines (raw and ECS, some forbid),
// hundreds of pods, real sequences planted — and adversarial variants (all candidates, distinct pods, huge
// records). Built on host/cli/sample.ts's record builders.
import { rng, processEvent, rawAuditEvent, ecsAuditDoc, containerLog, SAMPLE_BASE_MS } from "../host/cli/sample.js";

export interface CorpusOptions {
  /** Stop after this many bytes (or `records`, whichever comes first). */
  bytes?: number;
  records?: number;
  seed?: number;
  /** Distinct pods the records are spread over. */
  pods?: number;
  /** Share of records that are process events (default 0.04). */
  processShare?: number;
  /** Share of process events that are stage-1 candidates. */
  candidateShare?: number;
  /** Every record is a stage-1 candidate. */
  allCandidates?: boolean;
  /** Every candidate gets a pod no other record has (a flood of distinct keys). */
  distinctPods?: boolean;
  /** Share of ordinary records replaced by huge ones (~256 KiB). */
  hugeShare?: number;
}

export function buildCorpus(o: CorpusOptions): Buffer {
  const r = rng(o.seed ?? 1);
  const podCount = o.pods ?? 400;
  const names = Array.from({ length: podCount }, (_, i) => `svc-${i % 37}-${((i * 2654435761) >>> 0).toString(36)}`);
  const limitBytes = o.bytes ?? Infinity;
  const limitRecords = o.records ?? Infinity;
  const share = o.candidateShare ?? 0.1;
  const proc = o.processShare ?? 0.04;
  const chunks: Buffer[] = [];
  let parts: string[] = [];
  let bytes = 0;
  let ms = SAMPLE_BASE_MS;
  let n = 0;
  const huge = "h".repeat(256 * 1024);
  while (bytes < limitBytes && n < limitRecords) {
    ms += r() * 2;
    const x = o.allCandidates ? 0 : r();
    const pod = o.distinctPods ? `flood-${n.toString(36)}` : names[Math.floor(r() * names.length)];
    let rec: unknown;
    if (x < proc) {
      const candidate = o.allCandidates || r() < share;
      rec = processEvent({
        ms, pod, namespace: "shop", pid: n,
        name: candidate ? "curl" : ["ls", "cat", "sleep", "python3"][n % 4],
        args: candidate ? ["curl", "-sk", "https://kubernetes.default.svc/api/v1/secrets"] : ["ls", "-la"],
        interactive: candidate || r() < 0.5,
      });
    } else if (x < proc + 0.01) {
      const spec = { ms: ms + r() * 900, pod, namespace: "shop", serviceAccount: "default", verb: "get", uri: "/api/v1/namespaces/shop/pods", resource: "pods", decision: (r() < 0.2 ? "forbid" : "allow") as "forbid" | "allow", code: 403, auditId: `aud-${n}` };
      rec = r() < 0.5 ? rawAuditEvent(spec) : ecsAuditDoc(spec);
    } else if (o.hugeShare && r() < o.hugeShare) {
      rec = { "@timestamp": new Date(ms).toISOString(), message: huge, kubernetes: { pod_name: pod } };
    } else rec = containerLog(r, ms, names);
    const line = JSON.stringify(rec);
    bytes += Buffer.byteLength(line) + 1;
    n++;
    parts.push(line);
    if (parts.length === 10_000) {
      chunks.push(Buffer.from(parts.join("\n") + "\n"));
      parts = [];
    }
  }
  if (parts.length) chunks.push(Buffer.from(parts.join("\n") + "\n"));
  return Buffer.concat(chunks);
}

/** A clock for the corpus: shortly after its last event. */
export const corpusClock = (corpus: Buffer) => {
  const tail = corpus.subarray(Math.max(0, corpus.length - 600_000)).toString("utf8");
  const times = [...tail.matchAll(/"(?:@timestamp|requestReceivedTimestamp)":"([^"]+)"/g)].map((m) => Date.parse(m[1]));
  return Math.max(...times, 0) + 60_000;
};
