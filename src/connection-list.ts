import type { ConnRef } from "../contract/ids.js";
import type { DataConnection } from "./data-connection.js";
import type { MediaConnection } from "./media-connection.js";

export type AnyConnection = DataConnection | MediaConnection;

/**
 * A Peer's live connections and calls: by remote id (what `peer.connections` shows), by the
 * worker's ref (where events go), and those this Peer placed that the worker does not know yet.
 */
export class ConnectionList {
  private readonly byRemote = new Map<string, AnyConnection[]>();
  private readonly byRef = new Map<ConnRef, AnyConnection>();
  private readonly placing = new Map<string, AnyConnection>();

  /** A connection this Peer placed: it is listed now and bound when the worker reports it. */
  placed(conn: AnyConnection): void {
    this.placing.set(conn.connectionId, conn);
    this.add(conn);
  }

  /** The connection the worker reports under `ref`: the one placed here, or `make()` for a new one. */
  adopt<C extends AnyConnection>(
    ref: ConnRef,
    connectionId: string,
    kind: new (...args: never[]) => C,
    make: () => C,
  ): { conn: C; placedHere: boolean } {
    const placed = this.placing.get(connectionId);
    this.placing.delete(connectionId);
    const placedHere = placed instanceof kind;
    const conn = placedHere ? (placed as C) : make();
    if (!placedHere) this.add(conn);
    this.byRef.set(ref, conn);
    return { conn, placedHere };
  }

  get(ref: ConnRef): AnyConnection | undefined {
    return this.byRef.get(ref);
  }

  find(remoteId: string, connectionId: string): AnyConnection | null {
    return this.byRemote.get(remoteId)?.find((c) => c.connectionId === connectionId) ?? null;
  }

  remove(conn: Pick<AnyConnection, "peer" | "connectionId">): void {
    const rest = (this.byRemote.get(conn.peer) ?? []).filter((c) => c !== conn);
    if (rest.length > 0) this.byRemote.set(conn.peer, rest);
    else this.byRemote.delete(conn.peer);
    this.placing.delete(conn.connectionId);
    for (const [ref, c] of this.byRef) if (c === conn) this.byRef.delete(ref);
  }

  /** Remote id → copies of the lists, as `peer.connections` returns them. */
  snapshot(): Record<string, AnyConnection[]> {
    const out: Record<string, AnyConnection[]> = {};
    for (const [remote, list] of this.byRemote) out[remote] = [...list];
    return out;
  }

  has(conn: AnyConnection): boolean {
    return this.byRemote.get(conn.peer)?.includes(conn) ?? false;
  }

  all(): AnyConnection[] {
    return [...this.byRemote.values()].flat();
  }

  private add(conn: AnyConnection): void {
    const list = this.byRemote.get(conn.peer) ?? [];
    list.push(conn);
    this.byRemote.set(conn.peer, list);
  }
}
