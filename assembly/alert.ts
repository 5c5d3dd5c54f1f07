// What a match writes: the tag member spliced into a record ("podprobe":{"alerts":[…]}) and, in host modes,
// an ECS alert record. Values are copied from summaries; credentials (bearer tokens, JWTs, --token values) are
// masked in every value podprobe writes — the tag's peer, the alert's events and message — since a tag carries
// one record's values into another record's document. Option `redact: false` copies them verbatim. The records
// that pass through are never changed.

import { Buf } from "./buf";
import { strPtr, strLen, tagName } from "./program";
import { ruleId, ruleName, ruleSeverity, ruleRisk, ruleThreat, rulePartCount, partKind, partA, partB, PART_LITERAL, PART_KEY, PART_SPAN_MS, PART_FIELD, PART_POD } from "./rules";
import { sumJson, sumValueOff, sumValueLen, SUM_HDR } from "./summary";
import { opt, O_REDACT_OFF } from "./options";
import { elementsBegin, elementsNext, elementOff, elementLen, elementType } from "./elements";
import { T_STRING, T_MASK } from "./scan";

/** Appends {"id":…,"name":…} of rule r. */
function ruleObject(b: Buf, r: i32): void {
  const rid = ruleId(r);
  const rn = ruleName(r);
  b.ascii("{\"id\":");
  b.quoted(strPtr(rid), strLen(rid));
  b.ascii(",\"name\":");
  b.quoted(strPtr(rn), strLen(rn));
  b.byte(0x7D);
}

/** Appends one alert of a record's tag. sum: the partner's rendering, or 0 when it was lost. */
export function tagAlert(b: Buf, r: i32, id: u64, index: i32, key: usize, keyLen: usize, sum: usize, sumLen: usize): void {
  if (b.len > 0) b.byte(0x2C);
  b.ascii("{\"rule\":");
  ruleObject(b, r);
  b.ascii(",\"sequence\":{\"id\":\"");
  b.hex64(id);
  b.ascii("\",\"index\":");
  b.dec(<u64>index);
  b.ascii(",\"key\":");
  b.quoted(key, keyLen);
  b.ascii("},\"peer\":");
  summaryCopy(b, sum, sumLen);
  b.byte(0x7D);
}

/** Writes rec[0, len) with the tag member holding `tag` spliced before the closing brace at `close`. */
export function splice(out: Buf, rec: usize, len: usize, close: usize, empty: bool, tag: Buf): void {
  out.bytes(rec, close);
  if (!empty) out.byte(0x2C);
  const tn = tagName;
  out.quoted(strPtr(tn), strLen(tn));
  out.ascii(":{\"alerts\":[");
  out.bytes(tag.base, tag.len);
  out.ascii("]}");
  out.bytes(rec + close, len - close);
}

// ── time formatting ─────────────────────────────────────────────────────────────────────────────────
function two(b: Buf, v: i64): void {
  b.byte(<u32>(0x30 + v / 10));
  b.byte(<u32>(0x30 + v % 10));
}

/** RFC 3339 UTC with nanoseconds (civil_from_days, Howard Hinnant). */
export function isoTime(b: Buf, ns: i64): void {
  let secs = ns / 1_000_000_000;
  let frac = ns % 1_000_000_000;
  if (frac < 0) {
    frac += 1_000_000_000;
    secs--;
  }
  let days = secs / 86400;
  let sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  b.byte(0x22);
  two(b, y / 100);
  two(b, y % 100);
  b.byte(0x2D);
  two(b, m);
  b.byte(0x2D);
  two(b, d);
  b.byte(0x54);
  two(b, sod / 3600);
  b.byte(0x3A);
  two(b, (sod / 60) % 60);
  b.byte(0x3A);
  two(b, sod % 60);
  b.byte(0x2E);
  let div: i64 = 100_000_000;
  for (let i = 0; i < 9; i++) {
    b.byte(<u32>(0x30 + (frac / div) % 10));
    div /= 10;
  }
  b.ascii("Z\"");
}

/** A span of nanoseconds as milliseconds, with the fraction when there is one. */
export function spanMs(b: Buf, ns: i64): void {
  if (ns < 0) {
    b.byte(0x2D);
    ns = -ns;
  }
  b.dec(<u64>(ns / 1_000_000));
  let frac = ns % 1_000_000;
  if (frac == 0) return;
  b.byte(0x2E);
  let div: i64 = 100_000;
  while (frac != 0) {
    b.byte(<u32>(0x30 + frac / div));
    frac %= div;
    div /= 10;
  }
}

// ── redaction ───────────────────────────────────────────────────────────────────────────────────────
@inline function isTokenByte(c: u32): bool {
  return c != 0x22 && c != 0x5C && c != 0x20 && c != 0x2C && c > 0x1F;
}

