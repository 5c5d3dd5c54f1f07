// The predicate interpreter: a stage's condition, a shape's guard and a derived value's test are trees of nodes
// in the program's code section, evaluated against the current record's fields (program.ts getField) with
// Elasticsearch EQL's semantics. A node is [op, a, b, size in words] followed by its children; bits 0-7 of op
// name the operation, bits 8-15 a relation or function kind, bit 16 a flag.

import { getField, fvType, fvOff, fvLen, fvConst, strPtr, strLen, setPtr, setSize, stringCount, setCount, fieldCount, code, codeWords, singlePath, NONE } from "./program";
import { T_NONE, T_STRING, T_ARRAY, T_TRUE, T_NULL, T_ESC, T_MASK, T_NUMBER, T_FALSE } from "./scan";
import { strEquals, strStartsWith, decodeString, scratch, SCRATCH_CAP } from "./strings";
import { wildcardMatch, equalsIgnoreCase } from "./wildcard";
import { elementsBegin, elementsNext, elOff, elLen, elType } from "./elements";
import { compareValue, relationHolds, numberOf, REL_LT, REL_NE } from "./compare";
import { regexMatch, checkAutomaton } from "./regex";
import { cidrMatch, checkRanges } from "./cidr";
import { startsWithBytes, endsWithBytes, containsBytes, scalarView, utf16Length, substringOf, sliceOff, sliceLen, viewA, viewB } from "./strfunc";

export const OP_TRUE: u32 = 0;
export const OP_AND: u32 = 1;
export const OP_OR: u32 = 2;
export const OP_NOT: u32 = 3;
export const OP_EQ: u32 = 4; // field equals any string of set (any element, for arrays)
export const OP_PREFIX: u32 = 5; // field starts with any string of set
export const OP_EXISTS: u32 = 6; // field present, not null, not an array of only nulls
export const OP_IS_TRUE: u32 = 7; // JSON true or the string "true"
export const OP_EQ_CI: u32 = 8; // like OP_EQ, ASCII case-insensitive (EQL in~)
export const OP_LIKE: u32 = 9; // field matches any pattern of set (* and ?)
export const OP_LIKE_CI: u32 = 10; // the same, ASCII case-insensitive (EQL like~ and :)
export const OP_CMP: u32 = 11; // field <relation> constant: b = string (the constant's text), relation in bits 8-15
export const CMP_NUMBER: u32 = 0x10000; // bit 16: the constant is a number (else a string)
export const OP_IS_FALSE: u32 = 12; // JSON false, the string "false" or "" (a boolean field's false)
export const OP_SUFFIX: u32 = 13; // field ends with any string of set (EQL endsWith)
export const OP_CONTAINS: u32 = 14; // field contains any string of set (EQL stringContains)
export const OP_REGEX: u32 = 15; // field matches the automaton in string b (EQL regex, regex~)
export const OP_CIDR: u32 = 16; // field is an IP address in one of the ranges in string b (EQL cidrmatch)
export const OP_FIELD_FN: u32 = 17; // function of fields a and b (first doc values): kind in bits 8-15
export const OP_LENGTH: u32 = 18; // length(field) <relation> number b (first doc value, UTF-16 units)
export const OP_SUBSTR: u32 = 19; // substring(field, start, end) equals any string of set b; node words 4-5: start, end (i32)
export const SUBSTR_HAS_END: u32 = 0x10000; // bit 16 of OP_SUBSTR: an end was given
export const CASE_INSENSITIVE: u32 = 0x10000; // bit 16 of OP_PREFIX, OP_SUFFIX, OP_CONTAINS, OP_FIELD_FN: ASCII case folding
export const FN_STARTS: u32 = 1;
export const FN_ENDS: u32 = 2;
export const FN_CONTAINS: u32 = 3;
// @ts-ignore: decorator
@inline const SUBSTR_WORDS: u32 = 6;


@inline export function w(pc: u32): u32 {
  return load<u32>(code + <usize>pc * 4);
}

/**
 * A path that must be present for the guard at pc to hold, or NONE: the guard is (or starts an `and` with) an
 * equality or existence test of a field that shape 0 reads from exactly one path.
 */
export function markerOf(pc: u32): u32 {
  let op = w(pc);
  if (op == OP_AND && w(pc + 1) > 0) {
    pc += 4;
    op = w(pc);
  }
  if (op != OP_EQ && op != OP_EXISTS) return NONE;
  return singlePath(w(pc + 1));
}

