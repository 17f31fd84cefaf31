import { EventEmitter } from "eventemitter3";
import { randomToken } from "../contract/ids.js";
import type { SerializationName } from "../contract/options.js";
import type { WorkerMode } from "../contract/worker-api.js";
import { routeConnectionFrame } from "./connection-frames.js";
import { ConnectionList, type AnyConnection } from "./connection-list.js";
import type { DataConnection } from "./data-connection.js";
import { defaultSerialization, newDataConnection } from "./serializers.js";
import { connectionInternals, peerInternals, type PeerInternals } from "./internals.js";
import { MediaConnection, type CallOptions } from "./media-connection.js";
import { Logger } from "./logger.js";
import { connectSettings, isValidId, resolveSettings, splitPeerArgs, type ConnectOptions, type PeerOptions } from "./options.js";
import { connectionLost, PeerAttachment, type AttachmentHooks } from "./peer-attachment.js";
import { PeerError, toPeerError } from "./peer-error.js";
import type { PeerEvents } from "./peer-events.js";
import { PeerStatus } from "./peer-status.js";
import { WorkerLink, type MemberFrame } from "./worker-link.js";

export type { PeerEvents };

/**
 * A peer on a PeerServer, shared by every tab of this origin that asks for the same id,
 * server and key. The API is peerjs 1.5.5's.
 *
 * @example
 * import { Peer } from "sharedpeer";
 * const peer = new Peer("alice", { host: "127.0.0.1", port: 9000 });
 * peer.on("open", (id) => console.log("I am", id));
 * peer.on("connection", (conn) => conn.on("data", (d) => console.log(d)));
 */
export class Peer extends EventEmitter<PeerEvents> {
  private readonly status = new PeerStatus();
  private readonly requestedId: string | null;
  /** The link and member id this Peer's calls go through; both replaced when the worker is lost. */
  private readonly at: PeerAttachment;
  private readonly logger: Logger;
  private readonly conns = new ConnectionList();
  /** The last worker loss told to the app as `error`. */
  private lossTold: PeerError | undefined;
  private readonly hooks: AttachmentHooks = {
    destroyed: () => this.status.state === "destroyed",
    lastId: () => this.status.lastId,
    frame: (link, frame) => this.onFrame(link, frame),
    lost: (error) => this.workerLost(error),
    failed: (error) => this.fail(error),
  };
  /** The options this Peer was made with. */
  readonly options: PeerOptions;
  /** What `connect()` uses without a serialization: `serializers.default`, else the class's own. */
  private readonly defaultSerialization: SerializationName;

  constructor(options?: PeerOptions);
  constructor(id?: string | null, options?: PeerOptions);
  constructor(idOrOptions?: string | PeerOptions | null, maybeOptions?: PeerOptions) {
    super();
    const { id, options } = splitPeerArgs(idOrOptions, maybeOptions);
    this.options = options;
    this.defaultSerialization = defaultSerialization(options.serializers, this.baseSerialization);
    this.requestedId = id;
    const settings = resolveSettings(options, typeof location === "undefined" ? undefined : location);
    this.logger = new Logger(settings.debug, options.logFunction);
    const wanted = options.worker ?? "auto";
    const request = {
      id,
      settings,
      ownToken: options.token !== undefined,
      dataPlane: options.dataPlane === "page" ? ("page" as const) : ("worker" as const),
    };
    this.at = new PeerAttachment(
      this.hooks,
      request,
      wanted === "auto" ? (typeof SharedWorker === "undefined" ? "dedicated" : "shared") : wanted,
    );
    if (id !== null && !isValidId(id)) {
      setTimeout(() => this.fail(new PeerError("invalid-id", `ID "${id}" is invalid`)), 0);
      return;
    }
    const url = options.workerUrl === undefined ? undefined : new URL(options.workerUrl, location.href);
    this.at.start(() => WorkerLink.get(wanted, url));
  }

  /** The serialization `connect()` uses by default in this class (MsgPackPeer overrides it with MsgPack). */
  protected get baseSerialization(): SerializationName {
    return "binary";
  }

  /** This peer's id: null until the server confirmed it (and again after `disconnect()`). */
  get id(): string | null {
    return this.status.id;
  }

  get open(): boolean {
    return this.status.state === "open";
  }

  get disconnected(): boolean {
    return this.status.offline;
  }

