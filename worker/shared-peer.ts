import { wireError, type PeerErrorType, type WireError } from "../contract/errors.js";
import type { ConnRef, MemberId } from "../contract/ids.js";
import type { ConnectSettings, LogLevel, PeerSettings, WireSerialization } from "../contract/options.js";
import type { ClientMessage, OfferPayload } from "../contract/server-messages.js";
import type { ToTab } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { reassemblyLimits } from "./codec/reassembler.js";
import { Connection, type ConnectionOwner, type Role } from "./connection.js";
import { MediaCall } from "./media-call.js";
import type { Member } from "./member.js";
import { peersUrl } from "./server-url.js";
import { ServerSession, type RelayedMessage } from "./server-session.js";
import type { TabRecord } from "./tab.js";
import type { Clock, Platform } from "./platform.js";

export type PeerState = "connecting" | "open" | "disconnected" | "destroyed";

/** A data connection or a media call: what the peer relays signalling to. */
export type PeerLink = Connection | MediaCall;

/** What a peer needs from the hub. */
export interface PeerRegistry {
  readonly platform: Platform;
  newRef(): ConnRef;
  addConnection(link: PeerLink): void;
  removeConnection(ref: ConnRef): void;
  /** The tab that hosts an incoming connection. */
  pickHost(peer: SharedPeer): TabRecord | undefined;
  peerEnded(peer: SharedPeer): void;
}

/** One peer id at one server, with one signalling socket, used by any number of members. */
export class SharedPeer implements ConnectionOwner {
  readonly members = new Map<MemberId, Member>();
  /** Data connections and media calls, by ref. */
  readonly connections = new Map<ConnRef, PeerLink>();
  private readonly session: ServerSession;
  private destroyed = false;
  readonly clock: Clock;

  constructor(
    private readonly registry: PeerRegistry,
    readonly settings: PeerSettings,
    id: string | null,
    /** Set for shared peers: the registry key other tabs find it by. */
    readonly shareKey: string | undefined,
  ) {
    this.clock = registry.platform.clock;
    this.session = new ServerSession(registry.platform, settings, id, {
      opened: (openId) => {
        this.log(3, `open as ${openId}`);
        this.broadcast((member) => ({ t: "peer-open", member, id: openId }));
      },
      // peerjs reports the loss as a `network` error; the session then heals instead of staying down.
      lost: () => this.emitError(wireError("network", "Lost connection to server.")),
      offline: () => {
        const offlineId = this.id ?? "";
        this.broadcast((member) => ({ t: "peer-disconnected", member, id: offlineId }));
      },
      fatal: (type, message, cause) => this.abort(type, message, cause),
      message: (message) => this.handleServerMessage(message),
      malformed: (reason) =>
        this.emitError(wireError("server-error", `The PeerServer sent a frame sharedpeer does not understand: ${reason}`)),
      log: (level, ...args) => this.log(level, ...args),
    });
  }

  get id(): string | null {
    return this.session.id;
  }

  get state(): PeerState {
    if (this.destroyed) return "destroyed";
    const state = this.session.state;
    return state === "offline" || state === "closed" ? "disconnected" : state;
  }

  start(): void {
    this.session.start();
  }

  addMember(member: Member): void {
    this.members.set(member.id, member);
    if (this.state === "open" && this.id !== null) member.post({ t: "peer-open", member: member.id, id: this.id });
    for (const conn of this.connections.values()) conn.addMember(member, false);
  }

  removeMember(id: MemberId): void {
    this.members.delete(id);
    for (const conn of this.connections.values()) conn.removeMember(id);
    if (this.members.size === 0) this.destroy();
  }

  /** Ends the peer: its connections, its socket, its place in the registry. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const conn of [...this.connections.values()]) conn.close();
    this.session.close();
    this.broadcast((member) => ({ t: "peer-closed", member }));
    this.members.clear();
    this.registry.peerEnded(this);
  }

  /** Closes the socket on request: no automatic reconnection until `reconnect()`. */
  disconnect(): void {
    if (!this.destroyed) this.session.goOffline();
  }

  reconnect(): void {
    if (!this.destroyed) this.session.resume();
  }

