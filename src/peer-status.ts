/** @internal */
export type PeerState = "connecting" | "open" | "disconnected" | "destroyed";

/**
 * Where one Peer object stands with the server, and the ids it has had. Each transition says
 * whether the Peer should tell its listeners, so the Peer keeps the events and this keeps the rules.
 * @internal
 */
export class PeerStatus {
  private current: PeerState = "connecting";
  private confirmedId: string | null = null;
  /** The id the server gave, kept so that a Peer without a requested id gets it back after a worker loss. */
  private given: string | null = null;
  /** This object's disconnect() holds (no reconnect() since): a worker loss must not bring it online. */
  private heldOffline = false;
  /** disconnect() calls of this object whose `peer-disconnected` echo is still to come. */
  private ownDisconnects = 0;

  get state(): PeerState {
    return this.current;
  }

  /** The id the server confirmed: null until then, and while offline. */
  get id(): string | null {
    return this.confirmedId;
  }

  get lastId(): string | null {
    return this.given;
  }

  get offline(): boolean {
    return this.current === "disconnected" || this.current === "destroyed";
  }

  /** The worker's `peer-open`. */
  opened(id: string): void {
    this.current = "open";
    this.confirmedId = id;
    this.given = id;
    this.heldOffline = false;
  }

  /** disconnect() on this object; false when it was offline already. */
  disconnectHere(): boolean {
    if (this.offline) return false;
    this.ownDisconnects++;
    this.heldOffline = true;
    this.goOffline();
    return true;
  }

  /** The worker's `peer-disconnected`; false for the echo of disconnectHere() and when offline already. */
  serverLost(): boolean {
    if (this.ownDisconnects > 0) {
      this.ownDisconnects--;
      return false;
    }
    if (this.offline) return false;
    this.goOffline();
    return true;
  }

  /** reconnect() on this object, which was disconnected. */
  reconnecting(): void {
    this.current = "connecting";
    this.heldOffline = false;
  }

  /**
   * The worker died: this object is offline now. `wentOffline`: it was not before (so it says
   * `disconnected`); `stayOffline`: the app disconnected it, so it attaches again only on reconnect().
   */
  workerLost(): { wentOffline: boolean; stayOffline: boolean } {
    const wasOffline = this.current === "disconnected";
    const stayOffline = wasOffline && this.heldOffline;
    if (!wasOffline) this.goOffline();
    // The echoes of disconnect() died with the worker.
    this.ownDisconnects = 0;
    return { wentOffline: !wasOffline, stayOffline };
  }

  /** This object ends; false when it had already. */
  finish(): boolean {
    if (this.current === "destroyed") return false;
    this.current = "destroyed";
    this.confirmedId = null;
    return true;
  }

  private goOffline(): void {
    this.current = "disconnected";
    this.confirmedId = null;
  }
}
