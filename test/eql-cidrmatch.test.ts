// cidrmatch(field, address or block, …): Elasticsearch turns it into a terms query on an `ip` field
// (eql/planner/QueryTranslator.java, ql/util/CIDRUtils.java): IPv4 and IPv6, an IPv4 address also under its
// IPv4-mapped IPv6 spelling, any element of an array; a value that is not an address never matches.
import { describe, expect, test } from "vitest";
import { ruleFromToml } from "../host/index.js";
import { matching } from "./eql-match.js";
import { parseCidr } from "../host/rules/cidr.js";

const dst = (ip: unknown) => ({ destination: { ip } });
const PRIVATE = 'cidrmatch(destination.ip, "10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "::1", "FE80::/10", "fc00::/7")';

describe("IPv4", () => {
  test("inside, outside and at the edges of a block", () => {
    expect(matching(PRIVATE, ["10.0.0.0", "10.255.255.255", "11.0.0.0", "9.255.255.255", "192.168.1.1", "172.31.0.1", "172.32.0.1"].map(dst))).toEqual([0, 1, 4, 5]);
  });
  test("a single address and /32, /0", () => {
    expect(matching('cidrmatch(a, "1.2.3.4")', [{ a: "1.2.3.4" }, { a: "1.2.3.5" }])).toEqual([0]);
    expect(matching('cidrmatch(a, "0.0.0.0/0")', [{ a: "8.8.8.8" }, { a: "::1" }])).toEqual([0]);
  });
  test("host bits in the block are ignored (10.1.2.3/8 is 10.0.0.0/8)", () => {
    expect(matching('cidrmatch(a, "10.1.2.3/8")', [{ a: "10.200.0.1" }])).toEqual([0]);
  });
});

describe("IPv6", () => {
  test("compressed and full spellings, upper and lower case", () => {
    expect(matching(PRIVATE, ["::1", "0:0:0:0:0:0:0:1", "fe80::1", "FE80:0000::abcd", "febf:ffff::1", "fec0::1", "fd12:3456::1", "2001:db8::1"].map(dst))).toEqual([0, 1, 2, 3, 4, 6]);
  });
  test("an IPv4-mapped address matches the IPv4 block, and ::/0 covers IPv4", () => {
    expect(matching(PRIVATE, ["::ffff:10.1.2.3", "::ffff:0a01:0203", "::ffff:8.8.8.8"].map(dst))).toEqual([0, 1]);
    expect(matching('cidrmatch(a, "::/0")', [{ a: "8.8.8.8" }, { a: "2001:db8::1" }])).toEqual([0, 1]);
  });
  test("an IPv4 tail in an IPv6 address", () => {
    expect(matching('cidrmatch(a, "64:ff9b::/96")', [{ a: "64:ff9b::192.0.2.33" }, { a: "64:ff9c::192.0.2.33" }])).toEqual([0]);
  });
});

describe("values that are not addresses never match, also under not", () => {
  const bad = ["10.0.0", "10.0.0.0.1", "010.0.0.1", "10.0.0.256", "1::2::3", "12345::1", "::1:", "10.0.0.1 ", "", "fe80::1%eth0", "x"];
  test.each(bad)("%j", (v) => {
    expect(matching(PRIVATE, [dst(v)])).toEqual([]);
    expect(matching('cidrmatch(destination.ip, "0.0.0.0/0", "::/0")', [dst(v)])).toEqual([]);
  });
  test("numbers, booleans, absent: no match; not cidrmatch(…) is true for them (a must_not terms query)", () => {
    expect(matching(PRIVATE, [dst(10), dst(true), {}])).toEqual([]);
    expect(matching(`not ${PRIVATE}`, [dst(10), {}, dst("8.8.8.8"), dst("10.1.1.1")])).toEqual([0, 1, 2]);
  });
});

test("arrays: any element", () => {
  expect(matching(PRIVATE, [dst(["8.8.8.8", "10.0.0.1"]), dst(["8.8.8.8", "x"])])).toEqual([0]);
});

test("escaped JSON strings are decoded first", () => {
  expect(matching(PRIVATE, ['{"destination":{"ip":"10.0.0.\\u0031"}}'])).toEqual([0]);
});

test("a block that is not an address is refused at load", () => {
  for (const b of ["10.0.0.0/33", "10.0.0/8", "::/129", "fe80::/x", "10.0.0.1/"]) {
    expect(() => ruleFromToml({ rule: { rule_id: "x", name: "X", query: `any where cidrmatch(a, "${b}")` } }, "x.toml")).toThrow(/is not an IPv4\/IPv6 address or CIDR block at line 1, column 11/);
  }
  expect(parseCidr("::ffff:1.2.3.4/128")?.lo).toEqual(parseCidr("1.2.3.4")?.lo);
});
