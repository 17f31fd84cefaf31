import { MessageChannel } from "node:worker_threads";
import { transfer, wrap, type Endpoint, type Remote } from "comlink";
import { BatchedPort } from "../../../contract/batched-port.js";
import { newTabId, type ConnRef, type MemberId, type TabId } from "../../../contract/ids.js";
import type { ConnectSettings, PeerSettings } from "../../../contract/options.js";
import type { ToTab, ToWorker } from "../../../contract/tab-frames.js";
import type { WorkerApi, WorkerMode } from "../../../contract/worker-api.js";
import { Hub } from "../../../worker/hub.js";
import { resolveSettings } from "../../../src/options.js";
import type { RunningPeerServer } from "../../../testing/peer-server.js";
import { FakeClock } from "./fake-clock.js";
import { nodePlatform, type NodePlatform } from "./node-platform.js";
import { startPeerServer } from "../../../testing/peer-server.js";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

/** How long a test waits for a frame before it fails with what did arrive. */
const FRAME_WAIT_MS = 3000;

type Tag = ToTab["t"];
type FrameOf<T extends Tag> = Extract<ToTab, { t: T }>;

/** Node's MessagePort speaks the DOM's MessagePort protocol that Comlink and BatchedPort use. */
const asDomPort = (port: unknown): MessagePort => port as MessagePort;

/**
 * One tab as the hub sees it: a Comlink control endpoint and a data port over Node's
 * MessageChannel, registered with the hub. It plays the tab's RTC host by posting reports itself.
 */