/** Structural check of the predicate tree at pc (bounds, ops, field and set indices). */
export function checkCode(pc: u32): bool {
  if (pc + 4 > codeWords) return false;
  const op = w(pc);
  const a = w(pc + 1);
  const b = w(pc + 2);
  const size = w(pc + 3);
  if (size < 4 || pc + size > codeWords) return false;
  if (op == OP_AND || op == OP_OR) {
    let c = pc + 4;
    for (let i: u32 = 0; i < a; i++) {
      if (!checkCode(c)) return false;
      c += w(c + 3);
    }
    return c == pc + size;
  }
  if (op == OP_NOT) return checkCode(pc + 4) && pc + 4 + w(pc + 7) == pc + size;
  if (op == OP_TRUE) return size == 4;
  const base = op & 0xFF;
  const rel = (op >> 8) & 0xFF;
  const extra = op & ~(0xFF | CASE_INSENSITIVE);
  if (op == OP_EQ || op == OP_EQ_CI || op == OP_LIKE || op == OP_LIKE_CI) return size == 4 && a < <u32>fieldCount && b < <u32>setCount;
  if ((base == OP_PREFIX || base == OP_SUFFIX || base == OP_CONTAINS) && extra == 0) return size == 4 && a < <u32>fieldCount && b < <u32>setCount;
  if (base == OP_CMP || base == OP_LENGTH) {
    if (base == OP_LENGTH && (op & CMP_NUMBER) != 0) return false;
    return size == 4 && a < <u32>fieldCount && b < <u32>stringCount && rel >= REL_LT && rel <= REL_NE;
  }
  if (op == OP_EXISTS || op == OP_IS_TRUE || op == OP_IS_FALSE) return size == 4 && a < <u32>fieldCount;
  if (op == OP_REGEX) return size == 4 && a < <u32>fieldCount && b < <u32>stringCount && checkAutomaton(strPtr(b), strLen(b));
  if (op == OP_CIDR) return size == 4 && a < <u32>fieldCount && b < <u32>stringCount && checkRanges(strPtr(b), strLen(b));
  if (base == OP_FIELD_FN) return size == 4 && a < <u32>fieldCount && b < <u32>fieldCount && rel >= FN_STARTS && rel <= FN_CONTAINS && (op & ~(0xFFFF | CASE_INSENSITIVE)) == 0;
  if ((op & ~SUBSTR_HAS_END) == OP_SUBSTR) return size == SUBSTR_WORDS && a < <u32>fieldCount && b < <u32>setCount;
  return false;
}


// how a set is matched
// @ts-ignore: decorator
@inline const M_EQ: i32 = 0;
// @ts-ignore: decorator
@inline const M_PREFIX: i32 = 1;
// @ts-ignore: decorator
@inline const M_EQ_CI: i32 = 2;
// @ts-ignore: decorator
@inline const M_LIKE: i32 = 3;
// @ts-ignore: decorator
@inline const M_LIKE_CI: i32 = 4;
// @ts-ignore: decorator
@inline const M_PREFIX_CI: i32 = 5;
// @ts-ignore: decorator
@inline const M_SUFFIX: i32 = 6;
// @ts-ignore: decorator
@inline const M_SUFFIX_CI: i32 = 7;
// @ts-ignore: decorator
@inline const M_CONTAINS: i32 = 8;
// @ts-ignore: decorator
@inline const M_CONTAINS_CI: i32 = 9;

function setHas(set: u32, p: usize, n: usize, esc: bool, mode: i32): bool {
  const ptr = setPtr(set);
  const count = setSize(set);
  if (mode >= M_EQ_CI && esc) {
    // the case-insensitive and wildcard matchers read plain bytes
    const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
    if (d < 0) return false;
    p = scratch;
    n = <usize>d;
  }
  for (let i: u32 = 0; i < count; i++) {
    const s = load<u32>(ptr + <usize>i * 4);
    const sp = strPtr(s);
    const sn = strLen(s);
    let hit: bool;
    if (mode == M_EQ) hit = strEquals(p, n, esc, sp, sn);
    else if (mode == M_PREFIX) hit = strStartsWith(p, n, esc, sp, sn);
    else if (mode == M_EQ_CI) hit = n == sn && equalsIgnoreCase(p, sp, n);
    else if (mode == M_LIKE || mode == M_LIKE_CI) hit = wildcardMatch(p, n, sp, sn, mode == M_LIKE_CI);
    else if (mode == M_PREFIX_CI) hit = startsWithBytes(p, n, sp, sn, true);
    else if (mode == M_SUFFIX || mode == M_SUFFIX_CI) hit = endsWithBytes(p, n, sp, sn, mode == M_SUFFIX_CI);
    else hit = containsBytes(p, n, sp, sn, mode == M_CONTAINS_CI);
    if (hit) return true;
  }
  return false;
}

