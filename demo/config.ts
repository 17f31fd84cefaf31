/**
 * Which peer this tab is and where the PeerServer is. The id comes from `?id=` (this tab only),
 * else the profile's default in localStorage (so every tab of one browser profile shares it),
 * else a new random one that becomes the default.
 */
import type { PeerOptions, WorkerModeOption } from "sharedpeer";

const DEFAULT_ID_KEY = "sharedpeer-demo-id";
const MODES: readonly WorkerModeOption[] = ["auto", "shared", "dedicated", "inline"];

export interface DemoConfig {
  readonly id: string;
  /** Where the id came from, shown next to it. */
  readonly idSource: "url" | "profile" | "new";
  readonly options: PeerOptions;
}

export function randomId(): string {
  return `demo-${Math.random().toString(36).slice(2, 7)}`;
}

export function defaultId(): string | null {
  return localStorage.getItem(DEFAULT_ID_KEY);
}

/** Makes `id` this profile's default: tabs opened without `?id=` use it. */
export function setDefaultId(id: string): void {
  localStorage.setItem(DEFAULT_ID_KEY, id);
}

export function readConfig(search = location.search): DemoConfig {
  const params = new URLSearchParams(search);
  const fromUrl = params.get("id")?.trim();
  let id: string;
  let idSource: DemoConfig["idSource"];
  if (fromUrl) {
    id = fromUrl;
    idSource = "url";
  } else if (defaultId()) {
    id = defaultId() as string;
    idSource = "profile";
  } else {
    id = randomId();
    idSource = "new";
    setDefaultId(id);
  }
  const wanted = params.get("worker") as WorkerModeOption | null;
  const worker = wanted !== null && MODES.includes(wanted) ? wanted : "auto";
  const options: PeerOptions = {
    host: import.meta.env["VITE_PEER_HOST"] ?? "127.0.0.1",
    port: Number(import.meta.env["VITE_PEER_PORT"] ?? 9000),
    path: "/",
    secure: false,
    // Everything stays on this machine: no STUN/TURN servers.
    config: { iceServers: [] },
    worker,
  };
  return { id, idSource, options };
}

/** The URL of this page for another id (keeps `?worker=`). */
export function urlForId(id: string | null): string {
  const params = new URLSearchParams(location.search);
  if (id === null) params.delete("id");
  else params.set("id", id);
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ""}`;
}