@inline function isB64Url(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 26) || c == 0x2D || c == 0x5F;
}

function matchesCi(p: usize, end: usize, s: string): bool {
  const n = <usize>s.length;
  if (p + n > end) return false;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    const want = <u32>s.charCodeAt(<i32>i);
    if (c != want && (c | 0x20) != want) return false;
  }
  return true;
}

/** Length of a JWT (three base64url parts starting "eyJ") at p, or 0. */
function jwtLen(p: usize, end: usize): usize {
  if (!(p + 3 <= end && load<u8>(p) == 0x65 && load<u8>(p + 1) == 0x79 && load<u8>(p + 2) == 0x4A)) return 0;
  let q = p;
  for (let part = 0; part < 3; part++) {
    const start = q;
    while (q < end && isB64Url(<u32>load<u8>(q))) q++;
    if (part < 2) {
      if (q == start || q >= end || load<u8>(q) != 0x2E) return 0;
      q++;
    }
  }
  return q - p;
}

/** Copies JSON bytes [p, p+n), masking bearer tokens, JWTs and --token values. */
export function redactCopy(b: Buf, p: usize, n: usize): void {
  const end = p + n;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if ((c | 0x20) == 0x62 && matchesCi(p, end, "bearer ")) {
      b.bytes(p, 7);
      p += 7;
      while (p < end && load<u8>(p) == 0x20) b.byte(<u32>load<u8>(p++));
      const start = p;
      while (p < end && isTokenByte(<u32>load<u8>(p))) p++;
      if (p > start) b.ascii("[REDACTED]");
      continue;
    }
    if (c == 0x2D && matchesCi(p, end, "--token")) {
      b.bytes(p, 7);
      p += 7;
      if (p < end && load<u8>(p) == 0x3D) {
        b.byte(0x3D);
        p++;
      } else if (p + 1 < end && load<u8>(p) == 0x22 && load<u8>(p + 1) == 0x2C) {
        // "--token","value": mask the next array element
        b.bytes(p, 2);
        p += 2;
        while (p < end && load<u8>(p) == 0x20) b.byte(<u32>load<u8>(p++));
        if (p < end && load<u8>(p) == 0x22) {
          b.byte(0x22);
          p++;
        }
      } else continue;
      const start = p;
      while (p < end && isTokenByte(<u32>load<u8>(p))) p++;
      if (p > start) b.ascii("[REDACTED]");
      continue;
    }
    if (c == 0x65) {
      const j = jwtLen(p, end);
      if (j > 0) {
        b.ascii("[REDACTED]");
        p += j;
        continue;
      }
    }
    b.byte(c);
    p++;
  }
}

@inline function redacting(): bool {
  return opt(O_REDACT_OFF) == 0;
}

/** Copies a rendering as a JSON object ({} when it was lost), masking credentials in its values. */
function summaryCopy(b: Buf, sum: usize, sumLen: usize): void {
  if (sum == 0) b.ascii("{}");
  else if (redacting()) redactCopy(b, sumJson(sum), sumLen - SUM_HDR);
  else b.bytes(sumJson(sum), sumLen - SUM_HDR);
}

/** A summary value inside a message string: string contents, array elements joined by spaces. */
function messageValue(b: Buf, p: usize, n: usize, redact: bool): void {
  const c = load<u8>(p);
  if (c == 0x22) {
    if (redact) redactCopy(b, p + 1, n - 2);
    else b.bytes(p + 1, n - 2);
    return;
  }
  if (c == 0x5B) {
    elementsBegin(p, n);
    let k = 0;
    while (elementsNext()) {
      if (k++ > 0) b.byte(0x20);
      if ((elementType() & T_MASK) == T_STRING) {
        if (redact) redactCopy(b, elementOff(), elementLen());
        else b.bytes(elementOff(), elementLen());
      }
    }
    return;
  }
  if (c == 0x7B) return;
  b.bytes(p, n);
}

/** The summaries of the events of the alert being written: position i at chain + 8i (pointer u32, length u32). */
let chain: usize = heap.alloc(8);

/** Sizes the chain for alerts of up to n events (at init). */
export function initAlertChain(n: i32): void {
  chain = heap.alloc(8 * <usize>max(n, 1));
}

@inline export function setChain(i: i32, p: usize, n: usize): void {
  store<u32>(chain + (<usize>i << 3), <u32>p);
  store<u32>(chain + (<usize>i << 3), <u32>n, 4);
}
@inline function chainPtr(i: i32): usize {
  return <usize>load<u32>(chain + (<usize>i << 3));
}
@inline function chainLen(i: i32): usize {
  return <usize>load<u32>(chain + (<usize>i << 3), 4);
}

