// podprobe as a library: import { createCorrelator } from "podprobe".
export { createCorrelator, type Correlator, type CreateOptions, type WriteOptions } from "./correlator.js";
export { OptionError, OPTION_SPECS, resolveOptions, type CorrelatorOptions, type KeyMode } from "./options.js";
export { COUNTER_NAMES, type Stats, type CounterName } from "./counters.js";
export { SEED_RULE, type SequenceRule, type Stage, type Expr, type SummaryField } from "./rules/rule.js";
export { compileRules } from "./rules/compile.js";
export { loadRuleFiles, ruleFromToml, RuleFileError, type LoadedRules } from "./rules/rules-file.js";
export { parseEql, EqlError } from "./rules/eql.js";
