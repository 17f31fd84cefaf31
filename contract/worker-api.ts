import type { ConnRef, MemberId, TabId } from "./ids.js";
import type { ConnectSettings, PeerSettings } from "./options.js";

/**
 * Snapshot of the hub's bookkeeping, so tests and debugging can prove nothing leaked.
 *
 * @example
 * const { peerTabs } = await hubStats(peer); // how many tabs share this peer
 */
export interface HubStats {
  readonly peers: number;
  readonly tabs: number;
  readonly members: number;
  readonly connections: number;
  readonly ports: number;
  readonly sockets: number;
  /** Tabs attached to the asking Peer's peer (the others may use other ids). */
  readonly peerTabs: number;
}

/**
 * Where the hub of a Peer runs: `peer.mode`.
 *
 * @example
 * if (peer.mode !== "shared") showNotice("each tab is its own peer in this browser");
 */
export type WorkerMode = "shared" | "dedicated" | "inline";

/**
 * Where the hub runs; `auto` picks shared, else dedicated, else inline.
 *
 * @example
 * new Peer("alice", { worker: "inline" }); // e.g. under a CSP that forbids workers
 */
export type WorkerModeOption = "auto" | WorkerMode;

/** @internal */
export interface Hello {
  readonly version: number;
  readonly mode: WorkerMode;
}

/** @internal What `registerTab` answers. */
export interface Registered {
  /** The Web Lock the worker holds while it runs (tabs queue on it); null: no Web Locks, use the heartbeat. */
  readonly lock: string | null;
}

/**
 * The control plane, called by tabs through Comlink. State never comes back as a return value:
 * it arrives as events on the tab's port, so that it stays in order with everything else.
 * @internal
 */
export interface WorkerApi {
  hello(): Promise<Hello>;
  /**
   * `port` carries ToTab / ToWorker batches; `lock` is the Web Lock the tab holds while alive, null
   * where there are none: the worker then pings the tab on `port` (contract/liveness.ts). The tab is
   * registered when the call arrives, so calls posted behind it may use it before it is answered;
   * the answer comes once the worker holds its own lock.
   */
  registerTab(tab: TabId, port: MessagePort, lock: string | null, visible: boolean): Promise<Registered>;
  /** `id` null: the server assigns one. The member gets peer-open / peer-error / conn-added events. */
  attach(tab: TabId, member: MemberId, id: string | null, settings: PeerSettings): void;
  /** The member's Peer object is destroyed; the shared peer ends with its last member. */
  detach(member: MemberId): void;
  connect(member: MemberId, remoteId: string, settings: ConnectSettings): void;
  /** A media call; the caller's tab hosts it and holds the stream. */
  call(member: MemberId, remoteId: string, connectionId: string, metadata: unknown): void;
  /** Answers an incoming call from this member's tab, which then hosts it; the first answer wins. */
  answer(member: MemberId, ref: ConnRef): void;
  disconnect(member: MemberId): void;
  reconnect(member: MemberId): void;
  listAllPeers(member: MemberId): Promise<string[]>;
  stats(member: MemberId): HubStats;
}
