// Start-up of `podprobe serve`: listening on an address with a one-line cause when it fails, and the unix
// socket rules — a path in a missing directory is named as such, a live socket (another serve answers on it) is
// never taken over, a stale one (nobody answers) is removed, and a path that is not a socket is left alone.

import { createConnection, type Server } from "node:net";
import { lstatSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { Address } from "./address.js";

/** An I/O failure at start-up (the CLI exits 1). */
export class StartupError extends Error {}

const CAUSES: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "address not available on this host",
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
};

const cause = (e: NodeJS.ErrnoException) => (e.code ? `${CAUSES[e.code] ?? e.message} (${e.code})` : e.message);

/** Listens on a tcp, http or unix address; a failure names the option, the address and the cause. */
export async function listenOn(server: Server, a: Address, option: string): Promise<void> {
  if (a.kind === "unix") await prepareUnixPath(a.path, option, a.text);
  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) => {
      server.off("listening", ok);
      reject(new StartupError(`cannot listen on ${a.text} (${option}): ${cause(e)}`));
    };
    const ok = () => {
      server.off("error", failed);
      resolve();
    };
    server.once("error", failed);
    server.once("listening", ok);
    if (a.kind === "unix") server.listen(a.path);
    else server.listen(a.port, a.host);
  });
}

async function prepareUnixPath(path: string, option: string, text: string): Promise<void> {
  const fail = (why: string) => new StartupError(`cannot listen on ${text} (${option}): ${why}`);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw fail(`${dir} is not a directory`);
  } catch (e) {
    if (e instanceof StartupError) throw e;
    throw fail(`directory ${dir} does not exist (${(e as NodeJS.ErrnoException).code})`);
  }
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there yet
  }
  if (!st.isSocket()) throw fail(`${path} exists and is not a socket (not removing it)`);
  const answer = await probe(path);
  if (answer === "live") throw fail(`another process is listening on ${path} (a second podprobe serve?): not taking it over`);
  if (answer !== "stale") throw fail(`${path} cannot be checked: ${answer}`);
  try {
    unlinkSync(path); // left by a process that is gone
  } catch (e) {
    throw fail(`cannot remove the stale socket: ${cause(e as NodeJS.ErrnoException)}`);
  }
}

/** Whether a process answers on the unix socket at path. */
function probe(path: string, timeoutMs = 1000): Promise<"live" | "stale" | string> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    const done = (r: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    // a listener whose backlog is full may not accept at once: it is alive
    const timer = setTimeout(() => done("live"), timeoutMs);
    s.once("connect", () => done("live"));
    s.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED" || e.code === "ENOENT" ? "stale" : cause(e)));
  });
}
