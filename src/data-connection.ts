import { EventEmitter } from "eventemitter3";
import type { ConnRef } from "../contract/ids.js";
import type { SerializationName, WireSerialization } from "../contract/options.js";
import type { ConnectionInfo, ConnectionRequest, TransferProgress } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { BaseConnection, type BaseSeed, type DataEvent, type LifecycleInternals } from "./base-connection.js";
import { connectionInternals } from "./internals.js";
import { PeerError } from "./peer-error.js";
import type { WorkerLink } from "./worker-link.js";

/**
 * Events of a DataConnection.
 *
 * @example
 * conn.on("data", (data) => render(data));
 * conn.on("close", () => showOffline(conn.peer));
 */
export interface DataConnectionEvents {
  /** The channel is open: `send` works from now on. */
  open: () => void;
  /** A message from the remote, decoded by the worker. */
  data: (data: unknown) => void;
  /** The connection ended (either side closed, the host tab went away, or an error). */
  close: () => void;
  error: (error: PeerError) => void;
  iceStateChanged: (state: RTCIceConnectionState) => void;
  /** A large message this tab sent moved on (only messages of more than one 16300-byte chunk). */
  sendProgress: (progress: TransferProgress) => void;
  /** A large incoming message moved on; `data` follows once it is `done`. */
  receiveProgress: (progress: TransferProgress) => void;
  /**
   * The connection lost its RTCPeerConnection (the tab hosting it went away, here or at the remote,
   * a sharedpeer) and goes on over a new one: nothing was lost or doubled, and it stayed `open`.
   * In the tab that hosts it now, `peerConnection` is the new one (README, "Resuming").
   */
  resumed: () => void;
}

type Names = EventEmitter.EventNames<DataConnectionEvents>;
type Listener<E extends Names> = EventEmitter.EventListener<DataConnectionEvents, E>;

/** @internal What a DataConnection is made from. */
export interface ConnectionSeed extends BaseSeed {
  readonly label: string;
  readonly serialization: SerializationName | WireSerialization;
  readonly reliable: boolean;
}

/** @internal */
export interface ConnectionInternals extends LifecycleInternals {
  /** The worker knows this connection now: frames can flow. */
  bind(link: WorkerLink, info: ConnectionInfo): void;
}

/**
 * One data connection as this tab sees it. Every tab attached to the peer has its own
 * DataConnection object for the same connection; any of them can send, each gets `data`.
 *
 * @example
 * const conn = peer.connect("bob", { serialization: "json" });
 * conn.on("open", () => conn.send({ hello: "bob" }));
 * conn.on("data", (data) => console.log("bob says", data));
 */
export class DataConnection extends BaseConnection<DataConnectionEvents> {
  /** Always `"data"`. */
  readonly type = "data" as const;
  readonly label: string;
  readonly serialization: SerializationName | WireSerialization;
  readonly reliable: boolean;
  /** Requests made before the worker knew the connection (close, listening). */
  private readonly early: Array<(ref: ConnRef, link: WorkerLink) => void> = [];
  private listening: boolean | undefined;
  private sends = 0;
  /** Send requests posted to the worker, those it has taken, and what waits in its queue (bufferSize). */
  private posted = 0;
  private taken = 0;
  private queued = 0;

  /** @internal Connections are made by their Peer. */
  constructor(seed: ConnectionSeed) {
    super(seed);
    this.label = seed.label;
    // As peerjs 1.5.5: binary-utf8 is the binary class, which reports "binary" (protocol.md §3.1).
    this.serialization = seed.serialization === "binary-utf8" ? "binary" : seed.serialization;
    this.reliable = seed.reliable;
  }

  /** Old (2013) API: the local peer's id. */
  get id(): string | null {
    return this.provider?.id ?? null;
  }

  /**
   * Messages waiting to go out on this connection, as peerjs counts them: those this tab sent that
   * have not reached the worker yet, plus those queued in the worker (from every tab), kept current
   * by the worker. What already sits in the channel's own buffer (up to 8 MiB) is not counted.
   *
   * @example
   * for (const piece of pieces) {
   *   while (conn.bufferSize > 8) await new Promise((r) => setTimeout(r, 10));
   *   conn.send(piece);
   * }
   */
  get bufferSize(): number {
    return this.state === "closed" ? 0 : this.posted - this.taken + this.queued;
  }

