// Members of an object value the scan already validated, found by name, and the element of an array of objects
// picked by a member's value — `args[name=argv].value`: in the array, the first object whose member `name` is the
// string "argv", then its member `value`. The path trie records where whole values are; this reads inside one of
// them when a derived value asks, so the scan stays one pass over the record. Work is linear in the value's
// bytes, and at most MAX_SELECT elements are looked at.

import { T_STRING, T_NUMBER, T_ARRAY, T_OBJECT, T_TRUE, T_FALSE, T_NULL, T_ESC, T_MASK, nextElement, skipWs, lastStringEscaped } from "./scan";
import { elementsBegin, elementsNext, elOff, elLen, elType } from "./elements";
import { strEquals } from "./strings";

// @ts-ignore: decorator
@inline export const MAX_SELECT: i32 = 256;

/** The member found last, described like a scan slot (strings: the body, T_ESC when it holds a backslash). */
export let mType: u32 = 0;
export let mOff: usize = 0;
export let mLen: usize = 0;

function describe(v: usize, after: usize, esc: bool): void {
  const c = <u32>load<u8>(v);
  if (c == 0x22) {
    mType = T_STRING | (esc ? T_ESC : 0);
    mOff = v + 1;
    mLen = after - v - 2;
    return;
  }
  mType = c == 0x7B ? T_OBJECT : c == 0x5B ? T_ARRAY : c == 0x74 ? T_TRUE : c == 0x66 ? T_FALSE : c == 0x6E ? T_NULL : T_NUMBER;
  mOff = v;
  mLen = after - v;
}

/** The member of the object [o, o+n) (at its brace) named by the plain bytes [name, name+nl); false if none. */
export function memberOf(o: usize, n: usize, name: usize, nl: usize): bool {
  const end = o + n - 1; // the closing brace
  let p = skipWs(o + 1, end);
  while (p < end) {
    if (load<u8>(p) != 0x22) return false;
    const keyEnd = nextElement(p, end);
    const keyEsc = lastStringEscaped();
    let v = skipWs(keyEnd, end);
    if (v >= end || load<u8>(v) != 0x3A) return false;
    v = skipWs(v + 1, end);
    const after = nextElement(v, end);
    const esc = lastStringEscaped();
    if (strEquals(p + 1, keyEnd - p - 2, keyEsc, name, nl)) {
      describe(v, after, esc);
      return true;
    }
    p = skipWs(after, end);
    if (p < end && load<u8>(p) == 0x2C) p = skipWs(p + 1, end);
  }
  return false;
}

/** The member at the dotted path [path, path+pl) below the object [o, o+n) (each segment one member name). */
export function memberAt(o: usize, n: usize, path: usize, pl: usize): bool {
  let s: usize = 0;
  while (true) {
    let e = s;
    while (e < pl && load<u8>(path + e) != 0x2E) e++;
    if (!memberOf(o, n, path + s, e - s)) return false;
    if (e >= pl) return true;
    if (mType != T_OBJECT) return false;
    o = mOff;
    n = mLen;
    s = e + 1;
  }
}

/**
 * In the array [a, a+n), the first object whose member `key` is the string `equals`: its member at `member`.
 * Keys, value and member path are plain bytes (program strings). False when there is none.
 */
export function selectElement(a: usize, n: usize, key: usize, kl: usize, equals: usize, el: usize, member: usize, ml: usize): bool {
  elementsBegin(a, n);
  for (let i = 0; i < MAX_SELECT && elementsNext(); i++) {
    if ((elType & T_MASK) != T_OBJECT) continue;
    const o = elOff;
    const on = elLen;
    if (!memberOf(o, on, key, kl) || (mType & T_MASK) != T_STRING) continue;
    if (!strEquals(mOff, mLen, (mType & T_ESC) != 0, equals, el)) continue;
    return memberAt(o, on, member, ml);
  }
  return false;
}
