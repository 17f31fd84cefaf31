import type { DataConnection } from "./data-connection.js";
import type { MediaConnection } from "./media-connection.js";
import type { PeerError } from "./peer-error.js";

/**
 * Events of a Peer.
 *
 * @example
 * peer.on("open", (id) => console.log("reachable as", id));
 * peer.on("error", (err) => console.warn(err.type, err.message));
 */
export interface PeerEvents {
  /** Connected to the server under `id` (at once when this tab joins an open shared peer). */
  open: (id: string) => void;
  /** A remote peer connected to us; fires in every tab attached to the peer. */
  connection: (conn: DataConnection, metadata: unknown) => void;
  /**
   * A connection or call that another tab of this peer placed (or that was open before this tab
   * joined) is now in `connections` here too. Listen on it like on your own; peerjs has no such case.
   */
  sharedConnection: (conn: DataConnection | MediaConnection) => void;
  /** A remote peer calls us; fires in every tab; the first `answer()` hosts the call. */
  call: (call: MediaConnection) => void;
  /** Lost the server (or `disconnect()`); connections keep working. */
  disconnected: (id: string) => void;
  /** This Peer object is destroyed. */
  close: () => void;
  error: (error: PeerError) => void;
}