  get destroyed(): boolean {
    return this.status.state === "destroyed";
  }

  /** Where the hub runs for this Peer: what `worker: "auto"` picked. */
  get mode(): WorkerMode {
    return this.at.mode;
  }

  /** Remote id → live connections and calls; the same in every tab attached to this peer. */
  get connections(): Record<string, AnyConnection[]> {
    return this.conns.snapshot();
  }

  /**
   * Connects to `peer`. Returns at once; listen for `open`. Called before this Peer is open, the
   * offer waits for the server instead of being lost. The 2013 form `connect(id, serialization,
   * metadata)` works too.
   */
  connect(peer: string, options?: ConnectOptions): DataConnection;
  connect(peer: string, serialization?: SerializationName, metadata?: unknown): DataConnection;
  connect(peer: string, optionsOrSerialization?: ConnectOptions | SerializationName, metadata?: unknown): DataConnection {
    if (typeof peer !== "string" || peer === "") throw new TypeError("connect() needs the remote peer's id");
    const { settings, serialization } = connectSettings(optionsOrSerialization, metadata, this.defaultSerialization);
    const conn = newDataConnection({ provider: this, member: this.at.member, remoteId: peer, ...settings, serialization });
    if (this.refusedOffline(conn, "Cannot connect to new Peer after disconnecting from server.")) return conn;
    this.conns.placed(conn);
    this.at.ready.then((link) => link?.api.connect(this.at.member, peer, settings)).catch((e: unknown) => this.failPlaced(conn, e));
    return conn;
  }

  /**
   * Calls `peer` with `stream`; this tab hosts the call. Returns at once; listen for `stream`.
   *
   * @example
   * const call = peer.call("bob", await navigator.mediaDevices.getUserMedia({ video: true }));
   * call.on("stream", (remote) => (video.srcObject = remote));
   */
  call(peer: string, stream: MediaStream, options: CallOptions = {}): MediaConnection {
    if (typeof peer !== "string" || peer === "") throw new TypeError("call() needs the remote peer's id");
    if (typeof MediaStream !== "undefined" && !(stream instanceof MediaStream)) throw new TypeError("call() needs a MediaStream");
    const connectionId = `mc_${randomToken()}`;
    const call = new MediaConnection({ provider: this, member: this.at.member, remoteId: peer, connectionId, metadata: options.metadata });
    call.localStream = stream;
    if (this.refusedOffline(call, "Cannot call a peer after disconnecting from the server.")) return call;
    this.conns.placed(call);
    this.at.ready
      .then((link) => {
        if (!link) return;
        call[connectionInternals].provide(link, stream, options.sdpTransform);
        return link.api.call(this.at.member, peer, connectionId, options.metadata);
      })
      .catch((e: unknown) => this.failPlaced(call, e));
    return call;
  }

  getConnection(peerId: string, connectionId: string): AnyConnection | null {
    return this.conns.find(peerId, connectionId);
  }

  /**
   * Closes the shared signalling socket: every tab of this peer gets `disconnected`. As in 1.5.5,
   * this object is disconnected when the call returns; the other tabs learn it from the worker.
   */
  disconnect(): void {
    const id = this.status.id ?? this.requestedId ?? "";
    if (!this.status.disconnectHere()) return;
    this.emit("disconnected", id);
    this.at.ready.then((link) => link?.api.disconnect(this.at.member)).catch((e: unknown) => this.callFailed("disconnect", e));
  }

  /** Reconnects the shared socket with the same id and token. */
  reconnect(): void {
    const state = this.status.state;
    if (state === "destroyed") {
      throw new Error("This peer cannot reconnect to the server. It has already been destroyed.");
    }
    if (state === "open") throw new Error(`Peer ${this.status.id ?? ""} cannot reconnect because it is not disconnected from the server!`);
    if (state === "connecting") {
      this.logger.warn("reconnect() while still connecting: nothing to do");
      return;
    }
    this.status.reconnecting();
    if (this.at.resume()) return;
    this.at.ready.then((link) => link?.api.reconnect(this.at.member)).catch((e: unknown) => this.callFailed("reconnect", e));
  }

