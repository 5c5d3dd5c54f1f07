// Checks one fuzz stream's output against its input: every input record leaves once, in order, byte-identical
// or with exactly one "podprobe" member added at the end of its top-level object; alert records appear only
// after a tagged record and are valid JSON of the alert shape. Returns a list of problems (empty = fine).

const ALERT_KEYS = ["@timestamp", "event", "rule", "threat", "orchestrator", "podprobe", "message"];

export function checkStream(inputs: Buffer[], output: Buffer, expectAlerts: boolean): string[] {
  const problems: string[] = [];
  const lines: Buffer[] = [];
  let s = 0;
  for (let i = output.indexOf(10); i >= 0; i = output.indexOf(10, s)) {
    lines.push(output.subarray(s, i));
    s = i + 1;
  }
  if (s < output.length) lines.push(output.subarray(s));
  let li = 0;
  for (let k = 0; k < inputs.length && problems.length < 5; k++) {
    const want = inputs[k];
    const got = lines[li++];
    if (got === undefined) {
      problems.push(`record ${k} missing from the output`);
      break;
    }
    if (got.equals(want)) continue;
    // tagged: want[0, close) + [","] + "podprobe":{…} + want[close, end)
    const close = want.lastIndexOf(0x7d);
    const head = want.subarray(0, close);
    const tail = want.subarray(close);
    if (close < 0 || !got.subarray(0, close).equals(head) || !got.subarray(got.length - tail.length).equals(tail)) {
      problems.push(`record ${k} changed beyond a tag: ${JSON.stringify(got.toString("latin1").slice(0, 200))}`);
      continue;
    }
    let before: Record<string, unknown>, after: Record<string, unknown>;
    try {
      before = JSON.parse(want.toString("utf8"));
      after = JSON.parse(got.toString("utf8"));
    } catch {
      problems.push(`record ${k}: tagged but not valid JSON`);
      continue;
    }
    const added = Object.keys(after).filter((x) => !(x in before));
    if (added.join() !== "podprobe" || "podprobe" in before || Object.keys(before).length + 1 !== Object.keys(after).length) {
      problems.push(`record ${k}: tag added ${JSON.stringify(added)}`);
    }
    // its alert records follow
    let alerts = 0;
    while (expectAlerts && li < lines.length) {
      const l = lines[li].toString("utf8");
      if (!l.startsWith('{"@timestamp":') || !l.includes('"module":"podprobe"')) break;
      try {
        const a = JSON.parse(l);
        if (Object.keys(a).join() !== ALERT_KEYS.join() || a.event.kind !== "alert") problems.push(`alert after record ${k} has keys ${Object.keys(a)}`);
      } catch {
        problems.push(`alert after record ${k} is not valid JSON`);
      }
      alerts++;
      li++;
    }
    if (expectAlerts && alerts === 0) problems.push(`record ${k} tagged without an alert record`);
  }
  if (problems.length === 0 && li !== lines.length) problems.push(`${lines.length - li} extra output lines`);
  return problems;
}
