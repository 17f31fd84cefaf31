import type { HubStats } from "../contract/worker-api.js";
import { peerInternals } from "./internals.js";
import type { Peer } from "./peer.js";

/**
 * What the hub behind `peer` holds right now: peers, tabs, Peer objects (members), connections,
 * open ports and signalling sockets. For tests and debugging: after everything closed, the counts
 * return to where they started, or something leaked.
 *
 * @example
 * const before = await hubStats(peer);
 * // ... open and close connections ...
 * expect(await hubStats(peer)).toEqual(before);
 */
export function hubStats(peer: Peer): Promise<HubStats> {
  return peer[peerInternals].stats();
}
