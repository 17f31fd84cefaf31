import { wireError, type PeerErrorType, type WireError } from "../contract/errors.js";
import type { ConnRef, MemberId } from "../contract/ids.js";
import type { ConnectSettings, LogLevel, PeerSettings } from "../contract/options.js";
import type { ClientMessage, OfferPayload } from "../contract/server-messages.js";
import type { ToTab } from "../contract/tab-frames.js";
import { errorText } from "../contract/error-text.js";
import { leaveNotices } from "./leave-policy.js";
import { acceptOffer, newCall, newConnection, type LinkContext, type PeerLink } from "./link-factory.js";
import type { Member } from "./member.js";
import { listPeers } from "./peer-listing.js";
import { ServerSession } from "./server-session.js";
import { relay, type RelayTarget } from "./signalling-relay.js";
import type { TabRecord } from "./tab.js";
import type { Clock, Platform } from "./platform.js";

export type PeerState = "connecting" | "open" | "disconnected" | "destroyed";

/** What a peer needs from the hub. */
export interface PeerRegistry {
  readonly platform: Platform;
  newRef(): ConnRef;
  addConnection(link: PeerLink): void;
  removeConnection(link: PeerLink): void;
  /** `link`'s RTC reports come under `link.leg` from now on, no longer under `from`. */
  moveLeg(link: PeerLink, from: ConnRef): void;
  /** The tab that hosts an incoming connection, among `members`' tabs. */
  pickHost(members: Iterable<Member>): TabRecord | undefined;
  peerEnded(peer: SharedPeer): void;
}

/** One peer id at one server, with one signalling socket, used by any number of members. */
export class SharedPeer implements LinkContext, RelayTarget {
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
      message: (message) => relay(this, message),
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
    const conn = newConnection(this, remoteId, s, "offerer", caller.tab);
    if (this.state === "disconnected" || this.state === "destroyed") {
      // As 1.5.5: no new connection without the server (reconnect() first). Only the caller knew of it.
      const error = wireError("disconnected", "Cannot connect to new Peer after disconnecting from server.");
      conn.addMember(caller, false);
      caller.post({ t: "peer-error", member: caller.id, error });
      conn.close(error);
      return;
    }
    for (const member of this.members.values()) conn.addMember(member, false);
    conn.start(this.settings.config);
  }

  /** A call placed by `caller`'s tab, which hosts it: the tab holds the stream for `connectionId`. */
  call(caller: Member, remoteId: string, connectionId: string, metadata: unknown): void {
    if (this.state === "disconnected" || this.state === "destroyed") {
      const error = wireError("disconnected", "Cannot call a peer after disconnecting from the server.");
      caller.post({ t: "peer-error", member: caller.id, error });
      return;
    }
    const call = newCall(this, { connectionId, remoteId, metadata, role: "offerer", host: caller.tab });
    for (const member of this.members.values()) call.addMember(member, false);
  }

  answer(by: Member, ref: ConnRef): void {
    const link = this.connections.get(ref);
    if (link?.kind === "media") link.answer(by);
  }

  /**
   * A tab died with links it hosted: a data connection that resumes moves to another tab of ours
   * (README, "Resuming"); the others are gone, and their remotes are told (leave-policy.ts).
   */
  hostGone(tab: TabRecord): void {
    const hosted = [...this.connections.values()].filter((c) => c.host === tab);
    const next = this.registry.pickHost([...this.members.values()].filter((m) => m.tab !== tab));
    const dead: PeerLink[] = [];
    for (const link of hosted) {
      if (link.kind === "data" && link.resumable && next) {
        link.redial(next);
        continue;
      }
      dead.push(link);
      const why = link.kind === "data" && link.resumable ? ", and no other tab of this peer could take it over" : "";
      if (link.kind === "data") link.failTold(`The tab that hosted this connection closed${why}.`);
      else link.fail("connection-closed", "The tab that hosted this connection closed.");
    }
    for (const notice of leaveNotices(dead, (remoteId) => this.linksTo(remoteId).length)) this.signal(notice);
  }

  listAllPeers(): Promise<string[]> {
    return listPeers(this.registry.platform, this.settings);
  }

  // LinkContext

  newRef(): ConnRef {
    return this.registry.newRef();
  }

  track(link: PeerLink): void {
    this.connections.set(link.ref, link);
    this.registry.addConnection(link);
  }

  pickHost(): TabRecord | undefined {
    return this.registry.pickHost(this.members.values());
  }

  signal(message: ClientMessage): void {
    this.session.send(message);
  }

  forget(link: PeerLink): void {
    this.connections.delete(link.ref);
    this.registry.removeConnection(link);
  }

  moveLeg(link: PeerLink, from: ConnRef): void {
    this.registry.moveLeg(link, from);
  }

  log(level: LogLevel, ...args: unknown[]): void {
    const line = [`[${this.id ?? "…"}]`, ...args.map(loggable)];
    for (const member of this.members.values()) member.log(level, line);
  }

  // RelayTarget

  find(remoteId: string, connectionId: string): PeerLink | undefined {
    for (const conn of this.connections.values()) {
      if (conn.remoteId === remoteId && conn.connectionId === connectionId) return conn;
    }
    return undefined;
  }

  linksTo(remoteId: string): PeerLink[] {
    return [...this.connections.values()].filter((c) => c.remoteId === remoteId);
  }

  /** A resume OFFER for a connection we no longer have: the re-dialer learns at once that it is over. */
  refuseResume(src: string, connectionId: string): void {
    this.log(2, `${src} resumes connection ${connectionId}, which is closed here`);
    this.signal({ type: "LEAVE", dst: src, payload: { connectionId, reason: "closed" } });
  }

  offered(src: string, payload: OfferPayload): void {
    const refused = acceptOffer(this, src, payload);
    if (refused) this.emitError(refused);
  }

  emitError(error: WireError): void {
    this.log(1, error.message);
    this.broadcast((member) => ({ t: "peer-error", member, error }));
  }

  /** Fatal for the peer: destroyed if it never reached the server, else only disconnected (as 1.5.5). */
  private abort(type: PeerErrorType, message: string, cause?: unknown): void {
    this.emitError(wireError(type, message, cause));
    if (this.session.everOpened) this.disconnect();
    else this.destroy();
  }

  private broadcast(frame: (member: MemberId) => ToTab): void {
    for (const member of this.members.values()) member.post(frame(member.id));
  }
}

/** Log arguments cross to tabs by structured clone: errors and odd values become text. */
function loggable(arg: unknown): unknown {
  if (arg instanceof Error) return errorText(arg, true);
  if (typeof arg === "function" || typeof arg === "symbol") return String(arg);
  return arg;
}
