// SPEC §5: credentials are redacted in every value podprobe writes — the tag's peer (which carries one
// record's values into another record's document), the alert's events and its message — in the Node build and
// in the Fluent Bit module; `redact: false` copies them verbatim; the records themselves never change.
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { run, s1, s2raw, line, T0 } from "./helpers.js";
import { FluentBitFilter } from "../host/fluent-bit/driver.js";
import { buildFluentBitModule } from "../host/fluent-bit/build.js";

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWJ5dGVz";
const args = ["curl", "-H", "Authorization: Bearer sekr1t-token", "-H", `X-Api: ${jwt}`, "--token", "t0k3n", "https://kubernetes.default.svc/api"];
const SECRET = /sekr1t|t0k3n|eyJzdWIi/;

test("the stage-2 record's tag carries the stage-1 peer with its credentials masked; records unchanged", () => {
  const rec1 = s1(0, { args });
  const rec2 = s2raw(200);
  const r = run([rec1, rec2]);
  expect(r.records[0]).toBe(line(rec1));
  expect(r.tagged).toHaveLength(1);
  const tagged = r.tagged[0].line;
  // the audit record is byte-identical up to the tag, and its tag holds no secret
  expect(tagged.startsWith(line(rec2).slice(0, -1))).toBe(true);
  expect(tagged).not.toMatch(SECRET);
  expect(r.tagged[0].tag.alerts[0].peer["process.args"]).toEqual(["curl", "-H", "Authorization: Bearer [REDACTED]", "-H", "X-Api: [REDACTED]", "--token", "[REDACTED]", "https://kubernetes.default.svc/api"]);
  expect(JSON.stringify(r.alerts[0])).not.toMatch(SECRET);
  expect(r.alerts[0].message).toContain("curl");
});

test("out of order: the stage-1 record completes and its tag's audit peer is masked too", () => {
  const rec2 = s2raw(200, { extra: { userAgent: `kubectl/1.30 Bearer ${jwt}` } });
  const r = run([rec2, s1(0, { args })]);
  expect(r.tagged).toHaveLength(1);
  expect(r.tagged[0].tag.alerts[0].sequence.index).toBe(0);
  expect(r.tagged[0].tag.alerts[0].peer["kubernetes.audit.userAgent"]).toBe("kubectl/1.30 Bearer [REDACTED]");
  expect(r.records[0]).toBe(line(rec2));
});

test("hold_ms: both tagged records of a sequence carry masked peers", () => {
  const r = run([s1(0, { args }), s2raw(200)], { holdMs: 1000 });
  expect(r.tagged).toHaveLength(2);
  for (const t of r.tagged) expect(t.line.slice(t.line.indexOf('"podprobe":{"alerts"'))).not.toMatch(SECRET);
});

test("redact: false copies the values verbatim, in the tag and the alert", () => {
  const r = run([s1(0, { args }), s2raw(200)], { redact: false });
  expect(r.tagged[0].tag.alerts[0].peer["process.args"]).toEqual(args);
  expect(r.alerts[0].podprobe.events[0]["process.args"]).toEqual(args);
});

test("the Fluent Bit module masks the tag's peer by default, and not with redact: false", () => {
  const dir = mkdtempSync(join(tmpdir(), "podprobe-fbred-"));
  for (const [redact, masked] of [[true, true], [false, false]] as const) {
    const out = join(dir, `m-${redact}.wasm`);
    buildFluentBitModule({ redact }, undefined, out);
    const f = new FluentBitFilter(readFileSync(out));
    f.call(line(s1(0, { args })), T0);
    const tagged = f.call(line(s2raw(200)), T0).toString();
    expect(tagged).toContain('"podprobe":{"alerts"');
    expect(SECRET.test(tagged)).toBe(!masked);
  }
});
