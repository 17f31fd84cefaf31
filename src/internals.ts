import type { HubStats } from "../contract/worker-api.js";

/**
 * Package-private hooks between the facades, under symbols so that they stay off the public
 * surface (and out of autocomplete).
 */
export const connectionInternals = Symbol("sharedpeer.connection");
export const peerInternals = Symbol("sharedpeer.peer");

export interface PeerInternals {
  /** A connection or call of this Peer ended. */
  forget(conn: { readonly peer: string; readonly connectionId: string }): void;
  stats(): Promise<HubStats>;
}