  connect(caller: Member, remoteId: string, s: ConnectSettings): void {
    const host = caller.tab;
    const conn = this.createConnection(remoteId, s.connectionId, s.label, s.metadata, s.serialization, s.reliable, "offerer", host);
    if (this.state === "disconnected" || this.state === "destroyed") {
      // As 1.5.5: no new connection without the server (reconnect() first). Only the caller knew of it.
      const error = wireError("disconnected", "Cannot connect to new Peer after disconnecting from server.");
      conn.addMember(caller, false);
      caller.post({ t: "peer-error", member: caller.id, error });
      conn.close(error);
      return;
    }
    for (const member of this.members.values()) conn.addMember(member, false);
    host.post({ t: "rtc-create", ref: conn.ref, config: this.settings.config, label: conn.label, reliable: conn.reliable });
  }

  /**
   * A tab died with connections it hosted: they are gone, and the remotes may not notice for a
   * while (a crashed tab sends nothing). Tell them through the server: a sharedpeer remote closes
   * that one connection; an official peerjs remote understands only LEAVE, which closes all our
   * connections to it, so it gets one only when none is left.
   */
  hostGone(tab: TabRecord): void {
    const dead = [...this.connections.values()].filter((c) => c.host === tab);
    for (const conn of dead) conn.fail("connection-closed", "The tab that hosted this connection closed.");
    for (const conn of dead) {
      if (conn.remoteIsSharedpeer) this.signal({ type: "LEAVE", dst: conn.remoteId, payload: { connectionId: conn.connectionId } });
      else if (this.connectionsTo(conn.remoteId).length === 0) this.signal({ type: "LEAVE", dst: conn.remoteId });
    }
  }

  /** A call placed by `caller`'s tab, which hosts it: the tab holds the stream for `connectionId`. */
  call(caller: Member, remoteId: string, connectionId: string, metadata: unknown): void {
    if (this.state === "disconnected" || this.state === "destroyed") {
      caller.post({
        t: "peer-error",
        member: caller.id,
        error: wireError("disconnected", "Cannot call a peer after disconnecting from the server."),
      });
      return;
    }
    const call = new MediaCall(
      this,
      this.settings.config,
      this.registry.newRef(),
      connectionId,
      remoteId,
      metadata,
      "offerer",
      undefined,
      caller.tab,
    );
    this.track(call);
    for (const member of this.members.values()) call.addMember(member, false);
  }

  answer(by: Member, ref: ConnRef): void {
    const link = this.connections.get(ref);
    if (link?.kind === "media") link.answer(by);
  }

