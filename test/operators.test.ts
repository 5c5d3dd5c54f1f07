// SPEC §3 operator table, observed through stage-1 candidacy (counter candidates_stage1).
import { describe, expect, test } from "vitest";
import { run, s1 } from "./helpers.js";

const isCandidate = (rec: Record<string, unknown>) => run([rec]).stats.candidates_stage1 === 1;
const withProcess = (p: Record<string, unknown>) => {
  const r = s1(0);
  r.process = { ...(r.process as object), ...p };
  return r;
};

describe("== and in", () => {
  test("are case-sensitive", () => {
    expect(isCandidate(withProcess({ name: "curl" }))).toBe(true);
    expect(isCandidate(withProcess({ name: "Curl" }))).toBe(false);
    expect(isCandidate(withProcess({ name: "CURL" }))).toBe(false);
  });
  test("on an array field, any element equal to any listed value counts", () => {
    expect(isCandidate(withProcess({ name: "bash", args: ["bash", "-c", "/usr/bin/curl"] }))).toBe(true);
    expect(isCandidate(withProcess({ name: "bash", args: ["bash", "-c", "/usr/bin/curlx"] }))).toBe(false);
    const r = s1(0);
    (r.event as Record<string, unknown>).type = ["info", "start"];
    expect(isCandidate(r)).toBe(true);
  });
  test("a scalar where a list is expected is a list of one", () => {
    const r = s1(0);
    (r.event as Record<string, unknown>).category = "process";
    (r.event as Record<string, unknown>).type = "start";
    expect(isCandidate(r)).toBe(true);
    expect(isCandidate(withProcess({ name: "sh", args: "ssl_client" }))).toBe(true);
  });
  test("a number never equals a string", () => {
    expect(isCandidate(withProcess({ name: 1 }))).toBe(false);
  });
});

describe("not f in (…)", () => {
  test("true when no element equals a listed value", () => {
    expect(isCandidate(withProcess({ name: "sh", args: ["sh", "-c", "wget", "http://x"] }))).toBe(true);
  });
  test("false when any element is excluded", () => {
    expect(isCandidate(withProcess({ name: "sh", args: ["sh", "-c", "which", "wget"] }))).toBe(false);
    expect(isCandidate(withProcess({ name: "zsh", args: ["/usr/local/bin/chown", "/bin/kubectl"] }))).toBe(false);
  });
  test("true when the field is absent (the shell branch then needs args present, so use a direct tool)", () => {
    const r = withProcess({ name: "kubectl" });
    delete (r.process as Record<string, unknown>).args;
    expect(isCandidate(r)).toBe(true);
  });
});

describe('like "*"', () => {
  const withContainer = (id: unknown) => {
    const r = s1(0);
    r.container = id === undefined ? {} : { id };
    return r;
  };
  test("an empty string counts as a value", () => expect(isCandidate(withContainer(""))).toBe(true));
  test("any value counts", () => expect(isCandidate(withContainer("abc"))).toBe(true));
  test("null does not", () => expect(isCandidate(withContainer(null))).toBe(false));
  test("[] does not", () => expect(isCandidate(withContainer([]))).toBe(false));
  test("[null] does not", () => expect(isCandidate(withContainer([null]))).toBe(false));
  test("absent does not", () => expect(isCandidate(withContainer(undefined))).toBe(false));
});

describe("== true", () => {
  test("JSON true", () => expect(isCandidate(withProcess({ interactive: true }))).toBe(true));
  test('the string "true" (Elasticsearch coerces it)', () => expect(isCandidate(withProcess({ interactive: "true" }))).toBe(true));
  test("false, \"false\", 1 and absent do not", () => {
    expect(isCandidate(withProcess({ interactive: false }))).toBe(false);
    expect(isCandidate(withProcess({ interactive: "false" }))).toBe(false);
    expect(isCandidate(withProcess({ interactive: 1 }))).toBe(false);
    expect(isCandidate(withProcess({ interactive: "True" }))).toBe(false);
    const r = s1(0);
    delete (r.process as Record<string, unknown>).interactive;
    expect(isCandidate(r)).toBe(false);
  });
});

describe("the rest of stage 1", () => {
  test("event.category must be process; host.os.type linux; event.action exec", () => {
    for (const [k, v] of [["category", ["file"]], ["action", "fork"], ["type", ["end"]]] as const) {
      const r = s1(0);
      (r.event as Record<string, unknown>)[k] = v;
      expect(isCandidate(r)).toBe(false);
    }
    const r = s1(0);
    r.host = { os: { type: "windows" } };
    expect(isCandidate(r)).toBe(false);
  });
  test("every listed tool and every shell-with-tool form", () => {
    for (const name of ["wget", "curl", "openssl", "socat", "ncat", "kubectl"]) expect(isCandidate(withProcess({ name }))).toBe(true);
    for (const shell of ["bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish", "busybox"]) {
      for (const tool of ["wget", "ssl_client", "curl", "openssl", "socat", "ncat", "kubectl"]) {
        for (const prefix of ["", "/bin/", "/usr/bin/", "/usr/local/bin/"]) {
          expect(isCandidate(withProcess({ name: shell, args: [shell, prefix + tool] }))).toBe(true);
        }
      }
    }
    expect(isCandidate(withProcess({ name: "python3" }))).toBe(false);
    expect(isCandidate(withProcess({ name: "bash", args: ["bash", "/opt/bin/curl"] }))).toBe(false);
  });
});
