// The seed rule as data: Elastic's "Forbidden Direct Interactive Kubernetes API Request"
// (rule_id 5d1c962d-5d2a-48d4-bdcf-e980e3914947), expressed in podprobe's rule model and compiled by
// compile.ts for both builds. Nothing in assembly/ knows these values.

import { PROFILES, sequenceMessage } from "./profiles.js";
import type { SequenceRule } from "./model.js";

export type { Expr, SummaryField, Stage, SequenceRule } from "./model.js";

/** Each name bare and under the three usual binary folders, as the rule lists them. */
export function withBinPrefixes(names: string[]): string[] {
  return names.flatMap((n) => [n, `/bin/${n}`, `/usr/bin/${n}`, `/usr/local/bin/${n}`]);
}

export const SEED_RULE: SequenceRule = {
  id: "5d1c962d-5d2a-48d4-bdcf-e980e3914947",
  name: "Forbidden Direct Interactive Kubernetes API Request",
  severity: 47,
  riskScore: 47,
  threat: [
    {
      framework: "MITRE ATT&CK",
      tactic: { id: "TA0002", name: "Execution", reference: "https://attack.mitre.org/tactics/TA0002/" },
      technique: [
        {
          id: "T1059",
          name: "Command and Scripting Interpreter",
          reference: "https://attack.mitre.org/techniques/T1059/",
          subtechnique: [{ id: "T1059.004", name: "Unix Shell", reference: "https://attack.mitre.org/techniques/T1059/004/" }],
        },
      ],
    },
    {
      framework: "MITRE ATT&CK",
      tactic: { id: "TA0007", name: "Discovery", reference: "https://attack.mitre.org/tactics/TA0007/" },
      technique: [
        { id: "T1613", name: "Container and Resource Discovery", reference: "https://attack.mitre.org/techniques/T1613/" },
      ],
    },
  ],
  maxspanMs: 1000,
  stages: [
    {
      when: {
        all: [
          { eq: "event.category", values: ["process"] },
          { eq: "host.os.type", values: ["linux"] },
          { eq: "event.type", values: ["start"] },
          { eq: "event.action", values: ["exec"] },
          {
            any: [
              { eq: "process.name", values: ["wget", "curl", "openssl", "socat", "ncat", "kubectl"] },
              {
                all: [
                  { eq: "process.name", values: ["bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish", "busybox"] },
                  {
                    eq: "process.args",
                    values: withBinPrefixes(["wget", "ssl_client", "curl", "openssl", "socat", "ncat", "kubectl"]),
                  },
                  { not: { eq: "process.args", values: withBinPrefixes(["which", "man", "chmod", "chown"]) } },
                ],
              },
            ],
          },
          { isTrue: "process.interactive" },
          { exists: "container.id" },
        ],
      },
      keys: ["orchestrator.resource.name"],
      namespace: PROFILES.process.namespace,
      time: "@timestamp",
      summary: PROFILES.process.summary,
    },
    {
      when: {
        all: [
          // (the rule's 2026-04 revision reads data_stream.dataset: shapes.ts reads either for either)
          { eq: "event.dataset", values: ["kubernetes.audit_logs"] },
          { eq: "kubernetes.audit.stage", values: ["ResponseComplete", "ResponseStarted"] },
          { eq: "kubernetes.audit.annotations.authorization_k8s_io/decision", values: ["forbid"] },
        ],
      },
      keys: ["kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name"],
      namespace: PROFILES.audit.namespace,
      time: "@timestamp",
      summary: PROFILES.audit.summary,
    },
  ],
  message: sequenceMessage("Forbidden Direct Interactive Kubernetes API Request", ["process", "audit"]),
};
