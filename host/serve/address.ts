// Addresses of `podprobe serve`: tcp://host:port, unix:///path, http://host:port[/path].

export type Address =
  | { kind: "tcp"; host: string; port: number; text: string }
  | { kind: "unix"; path: string; text: string }
  | { kind: "http"; url: URL; host: string; port: number; text: string };

export class AddressError extends Error {}

export function parseAddress(text: string, option: string): Address {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new AddressError(`option ${option}: expected tcp://host:port, unix:///path or http://host:port/path (got ${JSON.stringify(text)})`);
  }
  if (u.protocol === "unix:") {
    if (!u.pathname || u.pathname === "/") throw new AddressError(`option ${option}: a unix address needs a path (got ${JSON.stringify(text)})`);
    return { kind: "unix", path: decodeURIComponent(u.pathname), text };
  }
  const port = Number(u.port);
  if (!u.hostname || !Number.isInteger(port) || port < 0 || port > 65535 || u.port === "") {
    throw new AddressError(`option ${option}: a port is required (got ${JSON.stringify(text)})`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (u.protocol === "tcp:") return { kind: "tcp", host, port, text };
  if (u.protocol === "http:") return { kind: "http", url: u, host, port, text };
  throw new AddressError(`option ${option}: unsupported scheme ${u.protocol} (got ${JSON.stringify(text)})`);
}
