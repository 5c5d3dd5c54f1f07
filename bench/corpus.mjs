// Deterministic mixed corpus (SPEC §11): mostly container logs, a few per cent process events (some
// candidates), about 1 % audit lines (raw and ECS, some forbid), hundreds of pods, real sequences planted.
// usage: node bench/corpus.mjs --mb 100 [--seed 1] [--pods 400] > corpus.ndjson
import { parseArgs } from "node:util";
import { rng, processEvent, rawAuditEvent, ecsAuditDoc, containerLog, SAMPLE_BASE_MS } from "../build/host/sample.js";

export function* corpus({ mb = 100, seed = 1, pods = 400, candidateShare = 0.1 } = {}) {
  const r = rng(seed);
  const names = Array.from({ length: pods }, (_, i) => `svc-${i % 37}-${(i * 2654435761 >>> 0).toString(36).slice(0, 6)}`);
  const limit = mb * 1e6;
  let bytes = 0;
  let ms = SAMPLE_BASE_MS;
  let n = 0;
  while (bytes < limit) {
    ms += r() * 2;
    const x = r();
    const pod = names[Math.floor(r() * names.length)];
    let rec;
    if (x < 0.04) {
      const candidate = r() < candidateShare;
      rec = processEvent({ ms, pod, namespace: "shop", pid: n, name: candidate ? "curl" : ["ls", "cat", "sleep", "python3"][n % 4], args: candidate ? ["curl", "-sk", "https://kubernetes.default.svc/api/v1/secrets"] : ["ls", "-la"], interactive: candidate || r() < 0.5 });
    } else if (x < 0.05) {
      const spec = { ms: ms + r() * 900, pod, namespace: "shop", serviceAccount: "default", verb: "get", uri: "/api/v1/namespaces/shop/pods", resource: "pods", decision: r() < 0.2 ? "forbid" : "allow", code: 403, auditId: `aud-${n}` };
      rec = r() < 0.5 ? rawAuditEvent(spec) : ecsAuditDoc(spec);
    } else rec = containerLog(r, ms, names);
    const line = JSON.stringify(rec) + "\n";
    bytes += Buffer.byteLength(line);
    n++;
    yield line;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { mb: { type: "string", default: "100" }, seed: { type: "string", default: "1" }, pods: { type: "string", default: "400" } } });
  let buf = [];
  for (const line of corpus({ mb: Number(values.mb), seed: Number(values.seed), pods: Number(values.pods) })) {
    buf.push(line);
    if (buf.length >= 10000) {
      process.stdout.write(buf.join(""));
      buf = [];
    }
  }
  process.stdout.write(buf.join(""));
}
