import type { HubStats } from "../contract/worker-api.js";

/**
 * Package-private hooks between the facades, under symbols so that they stay off the public
 * surface (and out of autocomplete), and out of the published types.
 * @internal
 */
export const connectionInternals = Symbol("sharedpeer.connection");
/** @internal */
export const peerInternals = Symbol("sharedpeer.peer");

/** @internal */
export interface PeerInternals {
  /** A connection or call of this Peer ended (named by what it is, so that this file needs no connection types). */
  forget(conn: { readonly peer: string; readonly connectionId: string }): void;
  stats(): Promise<HubStats>;
}
