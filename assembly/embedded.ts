// Records carried inside a log line: when kube-apiserver writes its audit log to stdout, the container runtime
// wraps each Event in a log line, and the shipper's parser leaves it as a string — `{"log":"{\"kind\":\"Event\",…}"}`
// (Fluent Bit's CRI/docker parsers) or in `message` (Vector's kubernetes_logs). A carrier field (from the program)
// whose string holds the marker and decodes to a JSON object of the embedded shape is read exactly like that
// record on its own line: the outer record's slots give way to the inner one's. The tag still goes on the outer
// record, which leaves byte-identical otherwise. Decoding uses one scratch of max_record_bytes, allocated once.

import { bump, C_EMBEDDED_INVALID } from "./counters";
import { getField, fvType, fvOff, fvLen, fvConst, selectShape, shape, strPtr, strLen, NONE } from "./program";
import { carrierCount, carrier, embedShape, embedMarker, sourceField } from "./rules";
import { scanRecord, recDuplicate, T_STRING, T_NUMBER, T_ESC, T_MASK } from "./scan";
import { decodeString, bytesEqual } from "./strings";

let scratch: usize = 0;
let scratchCap: usize = 0;

/** The outer record's source field value, kept when its slots give way to an embedded record's. */
export let outerSourceOff: usize = 0;
export let outerSourceLen: isize = -1; // -1: none

export function initEmbedded(maxRecord: usize): void {
  scratchCap = maxRecord;
  scratch = heap.alloc(maxRecord + 16); // the scanner may load whole words past the end
}

/** The marker bytes occur in [p, p+n). */
function contains(p: usize, n: usize, m: usize, mn: usize): bool {
  if (mn == 0) return true;
  if (n < mn) return false;
  const first = load<u8>(m);
  const last = p + n - mn;
  for (let q = p; q <= last; q++) {
    if (load<u8>(q) == first && bytesEqual(q, m, mn)) return true;
  }
  return false;
}

function rescanOuter(p: usize, n: usize): void {
  scanRecord(p, p + n);
  selectShape();
}

/**
 * After the outer record [p, p+n) was scanned and its shape chosen: when a carrier field holds an embedded record
 * of the embedded shape, the slots and shape now describe that record and this returns true. Otherwise the outer
 * record's scan stands (an embedded text that is no valid JSON object is counted, embedded_invalid).
 */
export function readEmbedded(p: usize, n: usize): bool {
  outerSourceLen = -1;
  if (carrierCount == 0 || embedShape == NONE || <u32>shape == embedShape) return false;
  for (let c = 0; c < carrierCount; c++) {
    if (!getField(carrier(c)) || fvConst || (fvType & T_MASK) != T_STRING || (fvType & T_ESC) == 0) continue;
    // an object's text starts with a brace (after blanks) and, escaped, holds quotes: cheap tests first
    let q = fvOff;
    const end = fvOff + fvLen;
    while (q < end && (load<u8>(q) == 0x20 || load<u8>(q) == 0x09)) q++;
    if (q >= end || load<u8>(q) != 0x7B) continue;
    if (embedMarker != NONE && !contains(q, end - q, strPtr(embedMarker), strLen(embedMarker))) continue;
    const body = q;
    if (sourceField != NONE && getField(sourceField)) {
      const t = fvType & T_MASK;
      if (t == T_STRING || t == T_NUMBER) {
        outerSourceOff = fvOff;
        outerSourceLen = <isize>fvLen;
      }
    }
    const d = decodeString(body, end, scratch, scratchCap + 4);
    if (d < 0 || !scanRecord(scratch, scratch + <usize>d) || recDuplicate) {
      bump(C_EMBEDDED_INVALID);
      outerSourceLen = -1;
      rescanOuter(p, n);
      return false;
    }
    selectShape();
    if (<u32>shape == embedShape) return true;
    outerSourceLen = -1;
    rescanOuter(p, n);
    return false;
  }
  return false;
}