/** JSON numbers and booleans match string constants by their text, as a keyword field indexes them. */
@inline function byText(t: u32): bool {
  return t == T_NUMBER || t == T_TRUE || t == T_FALSE;
}

/** Any string element (or number or boolean, by its text) is matched by the set. */
function matchesSet(set: u32, mode: i32): bool {
  const t = fvType & T_MASK;
  if (t == T_STRING) return setHas(set, fvOff, fvLen, (fvType & T_ESC) != 0 && !fvConst, mode);
  if (byText(t)) return setHas(set, fvOff, fvLen, false, mode);
  if (t != T_ARRAY) return false;
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) {
    const et = elType & T_MASK;
    if ((et == T_STRING || byText(et)) && setHas(set, elOff, elLen, (elType & T_ESC) != 0, mode)) return true;
  }
  return false;
}

/** Any string element matches the automaton at string a. */
function matchesRegex(a: u32): bool {
  const rx = strPtr(a);
  const t = fvType & T_MASK;
  if (t == T_STRING) return regexMatch(rx, fvOff, fvLen, (fvType & T_ESC) != 0 && !fvConst);
  if (t == T_NUMBER) return regexMatch(rx, fvOff, fvLen, false);
  if (t != T_ARRAY) return false;
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) {
    const et = elType & T_MASK;
    if ((et == T_STRING || et == T_NUMBER) && regexMatch(rx, elOff, elLen, (elType & T_ESC) != 0)) return true;
  }
  return false;
}

/** One string value as an address in the ranges at string r (escapes decoded first). */
function inRanges(p: usize, n: usize, esc: bool, r: u32): bool {
  if (esc) {
    const d = decodeString(p, p + n, scratch, SCRATCH_CAP);
    if (d < 0) return false;
    p = scratch;
    n = <usize>d;
  }
  return cidrMatch(p, n, strPtr(r), strLen(r));
}

/** Any string element is an IP address in the ranges at string r. */
function matchesCidr(r: u32): bool {
  const t = fvType & T_MASK;
  if (t == T_STRING) return inRanges(fvOff, fvLen, (fvType & T_ESC) != 0 && !fvConst, r);
  if (t != T_ARRAY) return false;
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) if ((elType & T_MASK) == T_STRING && inRanges(elOff, elLen, (elType & T_ESC) != 0, r)) return true;
  return false;
}

/** The current field as a script reads it, into dst: length, or -1 for null. */
@inline function currentView(dst: usize): isize {
  return scalarView(fvConst ? T_STRING : fvType, fvOff, fvLen, dst);
}

/** startsWith / endsWith / stringContains of two fields' first doc values. */
function fieldFunction(op: u32, a: u32, b: u32): bool {
  if (!getField(a)) return false;
  const an = currentView(viewA);
  if (an < 0 || !getField(b)) return false;
  const bn = currentView(viewB);
  if (bn < 0) return false;
  const kind = (op >> 8) & 0xFF;
  const ci = (op & CASE_INSENSITIVE) != 0;
  if (kind == FN_STARTS) return startsWithBytes(viewA, <usize>an, viewB, <usize>bn, ci);
  if (kind == FN_ENDS) return endsWithBytes(viewA, <usize>an, viewB, <usize>bn, ci);
  return containsBytes(viewA, <usize>an, viewB, <usize>bn, ci);
}

/** length(field) <rel> number. */
function lengthHolds(op: u32, constant: u32): bool {
  const n = currentView(viewA);
  if (n < 0) return false;
  const len = <f64>utf16Length(viewA, <usize>n);
  const c = numberOf(strPtr(constant), strLen(constant));
  if (isNaN(c)) return false;
  return relationHolds((op >> 8) & 0xFF, len < c ? -1 : len > c ? 1 : 0);
}

/** substring(field, start, end) equals a string of the set. */
function substringIn(op: u32, pc: u32): bool {
  const n = currentView(viewA);
  if (n < 0) return false;
  if (!substringOf(viewA, <usize>n, <i32>w(pc + 4), <i32>w(pc + 5), (op & SUBSTR_HAS_END) != 0)) return false;
  return setHas(w(pc + 2), sliceOff, sliceLen, false, M_EQ);
}

