import type { PeerSettings } from "../contract/options.js";

type Where = Pick<PeerSettings, "secure" | "host" | "port" | "path" | "key">;

const CLIENT_VERSION = "1.5.5";

function base(s: Where, scheme: "http" | "ws"): string {
  return `${scheme}${s.secure ? "s" : ""}://${s.host}:${s.port}${s.path}`;
}

/** `GET <path><key>/id`: a fresh id from the server (protocol.md §1.1). */
export function idUrl(s: Where): string {
  return `${base(s, "http")}${encodeURIComponent(s.key)}/id?ts=${Date.now()}${Math.random()}&version=${CLIENT_VERSION}`;
}

export function peersUrl(s: Where): string {
  return `${base(s, "http")}${encodeURIComponent(s.key)}/peers?ts=${Date.now()}${Math.random()}&version=${CLIENT_VERSION}`;
}

/** The signalling socket (protocol.md §1.2). */
export function socketUrl(s: Where, id: string, token: string): string {
  const query = new URLSearchParams({ key: s.key, id, token, version: CLIENT_VERSION });
  return `${base(s, "ws")}peerjs?${query.toString()}`;
}
