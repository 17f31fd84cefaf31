import { EventEmitter } from "eventemitter3";
import type { ConnRef, MemberId } from "../contract/ids.js";
import { peerInternals } from "./internals.js";
import type { ConnectionEvent } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { PeerError } from "./peer-error.js";
import type { Peer } from "./peer.js";
import type { WorkerLink } from "./worker-link.js";

/** @internal Worker events about a connection's data (data connections only). */
export type DataEvent = Extract<ConnectionEvent, { t: "conn-data" | "conn-progress" | "conn-buffer" | "conn-resumed" }>;

/** Events every connection has. */
export interface BaseEvents {
  close: () => void;
  error: (error: PeerError) => void;
  iceStateChanged: (state: RTCIceConnectionState) => void;
}

/** @internal The hooks every connection gives its Peer (src/internals.ts), beside its kind's own. */
export interface LifecycleInternals {
  handle(event: ConnectionEvent): void;
  /** This tab's Peer object is gone: the connection is closed for this tab only. */
  detach(): void;
  /** Ends here with `error`, then `close` (the worker died, or never knew the connection). */
  fail(error: PeerError): void;
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
  /** @internal */
  protected state: "pending" | "open" | "closed" = "pending";
  /** @internal */
  protected link: WorkerLink | undefined;
  /** @internal */
  protected ref: ConnRef | undefined;
  /** @internal */
  protected readonly member: MemberId;

  /** @internal Connections are made by their Peer. */
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

  /**
   * The RTCDataChannel (a call's companion channel for media), in the host tab when the channel is on
   * its page (`dataPlane: "page"`, or where the browser cannot move it to the channel worker); null
   * in the other tabs and while it lives in the channel worker (the default).
   */
  get dataChannel(): RTCDataChannel | null {
    return this.ref === undefined ? null : (this.link?.rtc.dataChannel(this.ref) ?? null);
  }

  /** Ends the connection for every tab and the remote. */
  abstract close(): void;

  /** @internal An event from the worker about this connection. */
  protected handle(event: ConnectionEvent): void {
    if (this.state === "closed") return;
    switch (event.t) {
      case "conn-error":
        this.emitter().emit("error", PeerError.fromWire(event.error));
        return;
      case "conn-closed":
        this.finish();
        return;
      case "conn-ice-state":
        this.emitter().emit("iceStateChanged", event.state);
        return;
      case "conn-open":
        this.state = "open";
        return this.opened();
      case "conn-data":
      case "conn-progress":
      case "conn-buffer":
      case "conn-resumed":
        return this.received?.(event);
      default:
        return assertNever(event);
    }
  }

  /** @internal The connection just opened (its state says so already). */
  protected abstract opened(): void;

  /** @internal Data or progress of a message arrived (data connections only). */
  protected received?(event: DataEvent): void;

  /** @internal The lifecycle hooks of {@link LifecycleInternals}, for a subclass's internals object. */
  protected lifecycle(): LifecycleInternals {
    return { handle: (event) => this.handle(event), detach: () => this.finish(), fail: (error) => this.fail(error) };
  }

  /** @internal Ends with `error`, then `close`. */
  protected fail(error: PeerError): void {
    if (this.state === "closed") return;
    this.emitter().emit("error", error);
    this.finish();
  }

  /** @internal */
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
    return this;
  }

  /** @internal Frees what a subclass holds in this tab, as the connection ends. */
  protected released(): void {}
}
