// Helper for the EQL semantics tests: a single-event rule from an EQL condition, run over records; which matched.
import { ruleFromToml } from "../host/index.js";
import { run, ts } from "./helpers.js";

/** The records (objects, or raw JSON text for numbers JavaScript cannot hold) the condition matches, by index. */
export function matching(condition: string, records: (Record<string, unknown> | string)[]): number[] {
  const rule = ruleFromToml({ rule: { rule_id: "t", name: "T", query: `any where ${condition}` } }, "inline.toml");
  const lines = records.map((r, i) => {
    const base = { "@timestamp": ts(i), orchestrator: { resource: { name: "pod-a" }, namespace: "default" } };
    return typeof r === "string" ? `${JSON.stringify(base).slice(0, -1)},${r.slice(1)}` : { ...base, ...r };
  });
  return run(lines, { rules: [rule] }).tagged.map((t) => t.index);
}

/** Whether the condition matches one record. */
export const holds = (condition: string, record: Record<string, unknown> | string) => matching(condition, [record]).length === 1;
