// How a stage presents itself, by what it watches: which fields its summary carries (`peer`, alert events),
// where namespace-pod keys take the namespace from, and its part of the alert message. The seed rule and rules
// loaded from EQL use the same profiles, so the same rule gives the same program either way.

import type { Stage, SummaryField } from "./model.js";
import { INTERACTIVE_SOURCE } from "./shapes.js";

export interface Profile {
  summary: SummaryField[];
  namespace: Stage["namespace"];
  /** The stage's part of the alert message, in terms of its summary names. */
  fragment: string[];
}

const POD_NS: Stage["namespace"] = { field: "orchestrator.namespace", from: "value" };

export const PROFILES = {
  process: {
    summary: [
      { name: "process.name" },
      { name: "process.args", redact: true },
      { name: "process.pid" },
      { name: "process.entity_id" },
      { name: "process.executable" },
      { name: "container.id" },
      { name: "orchestrator.namespace" },
      // which sensor signal stood for process.interactive (absent for ECS process events)
      { name: "interactive_source", field: INTERACTIVE_SOURCE },
    ],
    namespace: POD_NS,
    fragment: ["process.name"],
  },
  audit: {
    summary: [
      { name: "kubernetes.audit.verb" },
      { name: "kubernetes.audit.requestURI" },
      { name: "kubernetes.audit.objectRef.resource" },
      { name: "kubernetes.audit.objectRef.namespace" },
      { name: "kubernetes.audit.user.username" },
      { name: "kubernetes.audit.userAgent" },
      { name: "kubernetes.audit.responseStatus.code" },
      { name: "kubernetes.audit.sourceIPs" },
      { name: "kubernetes.audit.auditID" },
    ],
    namespace: { field: "kubernetes.audit.user.username", from: "serviceaccount" },
    fragment: ["kubernetes.audit.verb", "kubernetes.audit.requestURI", "as", "kubernetes.audit.user.username"],
  },
  file: {
    summary: [
      { name: "file.path" },
      { name: "event.action" },
      { name: "process.name" },
      { name: "process.args", redact: true },
      { name: "process.pid" },
      { name: "container.id" },
      { name: "orchestrator.namespace" },
    ],
    namespace: POD_NS,
    fragment: ["process.name", "event.action", "file.path"],
  },
  network: {
    summary: [
      { name: "dns.question.name" },
      { name: "destination.ip" },
      { name: "destination.port" },
      { name: "process.name" },
      { name: "process.pid" },
      { name: "container.id" },
      { name: "orchestrator.namespace" },
    ],
    namespace: POD_NS,
    fragment: ["process.name", "dns.question.name", "destination.ip"],
  },
} satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;

/** The profile for a stage: by its category, else by the fields it reads. */
export function profileFor(category: string, fields: string[]): ProfileName {
  if (category === "process") return "process";
  if (category === "file") return "file";
  if (category === "network") return "network";
  if (fields.some((f) => f.startsWith("kubernetes.audit."))) return "audit";
  if (fields.some((f) => f.startsWith("file."))) return "file";
  if (fields.some((f) => f.startsWith("dns.") || f.startsWith("destination."))) return "network";
  return "process";
}

/** "<rule name> in pod {pod}: <stage 0 fragment> → <stage 1 fragment> (within {span_ms} ms)". */
export function sequenceMessage(name: string, profiles: ProfileName[]): string {
  const words = (p: ProfileName, i: number) => PROFILES[p].fragment.map((w) => (w.includes(".") ? `{${i}:${w}}` : w)).join(" ");
  return `${name} in pod {pod}: ${profiles.map(words).join(" → ")} ({span_ms} ms apart)`;
}

/** "<rule name> in pod {pod}: <fragment>" for a single-event rule. */
export function eventMessage(name: string, profile: ProfileName): string {
  return `${name} in pod {pod}: ${PROFILES[profile].fragment.map((w) => (w.includes(".") ? `{0:${w}}` : w)).join(" ")}`;
}
