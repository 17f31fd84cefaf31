import { wireError } from "../contract/errors.js";
import { randomToken, type ConnRef, type MemberId, type TabId } from "../contract/ids.js";
import { holdLock } from "../contract/liveness.js";
import { serverOrigin, type ConnectSettings, type PeerSettings } from "../contract/options.js";
import type { Batch, ToWorker } from "../contract/tab-frames.js";
import type { HubStats, WorkerApi, WorkerMode } from "../contract/worker-api.js";
import { CONTRACT_VERSION } from "../contract/version.js";
import { errorText } from "../contract/error-text.js";
import { assertNever } from "../contract/assert-never.js";
import { Member } from "./member.js";
import type { PeerLink } from "./link-factory.js";
import { SharedPeer, type PeerRegistry } from "./shared-peer.js";
import { TabRecord } from "./tab.js";
import { readFrame, readPlaneFrame, type Checked } from "./frame-check.js";
import { assertCall, assertConnect, assertRef, assertSettings, assertTab } from "./call-check.js";
import type { Platform } from "./platform.js";
import { NO_WATCH } from "./liveness.js";
import { expose, type Endpoint } from "comlink";

/**
 * The worker's state: tabs, peers (one per server, key and id when shared), members and connections.
 * One hub per worker; in inline mode one per page.
 */
export class Hub implements PeerRegistry {
  private readonly tabs = new Map<TabId, TabRecord>();
  private readonly members = new Map<MemberId, Member>();
  /** The peer each member is attached to. */
  private readonly peerOf = new Map<MemberId, SharedPeer>();
  private readonly sharedPeers = new Map<string, SharedPeer>();
  private readonly peers = new Set<SharedPeer>();
  private readonly connections = new Map<ConnRef, PeerLink>();
  /** The same links by the ref of their current RTCPeerConnection (`leg`), which their RTC reports carry. */
  private readonly legs = new Map<ConnRef, PeerLink>();
  /** Comlink endpoints, one per connected tab; closed when the tab is gone. */
  private readonly controls = new Set<Endpoint>();
  private nextRef = 1;
  /** Held while this worker runs: tabs queue on it to learn that it died (null: no Web Locks here). */
  private readonly lock: Promise<string | null>;

  constructor(
    readonly mode: WorkerMode,
    readonly platform: Platform,
  ) {
    this.lock = mode === "inline" ? Promise.resolve(null) : holdLock(`sharedpeer:worker:${randomToken()}`);
  }

  /** A tab (or the page, inline) connected: it gets the control API on `endpoint`. */
  accept(endpoint: Endpoint): void {
    this.controls.add(endpoint);
    expose(this.api(endpoint), endpoint);
  }

  /** The API one connecting endpoint gets; `satisfies` pins it to the contract. */
  private api(endpoint: Endpoint): WorkerApi {
    const api = {
      // Not held up by the worker's own lock: a cold start would wait for its grant (3–6 ms measured).
      hello: () => Promise.resolve({ version: CONTRACT_VERSION, mode: this.mode }),
      registerTab: (tab: TabId, port: MessagePort, lock: string | null, visible: boolean) => {
        assertTab(tab, port, lock, visible);
        this.registerTab(tab, port, lock, visible, endpoint);
        // The tab may watch the lock only once we hold it, or its watch would be granted at once.
        return this.lock.then((held) => ({ lock: held }));
      },
      attach: (tab: TabId, member: MemberId, id: string | null, settings: PeerSettings) => this.attach(tab, member, id, settings),
      detach: (member: MemberId) => this.detach(member),
      connect: (member: MemberId, remoteId: string, settings: ConnectSettings) => {
        assertConnect(remoteId, settings);
        this.forMember(member, (m, peer) => peer.connect(m, remoteId, settings));
      },
      call: (member: MemberId, remoteId: string, connectionId: string, metadata: unknown) => {
        assertCall(remoteId, connectionId);
        this.forMember(member, (m, peer) => peer.call(m, remoteId, connectionId, metadata));
      },
      answer: (member: MemberId, ref: ConnRef) => {
        assertRef(ref);
        this.forMember(member, (m, peer) => peer.answer(m, ref));
      },
      disconnect: (member: MemberId) => this.forMember(member, (_, peer) => peer.disconnect()),
      reconnect: (member: MemberId) => this.forMember(member, (_, peer) => peer.reconnect()),
      listAllPeers: (member: MemberId) => this.forMember(member, (_, peer) => peer.listAllPeers()),
      stats: (member: MemberId) => this.stats(member),
    } satisfies WorkerApi;
    return api;
  }

