import { wireError } from "../contract/errors.js";
import type { PeerSettings } from "../contract/options.js";
import type { Platform } from "./platform.js";
import { peersUrl } from "./server-url.js";

/** `listAllPeers`: the ids the PeerServer lists (it must run with `allow_discovery`). */
export async function listPeers(platform: Pick<Platform, "fetch">, settings: PeerSettings): Promise<string[]> {
  const response = await platform.fetch(peersUrl(settings), { referrerPolicy: settings.referrerPolicy });
  if (response.status === 401) {
    throw wireError("server-error", "The PeerServer does not allow listing peers; start it with allow_discovery.");
  }
  if (!response.ok) throw wireError("server-error", `Could not list peers: HTTP ${response.status}.`);
  const ids: unknown = await response.json();
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
    throw wireError("server-error", "The PeerServer answered the peer list with something else than ids.");
  }
  return ids;
}
