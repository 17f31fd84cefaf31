/** @internal */
export type PeerState = "connecting" | "open" | "disconnected" | "destroyed";

/** @internal A Peer object's state and ids; a transition returns whether the Peer should emit. */
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

  get id(): string | null {
    return this.confirmedId;
  }

  get lastId(): string | null {
    return this.given;
  }

  get offline(): boolean {
    return this.current === "disconnected" || this.current === "destroyed";
  }

  opened(id: string): void {
    this.current = "open";
    this.confirmedId = id;
    this.given = id;
    this.heldOffline = false;
  }

  disconnectHere(): boolean {
    if (this.offline) return false;
    this.ownDisconnects++;
    this.heldOffline = true;
    this.goOffline();
    return true;
  }

  /** `peer-disconnected`: false for the echo of disconnectHere(). */
  serverLost(): boolean {
    if (this.ownDisconnects > 0) {
      this.ownDisconnects--;
      return false;
    }
    if (this.offline) return false;
    this.goOffline();
    return true;
  }

  reconnecting(): void {
    this.current = "connecting";
    this.heldOffline = false;
  }

  /** The worker died; `stayOffline`: the app disconnected this object, so only reconnect() attaches it again. */
  workerLost(): { wentOffline: boolean; stayOffline: boolean } {
    const wasOffline = this.current === "disconnected";
    const stayOffline = wasOffline && this.heldOffline;
    if (!wasOffline) this.goOffline();
    this.ownDisconnects = 0;
    return { wentOffline: !wasOffline, stayOffline };
  }

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
