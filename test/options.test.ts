// SPEC §6/§8: options are validated before any record; errors name the option and the value.
import { expect, test } from "vitest";
import { createCorrelator, OptionError, OPTION_SPECS } from "../host/index.js";
import { optionsFromConfig, resolveOptions, snake } from "../host/options.js";

test.each([
  [{ maxspanMs: 0 }, /option maxspanMs: must be 1 to 86400000.*\(got 0\)/],
  [{ maxspanMs: -5 }, /maxspanMs.*\(got -5\)/],
  [{ ringCapacity: 0 }, /option ringCapacity: must be 1 to 255 \(got 0\)/],
  [{ maxKeys: 1.5 }, /option maxKeys: expected an integer \(got 1.5\)/],
  [{ latenessMs: "5000" }, /option latenessMs: expected an integer \(got "5000"\)/],
  [{ keyMode: "namespace" }, /option keyMode: expected one of pod, namespace-pod \(got "namespace"\)/],
  [{ alerts: "yes" }, /option alerts: expected true or false \(got "yes"\)/],
  [{ maxRecordBytes: 10 }, /option maxRecordBytes/],
  [{ holdMs: -1 }, /option holdMs/],
  [{ frobnicate: 1 }, /option frobnicate: unknown option/],
])("%j is refused", (opts, message) => {
  expect(() => createCorrelator(opts as never)).toThrow(OptionError);
  expect(() => createCorrelator(opts as never)).toThrow(message);
});

test("defaults are the SPEC's", () => {
  const o = resolveOptions({});
  expect(o).toMatchObject({ keyMode: "pod", latenessMs: 5000, maxFutureMs: 60000, skewMs: 0, holdMs: 0, alerts: true, maxStateBytes: 64 * 1024 * 1024, maxKeys: 65536, ringCapacity: 8, maxRecordBytes: 1024 * 1024 });
  expect(createCorrelator().stats().max_state_bytes).toBe(64 * 1024 * 1024);
});

test("a config file uses snake_case names, and messages use them", () => {
  const opts = optionsFromConfig({ key_mode: "namespace-pod", lateness_ms: 100 }, "f.json");
  expect(resolveOptions(opts)).toMatchObject({ keyMode: "namespace-pod", latenessMs: 100 });
  expect(() => resolveOptions(optionsFromConfig({ ring_capacity: 0 }, "f.json"), snake)).toThrow(/option ring_capacity: must be 1 to 255/);
  expect(() => optionsFromConfig([1], "f.json")).toThrow(/--config.*one JSON object/);
});

test("every option has a default or is optional, and a snake_case name", () => {
  for (const k of Object.keys(OPTION_SPECS)) expect(snake(k)).toMatch(/^[a-z_]+$/);
});
