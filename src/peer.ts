import { EventEmitter } from "eventemitter3";
import { newConnectionId, randomToken, type MemberId } from "../contract/ids.js";
import { toWireSerialization, type ConnectSettings, type PeerSettings, type SerializationName } from "../contract/options.js";
import type { CallInfo, ConnectionInfo } from "../contract/tab-frames.js";
import type { WorkerMode } from "../contract/worker-api.js";
import { assertNever } from "../contract/assert-never.js";
import { ConnectionList, type AnyConnection } from "./connection-list.js";
import { DataConnection } from "./data-connection.js";
import { defaultSerialization, newDataConnection } from "./serializers.js";
import { connectionInternals, peerInternals, type PeerInternals } from "./internals.js";
import { MediaConnection, type CallOptions } from "./media-connection.js";
import { Logger } from "./logger.js";
import { isValidId, resolveSettings, sharedToken, splitPeerArgs, type ConnectOptions, type PeerOptions } from "./options.js";
import { PeerError, toPeerError } from "./peer-error.js";
import { WorkerLink, type MemberFrame } from "./worker-link.js";

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

type PeerState = "connecting" | "open" | "disconnected" | "destroyed";

const newMemberId = () => `m_${randomToken()}` as MemberId;

const SERIALIZATIONS: readonly SerializationName[] = ["binary", "binary-utf8", "json", "raw", "none", "MsgPack"];

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
  private state: PeerState = "connecting";
  private currentId: string | null;
  private readonly requestedId: string | null;
  /** This Peer object in the hub; a new one for each worker, since a hub that is only thought lost may still know the old. */
  private member: MemberId = newMemberId();
  private readonly logger: Logger;
  private readonly settings: PeerSettings;
  /** The link calls go through; replaced when the worker is lost. */
  private ready: Promise<WorkerLink | undefined>;
  /** The id the server gave, kept so that a Peer without a requested id gets it back after a worker loss. */
  private lastId: string | null = null;
  /** Set while a Peer that was disconnected when its worker died waits for reconnect() to attach again. */
  private orphanedBy: WorkerLink | undefined;
  /** This object's disconnect() holds (no reconnect() since): a worker loss must not bring it online. */
  private heldOffline = false;
  private pickedMode: WorkerMode;
  private readonly conns = new ConnectionList();
  /** disconnect() calls of this object whose `peer-disconnected` echo is still to come. */
  private ownDisconnects = 0;
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
    this.currentId = null;
    this.settings = resolveSettings(options, typeof location === "undefined" ? undefined : location);
    this.logger = new Logger(this.settings.debug, options.logFunction);
    const wanted = options.worker ?? "auto";
    this.pickedMode = wanted === "auto" ? (typeof SharedWorker === "undefined" ? "dedicated" : "shared") : wanted;
    if (id !== null && !isValidId(id)) {
      this.ready = Promise.resolve(undefined);
      setTimeout(() => this.fail(new PeerError("invalid-id", `ID "${id}" is invalid`)), 0);
      return;
    }
    const url = options.workerUrl === undefined ? undefined : new URL(options.workerUrl, location.href);
    this.ready = this.attach(() => WorkerLink.get(wanted, url));
  }

  /** The serialization `connect()` uses by default in this class (MsgPackPeer overrides it with MsgPack). */
  protected get baseSerialization(): SerializationName {
    return "binary";
  }

  /** This peer's id: null until the server confirmed it (and again after `disconnect()`). */
  get id(): string | null {
    return this.currentId;
  }

  get open(): boolean {
    return this.state === "open";
  }

  get disconnected(): boolean {
    return this.state === "disconnected" || this.state === "destroyed";
  }

  get destroyed(): boolean {
    return this.state === "destroyed";
  }

  /** Where the hub runs for this Peer: what `worker: "auto"` picked. */
  get mode(): WorkerMode {
    return this.pickedMode;
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
    const options: ConnectOptions =
      typeof optionsOrSerialization === "string" ? { serialization: optionsOrSerialization, metadata } : { ...optionsOrSerialization };
    const serialization = options.serialization ?? this.defaultSerialization;
    if (!SERIALIZATIONS.includes(serialization)) throw new TypeError(`unknown serialization "${String(serialization)}"`);
    const connectionId = newConnectionId();
    const settings: ConnectSettings = {
      connectionId,
      label: options.label ?? connectionId,
      metadata: options.metadata,
      serialization: toWireSerialization(serialization),
      // As peerjs's StreamConnection: MsgPack needs an ordered, reliable channel.
      reliable: serialization === "MsgPack" || (options.reliable ?? false),
    };
    const conn = newDataConnection({ provider: this, member: this.member, remoteId: peer, ...settings, serialization });
    if (this.refusedOffline(conn, "Cannot connect to new Peer after disconnecting from server.")) return conn;
    this.conns.placed(conn);
    this.ready.then((link) => link?.api.connect(this.member, peer, settings)).catch((e: unknown) => this.failPlaced(conn, e));
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
    const call = new MediaConnection({ provider: this, member: this.member, remoteId: peer, connectionId, metadata: options.metadata });
    call.localStream = stream;
    if (this.refusedOffline(call, "Cannot call a peer after disconnecting from the server.")) return call;
    this.conns.placed(call);
    this.ready
      .then((link) => {
        if (!link) return;
        call[connectionInternals].provide(link, stream, options.sdpTransform);
        return link.api.call(this.member, peer, connectionId, options.metadata);
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
    if (this.state === "disconnected" || this.state === "destroyed") return;
    const id = this.currentId ?? this.requestedId ?? "";
    this.ownDisconnects++;
    this.heldOffline = true;
    this.state = "disconnected";
    this.currentId = null;
    this.emit("disconnected", id);
    this.ready.then((link) => link?.api.disconnect(this.member)).catch((e: unknown) => this.callFailed("disconnect", e));
  }

  /** Reconnects the shared socket with the same id and token. */
  reconnect(): void {
    if (this.state === "destroyed") {
      throw new Error("This peer cannot reconnect to the server. It has already been destroyed.");
    }
    if (this.state === "open")
      throw new Error(`Peer ${this.currentId ?? ""} cannot reconnect because it is not disconnected from the server!`);
    if (this.state === "connecting") {
      this.logger.warn("reconnect() while still connecting: nothing to do");
      return;
    }
    this.state = "connecting";
    this.heldOffline = false;
    const lost = this.orphanedBy;
    if (lost) {
      this.orphanedBy = undefined;
      this.ready = this.attach(() => lost.replacement());
      return;
    }
    this.ready.then((link) => link?.api.reconnect(this.member)).catch((e: unknown) => this.callFailed("reconnect", e));
  }

  /**
   * Ends this Peer object in this tab: its connections close here and `close` fires. The shared
   * peer, its socket and its connections end when the last tab's Peer is gone.
   */
  destroy(): void {
    if (this.state === "destroyed") return;
    this.ready
      .then((link) => {
        link?.removeMember(this.member);
        return link?.api.detach(this.member);
      })
      .catch((e: unknown) => this.logger.log(3, "detach did not reach the worker:", e));
    this.finish();
  }

  /** Ids on the server (needs `allow_discovery` there). Without a callback it returns a Promise. */
  listAllPeers(callback: (ids: string[]) => void): void;
  listAllPeers(): Promise<string[]>;
  listAllPeers(callback?: (ids: string[]) => void): Promise<string[]> | void {
    const listing = this.ready.then(async (link) => {
      if (!link) throw new PeerError("disconnected", "This Peer is not connected to a server.");
      try {
        return await link.api.listAllPeers(this.member);
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
      const link = await this.ready;
      if (!link) throw new PeerError("disconnected", "This Peer never reached its worker.");
      return link.api.stats(this.member);
    },
  };

  /** Attaches this Peer to the hub behind `getLink()`; after a worker loss, again with the id it had. */
  private async attach(getLink: () => Promise<WorkerLink>): Promise<WorkerLink | undefined> {
    let link: WorkerLink | undefined;
    try {
      link = await getLink();
      this.pickedMode = link.mode;
      if (this.state === "destroyed") return undefined;
      const at = link;
      link.addMember(this.member, { frame: (frame) => this.onFrame(at, frame), lost: (error) => this.linkLost(at, error) });
      const id = this.requestedId ?? this.lastId;
      const shared = link.mode === "shared" && this.settings.share && this.requestedId !== null && this.options.token === undefined;
      // A server-assigned id is never shared, also when it is asked for by name after a worker loss.
      const settings = shared
        ? { ...this.settings, token: sharedToken(this.settings, this.requestedId as string) }
        : { ...this.settings, share: this.settings.share && this.requestedId !== null };
      await link.api.attach(link.tabId, this.member, id, settings);
      return link;
    } catch (error) {
      // A link lost meanwhile has told linkLost(), which attaches again.
      if (!link?.lost) this.fail(toPeerError(error, "browser-incompatible"));
      return undefined;
    }
  }

  /**
   * The worker died (architecture flow 7). As after a server loss: `error` (network) and
   * `disconnected`; every connection and call ends with an `error` and `close`; then this Peer
   * attaches to a fresh worker with the same id and token and says `open` again.
   */
  private linkLost(link: WorkerLink, error: PeerError): void {
    if (this.state === "destroyed") return;
    const wasOffline = this.state === "disconnected";
    const stayOffline = wasOffline && this.heldOffline;
    const id = this.currentId ?? this.lastId ?? this.requestedId ?? "";
    this.emit("error", error);
    if (!wasOffline) {
      this.state = "disconnected";
      this.currentId = null;
      this.emit("disconnected", id);
    }
    this.ownDisconnects = 0;
    const closing = new PeerError(
      "connection-closed",
      "The sharedpeer worker was lost: this connection closed, and what was sent on it may not have arrived.",
      { cause: error },
    );
    for (const conn of this.conns.all()) conn[connectionInternals].fail(closing);
    this.member = newMemberId();
    if (stayOffline) {
      // A Peer the app disconnected stays so, and attaches again on reconnect().
      this.orphanedBy = link;
      this.ready = Promise.resolve(undefined);
    } else {
      this.ready = this.attach(() => link.replacement());
    }
  }

  /** A connection or call placed here that never reached the worker. */
  private failPlaced(conn: AnyConnection, reason: unknown): void {
    if (!this.conns.has(conn)) return; // already ended (a worker loss ends it with its own error)
    conn[connectionInternals].fail(toPeerError(reason, "webrtc"));
  }

  private callFailed(what: string, reason: unknown): void {
    if (this.state === "destroyed") return;
    const error = toPeerError(reason, "network");
    this.logger.warn(`${what}() did not reach the worker: ${error.message}`);
    this.emit("error", error);
  }

  private onFrame(link: WorkerLink, frame: MemberFrame): void {
    switch (frame.t) {
      case "peer-open":
        this.state = "open";
        this.currentId = frame.id;
        this.lastId = frame.id;
        this.heldOffline = false;
        this.emit("open", frame.id);
        return;
      case "peer-disconnected":
        if (this.ownDisconnects > 0) {
          this.ownDisconnects--;
          return;
        }
        if (this.state === "destroyed" || this.state === "disconnected") return;
        this.state = "disconnected";
        this.currentId = null;
        this.emit("disconnected", frame.id);
        return;
      case "peer-error":
        this.emit("error", PeerError.fromWire(frame.error));
        return;
      case "peer-closed":
        link.removeMember(this.member);
        this.finish();
        return;
      case "conn-added":
        this.connectionAdded(link, frame.conn, frame.incoming);
        return;
      case "call-added":
        this.callAdded(link, frame.call, frame.incoming);
        return;
      case "call-answered": {
        const call = this.conns.get(frame.ref);
        if (call instanceof MediaConnection) call[connectionInternals].answered(frame.here);
        return;
      }
      case "log":
        this.logger.log(frame.level === 0 ? 3 : frame.level, ...frame.args);
        return;
      case "conn-open":
      case "conn-data":
      case "conn-error":
      case "conn-closed":
      case "conn-ice-state":
      case "conn-progress":
      case "conn-buffer":
        this.conns.get(frame.ref)?.[connectionInternals].handle(frame);
        return;
      default:
        assertNever(frame);
    }
  }

  private connectionAdded(link: WorkerLink, info: ConnectionInfo, incoming: boolean): void {
    const { conn, placedHere } = this.conns.adopt(info.ref, info.connectionId, DataConnection, () =>
      newDataConnection({ provider: this, member: this.member, ...info, serialization: info.serialization }),
    );
    if (incoming) this.emit("connection", conn, info.metadata);
    else if (!placedHere) this.emit("sharedConnection", conn);
    conn[connectionInternals].bind(link, info);
  }

  private callAdded(link: WorkerLink, info: CallInfo, incoming: boolean): void {
    const { conn: call, placedHere } = this.conns.adopt(
      info.ref,
      info.connectionId,
      MediaConnection,
      () => new MediaConnection({ provider: this, member: this.member, ...info }),
    );
    call[connectionInternals].bind(link, info.ref);
    if (incoming) this.emit("call", call);
    else if (!placedHere) this.emit("sharedConnection", call);
  }

  /**
   * As 1.5.5: no new connection without the server. The error comes a tick later, on the Peer and
   * on the connection, which then closes, so that the caller can attach listeners first.
   */
  private refusedOffline(conn: AnyConnection, message: string): boolean {
    if (this.state !== "disconnected" && this.state !== "destroyed") return false;
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
    if (this.state === "destroyed") return;
    this.state = "destroyed";
    this.currentId = null;
    for (const conn of this.conns.all()) conn[connectionInternals].detach();
    this.emit("close");
  }
}
