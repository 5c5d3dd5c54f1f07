// Socket mode: accepts Vector `socket` sinks (tcp or unix; codec json, newline_delimited framing) and writes
// to a Vector `socket` source. All connections share one correlator (one state for every stream); each has
// its own line framing and is its own source for the watermark (one stream running ahead of another does not
// make the other's records late). When the way downstream backs up, every input is paused until it drains.

import { createServer, type Server, type Socket } from "node:net";
import type { Correlator } from "../correlator.js";
import type { Address } from "./address.js";
import { Forwarder } from "./forwarder.js";
import { LineSplitter } from "./lines.js";
import { listenOn } from "./startup.js";

export interface SocketMode {
  server: Server;
  forwarder: Forwarder;
  connections: Map<Socket, () => void>;
  /** Stop accepting, take what is in flight, flush held records and everything queued. */
  shutdown(timeoutMs: number): Promise<boolean>;
}

/** Listens first (a failure leaves nothing open), then starts the way downstream. */
export async function startSocketMode(c: Correlator, listen: Extract<Address, { kind: "tcp" | "unix" }>, forward: Extract<Address, { kind: "tcp" | "unix" }>, maxQueueBytes: number, option = "--listen", onForwarder?: (f: Forwarder) => void): Promise<SocketMode> {
  const server = createServer();
  await listenOn(server, listen, option);
  const forwarder = new Forwarder(forward, { maxQueueBytes });
  onForwarder?.(forwarder);
  // each open connection and what to do when it ends (its last partial line still goes through)
  const connections = new Map<Socket, () => void>();
  const pauseAll = () => connections.forEach((_, s) => s.pause());
  forwarder.on("drained", () => connections.forEach((_, s) => s.resume()));

  let connectionCount = 0;
  server.on("connection", (sock) => {
    const lines = new LineSplitter();
    const source = `connection-${++connectionCount}`;
    sock.on("data", (chunk: Buffer) => {
      const whole = lines.push(chunk);
      if (whole.length) forwarder.send(c.write(whole, { source }));
      if (forwarder.full) pauseAll();
    });
    const finish = () => {
      if (!connections.delete(sock)) return;
      const rest = lines.end();
      if (rest.length) forwarder.send(c.write(rest, { source }));
    };
    connections.set(sock, finish);
    sock.on("end", finish);
    sock.on("close", finish);
    sock.on("error", () => {});
    if (forwarder.full) sock.pause();
  });

  const timer = c.options.holdMs > 0 ? setInterval(() => forwarder.send(c.advance(Date.now())), Math.max(10, Math.min(250, c.options.holdMs / 2))) : undefined;

  const shutdown = async (timeoutMs: number) => {
    if (timer) clearInterval(timer);
    // stop accepting; read what connected clients still send for a moment, then close them
    const closed = new Promise<void>((r) => server.close(() => r()));
    const grace = Date.now() + Math.min(1000, timeoutMs / 4);
    connections.forEach((_, s) => s.resume());
    while (connections.size > 0 && Date.now() < grace) await new Promise((r) => setTimeout(r, 10));
    for (const [s, finish] of [...connections]) {
      finish();
      s.destroy();
    }
    await closed;
    forwarder.send(c.end());
    const ok = await forwarder.flush(timeoutMs);
    forwarder.close();
    return ok;
  };

  return { server, forwarder, connections, shutdown };
}