export class TestTab {
  readonly frames: ToTab[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly port: BatchedPort<ToWorker, ToTab>;
  private nextMember = 1;
  private readonly probes = new Map<MemberId, ConnRef>();

  private constructor(
    readonly id: TabId,
    readonly lock: string,
    readonly api: Remote<WorkerApi>,
    port: MessagePort,
    private readonly harness: HubHarness,
  ) {
    this.port = new BatchedPort<ToWorker, ToTab>(
      port,
      (frames) => {
        this.frames.push(...frames);
        for (const wake of [...this.waiters]) wake();
      },
      (frame, error) => {
        throw new Error(`the test posted an unclonable ${frame.t} frame: ${String(error)}`);
      },
    );
  }

  static async open(harness: HubHarness, visible = true): Promise<TestTab> {
    const control = new MessageChannel();
    harness.hub.accept(control.port1 as unknown as Endpoint);
    const api = wrap<WorkerApi>(control.port2 as unknown as Endpoint);
    const data = new MessageChannel();
    const id = newTabId();
    const lock = `sharedpeer-tab-${id}`;
    await api.registerTab(id, transfer(asDomPort(data.port2), [asDomPort(data.port2)]), lock, visible);
    const tab = new TestTab(id, lock, api, asDomPort(data.port1), harness);
    harness.opened(tab, control.port2);
    return tab;
  }

  /** Attaches a new Peer object of this tab; `id` null lets the server pick one. */
  async attach(id: string | null, overrides: Partial<PeerSettings> = {}): Promise<MemberId> {
    const member = `${this.id}-m${this.nextMember++}` as MemberId;
    await this.api.attach(this.id, member, id, { ...this.harness.settings(), ...overrides });
    return member;
  }

  async connect(member: MemberId, remoteId: string, overrides: Partial<ConnectSettings> = {}): Promise<ConnRef> {
    const connectionId = `dc_${this.nextMember++}${Math.random().toString(36).slice(2, 8)}`;
    const settings: ConnectSettings = {
      connectionId,
      label: connectionId,
      metadata: undefined,
      serialization: "binary",
      reliable: true,
      ...overrides,
    };
    await this.api.connect(member, remoteId, settings);
    const added = await this.next("conn-added", (f) => f.member === member && f.conn.connectionId === connectionId);
    return added.conn.ref;
  }

  post(frame: ToWorker, transferables?: readonly Transferable[]): void {
    this.port.post(frame, transferables);
  }

  /** The tab dies: its liveness watch fires in the hub. */
  die(): void {
    this.harness.platform.liveness.end(this.lock);
  }

  /** Frames of one kind received so far, optionally only those matching. */
  all<T extends Tag>(tag: T, match: (frame: FrameOf<T>) => boolean = () => true): FrameOf<T>[] {
    return this.frames.filter((f): f is FrameOf<T> => f.t === tag && match(f as FrameOf<T>));
  }

  /** The first frame of this kind (received already or still to come) that matches. */
  next<T extends Tag>(tag: T, match: (frame: FrameOf<T>) => boolean = () => true): Promise<FrameOf<T>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.all(tag, match)[0];
        if (!found) return false;
        done();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${tag} frame came within ${FRAME_WAIT_MS} ms; got ${this.frames.map((f) => f.t).join(", ") || "nothing"}`));
      }, FRAME_WAIT_MS);
      const wake = () => void check();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      check();
    });
  }

  /** A connection whose channel this tab plays, reported open. */
  async openConnection(member: MemberId, remoteId: string, overrides: Partial<ConnectSettings> = {}): Promise<ConnRef> {
    const ref = await this.connect(member, remoteId, overrides);
    this.post({ t: "rtc-channel-open", ref });
    await this.next("conn-open", (f) => f.ref === ref && f.member === member);
    return ref;
  }

  /**
   * Resolves once the hub has handled every frame this tab posted so far and the tab has received
   * every frame the hub posted in response: a probe rides the same port both ways, behind them (a
   * send on a connection that never opens, which comes back as an error).
   */
  async settle(member: MemberId): Promise<void> {
    let probe = this.probes.get(member);
    if (probe === undefined) {
      probe = await this.connect(member, "settle-probe");
      this.probes.set(member, probe);
    }
    const ref = probe;
    const before = this.all("conn-error", (f) => f.ref === ref).length;
    this.post({ t: "send", member, ref, value: null, sendId: -1 });
    await this.next("conn-error", (f) => f.ref === ref && this.all("conn-error", (g) => g.ref === ref).length > before);
  }

  close(): void {
    this.port.close();
  }
}

/**
 * A hub in this process with a fake clock, real `ws` sockets and `fetch` against a PeerServer on
 * 127.0.0.1, and tabs over MessageChannel.
 */
export class HubHarness {
  readonly clock = new FakeClock();
  readonly platform: NodePlatform = nodePlatform(this.clock);
  readonly hub: Hub;
  private readonly tabs: TestTab[] = [];
  private readonly controls: { close(): void }[] = [];

  constructor(
    private readonly server: RunningPeerServer,
    mode: WorkerMode = "shared",
  ) {
    this.hub = new Hub(mode, this.platform);
  }

  settings(): PeerSettings {
    const { host, port, path, key } = this.server;
    return resolveSettings({ host, port, path, key, config: { iceServers: [] }, debug: 0 }, undefined);
  }

  openTab(visible = true): Promise<TestTab> {
    return TestTab.open(this, visible);
  }

  opened(tab: TestTab, control: { close(): void }): void {
    this.tabs.push(tab);
    this.controls.push(control);
  }

  /** Ends every tab, which ends every peer and its socket. */
  close(): void {
    for (const tab of this.tabs) {
      try {
        tab.die();
      } catch {
        // died in the test already
      }
      tab.close();
    }
    for (const control of this.controls) control.close();
  }
}

/**
 * Hooks for a test file: one real PeerServer for the file, a fresh hub for each test.
 *
 * @example
 * const env = useHubEnv();
 * test("…", async () => { const tab = await env.harness.openTab(); });
 */
export function useHubEnv(): { readonly server: RunningPeerServer; readonly harness: HubHarness } {
  let server: RunningPeerServer | undefined;
  let harness: HubHarness | undefined;
  beforeAll(async () => {
    server = await startPeerServer();
  });
  afterAll(() => server?.stop());
  beforeEach(() => {
    harness = new HubHarness(env.server);
  });
  afterEach(() => harness?.close());
  const env = {
    get server(): RunningPeerServer {
      if (!server) throw new Error("the PeerServer starts in beforeAll");
      return server;
    },
    get harness(): HubHarness {
      if (!harness) throw new Error("the hub starts in beforeEach");
      return harness;
    },
  };
  return env;
}