/** field <rel> constant: for an array, any element. */
function compares(op: u32, constant: u32): bool {
  const rel = (op >> 8) & 0xFF;
  const number = (op & CMP_NUMBER) != 0;
  const c = strPtr(constant);
  const cn = strLen(constant);
  const t = fvType & T_MASK;
  if (t != T_ARRAY) return relationHolds(rel, compareValue(fvConst ? T_STRING : fvType, fvOff, fvLen, c, cn, number));
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) if (relationHolds(rel, compareValue(elType, elOff, elLen, c, cn, number))) return true;
  return false;
}

function isFalse(): bool {
  const t = fvType & T_MASK;
  if (t == T_FALSE) return true;
  if (t == T_STRING) return isFalseString(fvOff, fvLen, fvType);
  if (t != T_ARRAY) return false;
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) {
    const et = elType & T_MASK;
    if (et == T_FALSE || (et == T_STRING && isFalseString(elOff, elLen, elType))) return true;
  }
  return false;
}

@inline function isFalseString(p: usize, n: usize, t: u32): bool {
  if ((t & T_ESC) != 0) return false;
  return n == 0 || (n == 5 && load<u32>(p) == 0x736C6166 && load<u8>(p + 4) == 0x65);
}

function isTrue(): bool {
  const t = fvType & T_MASK;
  if (t == T_TRUE) return true;
  if (t == T_STRING) return isTrueString(fvOff, fvLen, fvType);
  if (t != T_ARRAY) return false;
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) {
    const et = elType & T_MASK;
    if (et == T_TRUE || (et == T_STRING && isTrueString(elOff, elLen, elType))) return true;
  }
  return false;
}

@inline function isTrueString(p: usize, n: usize, t: u32): bool {
  if ((t & T_ESC) != 0) return false; // an escaped "true" is not what Elasticsearch coerces
  return n == 4 && load<u32>(p) == 0x65757274;
}

function exists(): bool {
  const t = fvType & T_MASK;
  if (t == T_NONE || t == T_NULL) return false;
  if (t != T_ARRAY) return true;
  elementsBegin(fvOff, fvLen);
  while (elementsNext()) if ((elType & T_MASK) != T_NULL) return true;
  return false;
}

/** Evaluates the predicate node at pc against the current record. */
export function evalNode(pc: u32): bool {
  const op = w(pc);
  const a = w(pc + 1);
  if (op == OP_AND || op == OP_OR) {
    const isAnd = op == OP_AND;
    let c = pc + 4;
    for (let i: u32 = 0; i < a; i++) {
      const r = evalNode(c);
      if (isAnd ? !r : r) return !isAnd;
      c += w(c + 3);
    }
    return isAnd;
  }
  if (op == OP_NOT) return !evalNode(pc + 4);
  if (op == OP_TRUE) return true;
  if ((op & 0xFF) == OP_FIELD_FN) return fieldFunction(op, a, w(pc + 2));
  if (!getField(a)) return false;
  if (op == OP_EQ) return matchesSet(w(pc + 2), M_EQ);
  if (op == OP_PREFIX) return matchesSet(w(pc + 2), M_PREFIX);
  if (op == (OP_PREFIX | CASE_INSENSITIVE)) return matchesSet(w(pc + 2), M_PREFIX_CI);
  if ((op & 0xFF) == OP_SUFFIX) return matchesSet(w(pc + 2), (op & CASE_INSENSITIVE) != 0 ? M_SUFFIX_CI : M_SUFFIX);
  if ((op & 0xFF) == OP_CONTAINS) return matchesSet(w(pc + 2), (op & CASE_INSENSITIVE) != 0 ? M_CONTAINS_CI : M_CONTAINS);
  if (op == OP_REGEX) return matchesRegex(w(pc + 2));
  if (op == OP_CIDR) return matchesCidr(w(pc + 2));
  if (op == OP_IS_FALSE) return isFalse();
  if ((op & 0xFF) == OP_LENGTH) return lengthHolds(op, w(pc + 2));
  if ((op & ~SUBSTR_HAS_END) == OP_SUBSTR) return substringIn(op, pc);
  if (op == OP_EQ_CI) return matchesSet(w(pc + 2), M_EQ_CI);
  if (op == OP_LIKE) return matchesSet(w(pc + 2), M_LIKE);
  if (op == OP_LIKE_CI) return matchesSet(w(pc + 2), M_LIKE_CI);
  if ((op & 0xFF) == OP_CMP) return compares(op, w(pc + 2));
  if (op == OP_EXISTS) return exists();
  if (op == OP_IS_TRUE) return isTrue();
  return false;
}