  async listAllPeers(): Promise<string[]> {
    const response = await this.registry.platform.fetch(peersUrl(this.settings), { referrerPolicy: this.settings.referrerPolicy });
    if (response.status === 401) {
      throw wireError("server-error", "The PeerServer does not allow listing peers; start it with allow_discovery.");
    }
    if (!response.ok) throw wireError("server-error", `Could not list peers: HTTP ${response.status}.`);
    const ids: unknown = await response.json();
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) {
      throw wireError("server-error", "The PeerServer answered the peer list with something else than ids.");
    }
    return ids;
  }

  // ConnectionOwner

  signal(message: ClientMessage): void {
    this.session.send(message);
  }

  forget(link: { readonly ref: ConnRef }): void {
    this.connections.delete(link.ref);
    this.registry.removeConnection(link.ref);
  }

  log(level: LogLevel, ...args: unknown[]): void {
    const line = [`[${this.id ?? "…"}]`, ...args.map(loggable)];
    for (const member of this.members.values()) member.log(level, line);
  }

  private handleServerMessage(message: RelayedMessage): void {
    switch (message.type) {
      case "OFFER":
        return this.handleOffer(message.src, message.payload);
      case "ANSWER": {
        const conn = this.findConnection(message.src, message.payload.connectionId);
        if (!conn) return this.log(2, `ANSWER for unknown connection ${message.payload.connectionId}`);
        conn.remoteIsSharedpeer = message.payload.sharedpeer !== undefined;
        conn.remoteDescription(message.payload.sdp);
        return;
      }
      case "CANDIDATE": {
        const conn = this.findConnection(message.src, message.payload.connectionId);
        if (!conn) return this.log(2, `CANDIDATE for unknown connection ${message.payload.connectionId}`);
        conn.remoteCandidate(message.payload.candidate);
        return;
      }
      case "LEAVE": {
        const only = message.payload?.connectionId;
        this.log(3, only ? `${message.src} lost connection ${only}` : `${message.src} left`);
        for (const conn of this.connectionsTo(message.src)) if (!only || conn.connectionId === only) conn.close();
        return;
      }
      case "EXPIRE": {
        const error = wireError("peer-unavailable", `Could not connect to peer ${message.src}`);
        for (const conn of this.connectionsTo(message.src)) if (conn.pending) conn.close(error);
        this.emitError(error);
        return;
      }
      default:
        return assertNever(message);
    }
  }

  private handleOffer(src: string, payload: OfferPayload): void {
    const existing = this.findConnection(src, payload.connectionId);
    if (existing) {
      this.log(2, `offer for existing connection ${payload.connectionId}: closing the old one`);
      existing.close();
    }
    if (payload.type === "media") {
      // Rings in every tab; the first tab that answers hosts it.
      const call = new MediaCall(
        this,
        this.settings.config,
        this.registry.newRef(),
        payload.connectionId,
        src,
        payload.metadata,
        "answerer",
        payload.sdp,
        undefined,
      );
      call.remoteIsSharedpeer = payload.sharedpeer !== undefined;
      this.track(call);
      for (const member of this.members.values()) call.addMember(member, true);
      return;
    }
    const serialization = wireSerialization(payload.serialization);
    if (!serialization) {
      this.emitError(
        wireError(
          "negotiation-failed",
          `${src} offered a connection with serialization "${String(payload.serialization)}", which sharedpeer does not speak.`,
        ),
      );
      return;
    }
    const host = this.registry.pickHost(this);
    if (!host) return;
    const conn = this.createConnection(
      src,
      payload.connectionId,
      payload.label ?? payload.connectionId,
      payload.metadata,
      serialization,
      // peerjs's StreamConnection (MsgPack) is reliable whatever the offer says.
      serialization === "MsgPack" || (payload.reliable ?? false),
      "answerer",
      host,
    );
    conn.remoteIsSharedpeer = payload.sharedpeer !== undefined;
    conn.remoteOffered(payload.sdp);
    for (const member of this.members.values()) conn.addMember(member, true);
    host.post({
      t: "rtc-create",
      ref: conn.ref,
      config: this.settings.config,
      label: conn.label,
      reliable: conn.reliable,
      offer: payload.sdp,
    });
  }

  private createConnection(
    remoteId: string,
    connectionId: string,
    label: string,
    metadata: unknown,
    serialization: WireSerialization,
    reliable: boolean,
    role: Role,
    host: TabRecord,
  ): Connection {
    const limits = reassemblyLimits(this.settings.limits);
    const conn = new Connection(
      this,
      this.registry.newRef(),
      connectionId,
      remoteId,
      label,
      metadata,
      serialization,
      reliable,
      role,
      host,
      limits,
    );
    this.track(conn);
    return conn;
  }

  private track(link: PeerLink): void {
    this.connections.set(link.ref, link);
    this.registry.addConnection(link);
  }

  private findConnection(remoteId: string, connectionId: string): PeerLink | undefined {
    for (const conn of this.connections.values()) {
      if (conn.remoteId === remoteId && conn.connectionId === connectionId) return conn;
    }
    return undefined;
  }

  private connectionsTo(remoteId: string): PeerLink[] {
    return [...this.connections.values()].filter((c) => c.remoteId === remoteId);
  }

  /** Fatal for the peer: destroyed if it never reached the server, else only disconnected (as 1.5.5). */
  private abort(type: PeerErrorType, message: string, cause?: unknown): void {
    this.emitError(wireError(type, message, cause));
    if (this.session.everOpened) this.disconnect();
    else this.destroy();
  }

  private emitError(error: WireError): void {
    this.log(1, error.message);
    this.broadcast((member) => ({ t: "peer-error", member, error }));
  }

  private broadcast(frame: (member: MemberId) => ToTab): void {
    for (const member of this.members.values()) member.post(frame(member.id));
  }
}

function wireSerialization(name: string | undefined): WireSerialization | undefined {
  switch (name) {
    case undefined:
    case "binary":
    case "binary-utf8":
    case "default":
      return "binary";
    case "json":
      return "json";
    case "raw":
    case "none":
      return "raw";
    case "MsgPack":
      return "MsgPack";
    default:
      return undefined;
  }
}

/** Log arguments cross to tabs by structured clone: errors and odd values become text. */
function loggable(arg: unknown): unknown {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
  if (typeof arg === "function" || typeof arg === "symbol") return String(arg);
  return arg;
}
