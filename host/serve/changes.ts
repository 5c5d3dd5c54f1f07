// A connection's ups and downs for the log, one line each and rate-limited: a change is logged at once when
// the last line is older than the interval; changes within it are counted and summed up in one line when the
// interval ends, with the state at that moment (so a flapping downstream costs one line per interval).

export class ChangeLog {
  private last = -Infinity;
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: (line: string) => void,
    private readonly what: string,
    private readonly state: () => string,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  change(line: string): void {
    const t = this.now();
    if (!this.timer && t - this.last >= this.intervalMs) {
      this.last = t;
      this.log(line);
      return;
    }
    this.pending++;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.last = this.now();
      this.log(`${this.what}: ${this.pending} more change${this.pending === 1 ? "" : "s"} in ${this.intervalMs / 1000} s, now ${this.state()}`);
      this.pending = 0;
    }, Math.max(0, this.last + this.intervalMs - t));
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