/** The alert message of rule r (its template's parts) as a JSON string body, fields from the chain table. */
function message(b: Buf, r: i32, key: usize, keyLen: usize, podOff: usize, span: i64): void {
  const parts = rulePartCount(r);
  for (let i: u32 = 0; i < parts; i++) {
    const kind = partKind(r, i);
    if (kind == PART_LITERAL) {
      const s = partA(r, i);
      b.escaped(strPtr(s), strLen(s));
    } else if (kind == PART_KEY) b.escaped(key, keyLen);
    else if (kind == PART_POD) b.escaped(key + podOff, keyLen - podOff);
    else if (kind == PART_SPAN_MS) spanMs(b, span);
    else if (kind == PART_FIELD) {
      const st = <i32>partA(r, i);
      const sum = chainPtr(st);
      const f = <i32>partB(r, i);
      if (sum == 0 || sumValueLen(sum, f) == 0) b.byte(0x2D);
      else messageValue(b, sumJson(sum) + sumValueOff(sum, f), sumValueLen(sum, f), redacting());
    }
  }
}

/** The start of an alert record: time, event, rule, threat, orchestrator. */
function alertHead(b: Buf, r: i32, t: i64, key: usize, keyLen: usize, podOff: usize): void {
  b.ascii("{\"@timestamp\":");
  isoTime(b, t);
  b.ascii(",\"event\":{\"kind\":\"alert\",\"module\":\"podprobe\",\"severity\":");
  b.dec(<u64>ruleSeverity(r));
  b.ascii(",\"risk_score\":");
  b.dec(<u64>ruleRisk(r));
  b.ascii("},\"rule\":");
  ruleObject(b, r);
  b.ascii(",\"threat\":");
  const th = ruleThreat(r);
  if (strLen(th) > 0) b.bytes(strPtr(th), strLen(th));
  else b.ascii("[]");
  b.ascii(",\"orchestrator\":{\"resource\":{\"name\":");
  b.quoted(key + podOff, keyLen - podOff);
  b.byte(0x7D);
  if (podOff > 0) {
    b.ascii(",\"namespace\":");
    b.quoted(key, podOff - 1);
  }
  b.byte(0x7D);
}

/** A single-event rule's member of a record's tag: {"rule":…,"match":{"id":…,"key":…}}. */
export function tagMatch(b: Buf, r: i32, id: u64, key: usize, keyLen: usize): void {
  if (b.len > 0) b.byte(0x2C);
  b.ascii("{\"rule\":");
  ruleObject(b, r);
  b.ascii(",\"match\":");
  idAndKey(b, id, key, keyLen);
  b.ascii("}}");
}

/** {"id":"<16 hex>","key":<key> — the caller closes the object. */
function idAndKey(b: Buf, id: u64, key: usize, keyLen: usize): void {
  b.ascii("{\"id\":\"");
  b.hex64(id);
  b.ascii("\",\"key\":");
  b.quoted(key, keyLen);
}

/** ,"events":[…]},"message":"…"} and the newline: the n summaries of the chain table, then the message. */
function alertTail(b: Buf, r: i32, n: i32, key: usize, keyLen: usize, podOff: usize, span: i64): void {
  b.ascii(",\"events\":[");
  for (let i = 0; i < n; i++) {
    if (i > 0) b.byte(0x2C);
    summaryCopy(b, chainPtr(i), chainLen(i));
  }
  b.ascii("]},\"message\":\"");
  message(b, r, key, keyLen, podOff, span);
  b.ascii("\"}\n");
}

/** The alert record of a single-event rule: podprobe.match and the event's summary. */
export function alertRecordSingle(b: Buf, r: i32, id: u64, key: usize, keyLen: usize, podOff: usize, t: i64, sum: usize, sumLen: usize): void {
  alertHead(b, r, t, key, keyLen, podOff);
  b.ascii(",\"podprobe\":{\"match\":");
  idAndKey(b, id, key, keyLen);
  b.byte(0x7D);
  setChain(0, sum, sumLen);
  alertTail(b, r, 1, key, keyLen, podOff, 0);
}

/**
 * Appends an ECS alert record (one line) for a sequence of n stages of rule r, whose events' summaries are in the
 * chain table (a 0 pointer: lost). key holds "pod" or "namespace/pod" and the pod starts at podOff.
 */
export function alertRecord(b: Buf, r: i32, n: i32, id: u64, key: usize, keyLen: usize, podOff: usize, t1: i64, t2: i64): void {
  alertHead(b, r, t2, key, keyLen, podOff);
  b.ascii(",\"podprobe\":{\"sequence\":");
  idAndKey(b, id, key, keyLen);
  b.ascii(",\"span_ms\":");
  spanMs(b, t2 - t1);
  b.byte(0x7D);
  alertTail(b, r, n, key, keyLen, podOff, t2 - t1);
}