  stats(asking: MemberId): HubStats {
    const peer = this.peerOf.get(asking);
    const peerTabs = new Set([...(peer?.members.values() ?? [])].map((m) => m.tab)).size;
    let sockets = 0;
    for (const peer of this.peers) if (peer.state === "open" || peer.state === "connecting") sockets++;
    return {
      peers: this.peers.size,
      tabs: this.tabs.size,
      members: this.members.size,
      connections: this.connections.size,
      ports: this.tabs.size + this.controls.size,
      sockets,
      peerTabs,
    };
  }

  // PeerRegistry

  newRef(): ConnRef {
    return this.nextRef++ as ConnRef;
  }

  addConnection(link: PeerLink): void {
    this.connections.set(link.ref, link);
    this.legs.set(link.leg, link);
  }

  removeConnection(link: PeerLink): void {
    this.connections.delete(link.ref);
    this.legs.delete(link.leg);
  }

  moveLeg(link: PeerLink, from: ConnRef): void {
    this.legs.delete(from);
    this.legs.set(link.leg, link);
  }

  /** Incoming connections go to a visible tab if there is one, else to the newest tab (the likeliest to stay). */
  pickHost(members: Iterable<Member>): TabRecord | undefined {
    let best: TabRecord | undefined;
    for (const member of members) {
      const tab = member.tab;
      if (!best || (tab.visible && !best.visible) || (tab.visible === best.visible && tab.since > best.since)) best = tab;
    }
    return best;
  }

  peerEnded(peer: SharedPeer): void {
    this.peers.delete(peer);
    if (peer.shareKey !== undefined && this.sharedPeers.get(peer.shareKey) === peer) this.sharedPeers.delete(peer.shareKey);
    for (const [id, of] of this.peerOf) {
      if (of !== peer) continue;
      this.members.delete(id);
      this.peerOf.delete(id);
    }
  }

  // Tabs

  private closeControl(endpoint: Endpoint): void {
    this.controls.delete(endpoint);
    if (endpoint instanceof MessagePort) endpoint.close();
  }

  private registerTab(id: TabId, port: MessagePort, lock: string | null, visible: boolean, control: Endpoint): void {
    if (this.tabs.has(id)) throw new TypeError(`tab ${id} is registered already`);
    const tab = new TabRecord(id, port, visible, this.platform.clock.now(), (t, frames) => this.onTabFrames(t, frames));
    tab.control = control;
    tab.onUnclonable = (frame, error) => {
      if (frame.t === "conn-data") {
        this.connections.get(frame.ref)?.fail("connection-closed", `Received data that cannot reach the tab: ${errorText(error)}`);
      }
    };
    this.tabs.set(id, tab);
    tab.watch =
      this.mode === "inline"
        ? NO_WATCH
        : this.platform.watchTab(
            lock,
            () => tab.post({ t: "ping" }),
            () => this.tabGone(id),
          );
  }

