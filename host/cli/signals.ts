// SIGTERM and SIGINT for the command: the first asks for a clean end (flush held records, print --stats, exit
// 0); a second one ends the process at once (128 + the signal's number), for a flush stuck on a dead consumer.
// Installed before anything can read or serve, so no signal finds the process without them.

const NUMBER: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

export class Signals {
  received: NodeJS.Signals | undefined;
  private readonly listeners = new Set<(s: NodeJS.Signals) => void>();
  private readonly handler = (s: NodeJS.Signals) => {
    if (this.received) process.exit(128 + NUMBER[s]);
    this.received = s;
    for (const l of [...this.listeners]) l(s);
  };

  install(): this {
    process.on("SIGTERM", this.handler);
    process.on("SIGINT", this.handler);
    return this;
  }

  uninstall(): void {
    process.off("SIGTERM", this.handler);
    process.off("SIGINT", this.handler);
  }

  /** Calls f on the first signal; returns a function that stops listening. */
  on(f: (s: NodeJS.Signals) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** The first signal (at once when one already arrived). */
  next(): Promise<NodeJS.Signals> {
    if (this.received) return Promise.resolve(this.received);
    return new Promise((resolve) => {
      const off = this.on((s) => {
        off();
        resolve(s);
      });
    });
  }
}