  /**
   * Sends a value; the worker encodes it with this connection's serialization. Messages from one
   * tab keep their order; messages from several tabs are never interleaved inside a message.
   * `chunked` is accepted for peerjs compatibility: large binary messages are always chunked.
   * Returns this message's number, the `id` of its `sendProgress` events.
   *
   * @example
   * const id = conn.send(file);
   * conn.on("sendProgress", (p) => p.id === id && bar.set(p.bytes / p.total));
   */
  send(data: unknown, chunked = false): number {
    void chunked;
    const sendId = ++this.sends;
    if (this.state !== "open" || !this.link || this.ref === undefined) {
      this.emit(
        "error",
        new PeerError("not-open-yet", "Connection is not open. You should listen for the `open` event before sending messages."),
      );
      return sendId;
    }
    this.request({ t: "send", member: this.member, ref: this.ref, value: data, sendId });
    this.posted++;
    return sendId;
  }

  /** Closes the connection for every tab and the remote; `flush` sends what is queued first. */
  close(options?: { flush?: boolean }): void {
    if (this.state === "closed") return;
    const flush = options?.flush === true && this.state === "open";
    if (this.ref !== undefined && this.link) {
      this.request({ t: "close", member: this.member, ref: this.ref, flush });
    } else {
      this.early.push((ref) => this.request({ t: "close", member: this.member, ref, flush }));
    }
    if (!flush) this.finish();
  }

  // `data` listeners are counted so that the worker sends data only to tabs that listen.

  override on<E extends Names>(event: E, fn: Listener<E>, context?: unknown): this {
    super.on(event, fn, context);
    if (event === "data") this.updateListening();
    return this;
  }

  override addListener<E extends Names>(event: E, fn: Listener<E>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<E extends Names>(event: E, fn: Listener<E>, context?: unknown): this {
    super.once(event, fn, context);
    if (event === "data") this.updateListening();
    return this;
  }

  override off<E extends Names>(event: E, fn?: Listener<E>, context?: unknown, once?: boolean): this {
    super.off(event, fn, context, once);
    if (event === "data") this.updateListening();
    return this;
  }

  override removeListener<E extends Names>(event: E, fn?: Listener<E>, context?: unknown, once?: boolean): this {
    return this.off(event, fn, context, once);
  }

  override removeAllListeners(event?: Names): this {
    super.removeAllListeners(event);
    if (event === undefined || event === "data") this.updateListening();
    return this;
  }

  /** @internal */
  readonly [connectionInternals]: ConnectionInternals = {
    ...this.lifecycle(),
    bind: (link, info) => {
      this.link = link;
      this.ref = info.ref;
      for (const request of this.early.splice(0)) request(info.ref, link);
      if (this.state === "closed") return;
      if (info.open) this.handle({ t: "conn-open", member: this.member, ref: info.ref });
    },
  };

  /** @internal */
  protected opened(): void {
    this.emit("open");
    this.decideListening();
  }

  /** @internal */
  protected override received(event: DataEvent): void {
    switch (event.t) {
      case "conn-data":
        return void this.emit("data", event.data);
      case "conn-buffer":
        this.queued = event.queued;
        this.taken = event.taken;
        return;
      case "conn-progress":
        if (event.progress.direction === "send") this.emit("sendProgress", event.progress);
        else this.emit("receiveProgress", event.progress);
        return;
      case "conn-resumed":
        return void this.emit("resumed");
      default:
        assertNever(event);
    }
  }

  /** Once `open` handlers ran, the worker learns whether this tab wants `data` at all. */
  private decideListening(): void {
    this.listening = undefined;
    this.updateListening();
  }

  private updateListening(): void {
    if (this.state !== "open" || this.ref === undefined) return;
    const on = this.listenerCount("data") > 0;
    if (on === this.listening) return;
    this.listening = on;
    this.request({ t: "subscribe", member: this.member, ref: this.ref, on });
  }

  private request(frame: ConnectionRequest): void {
    this.link?.post(frame);
  }
}
