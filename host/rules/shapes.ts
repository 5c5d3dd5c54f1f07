// Record shapes (SPEC §2): how a logical ECS field is found in each shape. Shape 0 is ECS itself; a raw
// kube-apiserver audit Event ("kind":"Event", "apiVersion":"audit.k8s.io/…") is read as if it were the ECS
// document Elastic's pipeline makes of it. The compiler turns these into per-field alias tables.

import type { Expr } from "./model.js";

/** One way to read a logical field: a physical path (dots under `underscoreFrom` may be underscores) or a constant. */
export type Alias = { path: string; underscoreFrom?: number } | { constant: string };

export interface Shape {
  name: string;
  /** Predicate over physical fields (read through shape 0) that selects this shape; none for shape 0. */
  guard?: Expr;
  aliases(field: string): Alias[];
}

const AUDIT = "kubernetes.audit.";
const ANNOTATIONS = "annotations.";

export const SHAPES: Shape[] = [
  {
    name: "ecs",
    aliases(field) {
      // Elastic sets both to the same value; rule revisions read one or the other (the seed rule's 2026-04
      // revision moved from event.dataset to data_stream.dataset), so either reads either
      if (field === "event.dataset") return [{ path: field }, { path: "data_stream.dataset" }];
      if (field === "data_stream.dataset") return [{ path: field }, { path: "event.dataset" }];
      return [{ path: field }];
    },
  },
  {
    name: "k8s-audit-event",
    guard: {
      all: [
        { eq: "kind", values: ["Event"] },
        { prefix: "apiVersion", values: ["audit.k8s.io/"] },
      ],
    },
    aliases(field) {
      if (field === "event.dataset" || field === "data_stream.dataset") return [{ constant: "kubernetes.audit_logs" }];
      // the request's own time: more precise than an agent's read time
      if (field === "@timestamp") return [{ path: "requestReceivedTimestamp" }, { path: "stageTimestamp" }];
      if (field.startsWith(AUDIT)) {
        const own = field.slice(AUDIT.length);
        if (own.startsWith(ANNOTATIONS)) return [{ path: own, underscoreFrom: ANNOTATIONS.length }];
        return [{ path: own }];
      }
      return [{ path: field }];
    },
  },
];