  private tabGone(id: TabId): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.tabs.delete(id);
    tab.watch.stop();
    for (const peer of [...this.peers]) peer.hostGone(tab);
    for (const member of [...this.members.values()]) if (member.tab === tab) this.detach(member.id);
    tab.close();
    if (tab.control) this.closeControl(tab.control);
  }

  private onTabFrames(tab: TabRecord, frames: Batch<ToWorker>): void {
    tab.watch.heard();
    this.readFrames(tab, frames, readFrame, (frame) => this.onTabFrame(tab, frame));
  }

  /** A batch from the tab's channel worker: reports about the channels of links this tab hosts. */
  private onPlaneFrames(tab: TabRecord, frames: unknown): void {
    this.readFrames(tab, frames, readPlaneFrame, (frame) => {
      const conn = this.legs.get(frame.ref);
      if (!conn || conn.host !== tab) return;
      if (frame.t === "rtc-channel-open") tab.movedToPlane(frame.ref);
      conn.handleReport(frame);
    });
  }

  private readFrames<F>(tab: TabRecord, frames: unknown, read: (raw: unknown) => Checked<F>, handle: (frame: F) => void): void {
    if (!Array.isArray(frames)) return;
    for (const raw of frames) {
      const checked = read(raw);
      if ("frame" in checked) {
        handle(checked.frame);
        continue;
      }
      // Said through the loggers of that tab's Peers, which honour their `debug` level.
      const line = [`dropped a frame from this tab: ${checked.problem}`];
      for (const member of this.members.values()) if (member.tab === tab) member.log(2, line);
    }
  }

  private onTabFrame(tab: TabRecord, frame: ToWorker): void {
    switch (frame.t) {
      case "visibility":
        tab.visible = frame.visible;
        return;
      case "pong":
        return; // heard: that is all a pong says
      case "channel-plane":
        return tab.setPlane(frame.port, (t, frames) => this.onPlaneFrames(t, frames));
      case "bye":
        return this.tabGone(tab.id);
      case "send":
      case "close":
      case "subscribe": {
        const member = this.members.get(frame.member);
        const conn = this.connections.get(frame.ref);
        if (!member || member.tab !== tab || !conn || conn.state === "closed") return;
        if (frame.t === "close") {
          if (conn.kind === "data") conn.requestClose(frame.flush);
          else conn.close();
        } else if (conn.kind === "data") {
          if (frame.t === "send") conn.send(member, frame.value, frame.sendId);
          else conn.setListening(member.id, frame.on);
        }
        return;
      }
      case "rtc-local-description":
      case "rtc-local-candidate":
      case "rtc-channel-open":
      case "rtc-channel-closed":
      case "rtc-ice-state":
      case "rtc-received":
      case "rtc-received-text":
      case "rtc-drained":
      case "rtc-failed": {
        const conn = this.legs.get(frame.ref);
        // Only the host tab speaks for a connection's RTCPeerConnection.
        if (conn && conn.host === tab) conn.handleReport(frame);
        return;
      }
      default:
        return assertNever(frame);
    }
  }

  // Members

  private attach(tabId: TabId, memberId: MemberId, id: string | null, settings: PeerSettings): void {
    const tab = this.tabs.get(tabId);
    if (!tab) throw new TypeError(`tab ${tabId} is not registered`);
    if (this.members.has(memberId)) throw new TypeError(`member ${memberId} is attached already`);
    if (id !== null && typeof id !== "string") throw new TypeError("the peer id is neither a string nor null");
    assertSettings(settings);
    const shareKey =
      id !== null && settings.share && this.mode === "shared" ? `${serverOrigin(settings)}|${settings.key}|${id}` : undefined;
    let peer = shareKey === undefined ? undefined : this.sharedPeers.get(shareKey);
    const fresh = !peer;
    if (!peer) {
      peer = new SharedPeer(this, settings, id, shareKey);
      this.peers.add(peer);
      if (shareKey !== undefined) this.sharedPeers.set(shareKey, peer);
    }
    const member = new Member(memberId, tab, settings.debug);
    this.members.set(memberId, member);
    this.peerOf.set(memberId, peer);
    peer.addMember(member);
    if (fresh) peer.start();
  }

  private detach(memberId: MemberId): void {
    const peer = this.peerOf.get(memberId);
    this.members.delete(memberId);
    this.peerOf.delete(memberId);
    peer?.removeMember(memberId);
  }

  /** Runs a control call for an attached member and its peer. */
  private forMember<T>(id: MemberId, call: (member: Member, peer: SharedPeer) => T): T {
    const member = this.members.get(id);
    const peer = this.peerOf.get(id);
    // Comlink hands a thrown non-Error value to the caller as it is: the tab turns it into a PeerError.
    if (!member || !peer) throw wireError("disconnected", "This Peer is not attached to the worker any more.");
    return call(member, peer);
  }
}