  /**
   * Ends this Peer object in this tab: its connections close here and `close` fires. The shared
   * peer, its socket and its connections end when the last tab's Peer is gone.
   */
  destroy(): void {
    if (this.status.state === "destroyed") return;
    this.at.ready
      .then((link) => {
        link?.removeMember(this.at.member);
        return link?.api.detach(this.at.member);
      })
      .catch((e: unknown) => this.logger.log(3, "detach did not reach the worker:", e));
    this.finish();
  }

  /** Ids on the server (needs `allow_discovery` there). Without a callback it returns a Promise. */
  listAllPeers(callback: (ids: string[]) => void): void;
  listAllPeers(): Promise<string[]>;
  listAllPeers(callback?: (ids: string[]) => void): Promise<string[]> | void {
    const listing = this.at.ready.then(async (link) => {
      if (!link) throw new PeerError("disconnected", "This Peer is not connected to a server.");
      try {
        return await link.api.listAllPeers(this.at.member);
      } catch (e) {
        throw toPeerError(e, "server-error");
      }
    });
    if (!callback) return listing;
    listing.then(callback, (error: unknown) => this.emit("error", toPeerError(error, "server-error")));
  }

  /** @internal */
  readonly [peerInternals]: PeerInternals = {
    forget: (conn) => this.conns.remove(conn),
    stats: async () => {
      const link = await this.at.ready;
      if (!link) throw new PeerError("disconnected", "This Peer never reached its worker.");
      return link.api.stats(this.at.member);
    },
  };

  /**
   * The worker died (architecture flow 7). As after a server loss: `error` (network) and
   * `disconnected`; every connection and call ends with an `error` and `close`; then this Peer
   * attaches to a fresh worker with the same id and token and says `open` again.
   */
  private workerLost(error: PeerError): boolean {
    const id = this.status.id ?? this.status.lastId ?? this.requestedId ?? "";
    this.lossTold = error;
    this.emit("error", error);
    const { wentOffline, stayOffline } = this.status.workerLost();
    if (wentOffline) this.emit("disconnected", id);
    const closing = connectionLost(error);
    for (const conn of this.conns.all()) conn[connectionInternals].fail(closing);
    // A Peer the app disconnected stays so, and attaches again on reconnect().
    return !stayOffline;
  }

  /** A connection or call placed here that never reached the worker. */
  private failPlaced(conn: AnyConnection, reason: unknown): void {
    if (!this.conns.has(conn)) return; // already ended (a worker loss ends it with its own error)
    conn[connectionInternals].fail(toPeerError(reason, "webrtc"));
  }

  private callFailed(what: string, reason: unknown): void {
    // A call in flight when the worker died rejects with the loss that workerLost() has just told.
    if (this.status.state === "destroyed" || reason === this.lossTold) return;
    const error = toPeerError(reason, "network");
    this.logger.warn(`${what}() did not reach the worker: ${error.message}`);
    this.emit("error", error);
  }

  private onFrame(link: WorkerLink, frame: MemberFrame): void {
    switch (frame.t) {
      case "peer-open":
        this.status.opened(frame.id);
        this.emit("open", frame.id);
        link.rtc.preload();
        return;
      case "peer-disconnected":
        if (this.status.serverLost()) this.emit("disconnected", frame.id);
        return;
      case "peer-error":
        this.emit("error", PeerError.fromWire(frame.error));
        return;
      case "peer-closed":
        link.removeMember(this.at.member);
        this.finish();
        return;
      case "log":
        this.logger.log(frame.level === 0 ? 3 : frame.level, ...frame.args);
        return;
      default:
        // Every other frame is about a connection or call; connection-frames.ts ends its switch in assertNever.
        routeConnectionFrame({ provider: this, member: this.at.member, conns: this.conns, link }, frame);
    }
  }

  /**
   * As 1.5.5: no new connection without the server. The error comes a tick later, on the Peer and
   * on the connection, which then closes, so that the caller can attach listeners first.
   */
  private refusedOffline(conn: AnyConnection, message: string): boolean {
    if (!this.status.offline) return false;
    const error = new PeerError("disconnected", message);
    setTimeout(() => {
      this.emit("error", error);
      conn[connectionInternals].fail(error);
    }, 0);
    return true;
  }

  private fail(error: PeerError): void {
    this.emit("error", error);
    this.finish();
  }

  private finish(): void {
    if (!this.status.finish()) return;
    for (const conn of this.conns.all()) conn[connectionInternals].detach();
    this.emit("close");
  }
}
