import { EventEmitter } from "eventemitter3";
import type { ConnRef, MemberId } from "../contract/ids.js";
import { peerInternals } from "./internals.js";
import type { ConnectionEvent } from "../contract/tab-frames.js";
import { PeerError } from "./peer-error.js";
import type { Peer } from "./peer.js";
import type { WorkerLink } from "./worker-link.js";

/** Events every connection has. */
export interface BaseEvents {
  close: () => void;
  error: (error: PeerError) => void;
  iceStateChanged: (state: RTCIceConnectionState) => void;
}

/** @internal What every connection is made from. */
export interface BaseSeed {
  readonly provider: Peer;
  readonly member: MemberId;
  readonly remoteId: string;
  readonly connectionId: string;
  readonly metadata: unknown;
}

/**
 * What DataConnection and MediaConnection share: who they are, whether they are open, the host
 * tab's RTC objects, and how they end (once, telling their Peer, then `close`).
 */
export abstract class BaseConnection<Events extends BaseEvents> extends EventEmitter<Events> {
  /** The remote peer's id. */
  readonly peer: string;
  /** `dc_…` or `mc_…`, the same in every tab and at the remote. */
  readonly connectionId: string;
  readonly metadata: unknown;
  /** The Peer this connection belongs to; null once closed. */
  provider: Peer | null;
  protected state: "pending" | "open" | "closed" = "pending";
  protected link: WorkerLink | undefined;
  protected ref: ConnRef | undefined;
  protected readonly member: MemberId;

  constructor(seed: BaseSeed) {
    super();
    this.provider = seed.provider;
    this.member = seed.member;
    this.peer = seed.remoteId;
    this.connectionId = seed.connectionId;
    this.metadata = seed.metadata;
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return this.state === "open";
  }

  /** The RTCPeerConnection, in the tab that hosts it; null in the others. */
  get peerConnection(): RTCPeerConnection | null {
    return this.ref === undefined ? null : (this.link?.rtc.peerConnection(this.ref) ?? null);
  }

  /** The RTCDataChannel (a call's companion channel for media), in the host tab; null in the others. */
  get dataChannel(): RTCDataChannel | null {
    return this.ref === undefined ? null : (this.link?.rtc.dataChannel(this.ref) ?? null);
  }

  /** Events every connection handles alike; false for those the subclass handles itself. */
  protected handleCommon(event: ConnectionEvent): boolean {
    switch (event.t) {
      case "conn-error":
        this.emitter().emit("error", PeerError.fromWire(event.error));
        return true;
      case "conn-closed":
        this.finish();
        return true;
      case "conn-ice-state":
        this.emitter().emit("iceStateChanged", event.state);
        return true;
      default:
        return false;
    }
  }

  /** Ends with `error`, then `close`. */
  protected fail(error: PeerError): void {
    if (this.state === "closed") return;
    this.emitter().emit("error", error);
    this.finish();
  }

  protected finish(): void {
    if (this.state === "closed") return;
    const provider = this.provider;
    this.state = "closed";
    this.provider = null;
    this.released();
    provider?.[peerInternals].forget(this);
    this.emitter().emit("close");
  }

  /** `Events` is generic here; every connection has the base events. */
  private emitter(): EventEmitter<BaseEvents> {
    return this as unknown as EventEmitter<BaseEvents>;
  }

  /** Frees what a subclass holds in this tab, as the connection ends. */
  protected released(): void {}
}
