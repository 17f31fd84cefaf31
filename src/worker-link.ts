import { transfer, wrap, type Remote } from "comlink";
import { BatchedPort } from "../contract/batched-port.js";
import { newTabId, type ConnRef, type MemberId, type TabId } from "../contract/ids.js";
import { holdLock, SilenceWatch, watchLock, WORKER_CHECK_MS, WORKER_SILENCE_MS } from "../contract/liveness.js";
import type { ConnectionEvent, LogFrame, PeerEvent, ToTab, ToWorker } from "../contract/tab-frames.js";
import type { Hello, WorkerApi, WorkerMode, WorkerModeOption } from "../contract/worker-api.js";
import { CONTRACT_VERSION } from "../contract/version.js";
import { errorText } from "../contract/error-text.js";
import { isRtcCommand } from "../contract/guards.js";
import { BoundedCalls, type BoundedApi } from "./bounded-calls.js";
import { firstAnswer, type Attempt } from "./first-answer.js";
import { PeerError } from "./peer-error.js";
import { RtcHost } from "./rtc-host.js";
import { workerName, WorkerGenerations } from "./worker-generation.js";
import { ChannelPlane } from "./channel-plane.js";
import type { DataPlane } from "../contract/options.js";

/** @internal Frames for one Peer object. */
export type MemberFrame = PeerEvent | ConnectionEvent | LogFrame;

/** @internal What a Peer object gives its link: where its frames go, and what to do when the worker is lost. */
export interface MemberHooks {
  frame(frame: MemberFrame): void;
  /** The worker died: every call in flight was rejected with `error`; attach again through `replacement()`. */
  lost(error: PeerError): void;
}

/** How long a worker may take to answer its first call before the next mode is tried. */
const HELLO_TIMEOUT_MS = 5000;
/**
 * No hello by then: another `new SharedWorker` under the generation's name as it is now, up to
 * HELLO_TRIES. A tab that started as the others moved on may have asked for a dead worker's name
 * (src/worker-generation.ts). A live worker answers within milliseconds.
 */
const HELLO_HEDGE_MS = 400;
const HELLO_TRIES = 3;
/** A replacement worker is tried again after these delays before the Peers give up. */
const REOPEN_DELAYS_MS = [0, 250, 500, 1000, 2000, 4000, 8000];

/** Which cache entry a link fills, the worker URL it was made from, and that URL's worker generations. */
interface LinkPlace {
  readonly key: string;
  readonly url: URL | undefined;
  readonly generations: WorkerGenerations;
}

/**
 * This tab's link to the hub: the bounded Comlink calls (control), the tab port (events and data,
 * batched), the RTC host, and the liveness watch both ways (contract/liveness.ts). One per tab and
 * worker; when the worker dies, the link fails everything it carries and names its replacement.
 * @internal
 */
export class WorkerLink {
  private readonly members = new Map<MemberId, MemberHooks>();
  readonly rtc: RtcHost;
  private readonly port: BatchedPort<ToWorker, ToTab>;
  private heartbeat: SilenceWatch | undefined;
  private next: Promise<WorkerLink> | undefined;
  private planeWanted = false;
  private readonly unlisten: Array<() => void> = [];

  private constructor(
    readonly mode: WorkerMode,
    private readonly calls: BoundedCalls<Remote<WorkerApi>>,
    private readonly endpoint: MessagePort | Worker,
    readonly tabId: TabId,
    port: MessagePort,
    private readonly place: LinkPlace,
    /** Of the shared worker's name (src/worker-generation.ts). */
    private readonly generation: number,
  ) {
    this.port = new BatchedPort<ToWorker, ToTab>(
      port,
      (frames) => {
        this.heartbeat?.heard();
        frames.forEach((f) => this.dispatch(f));
      },
      (frame, error) => this.unclonable(frame, error),
    );
    this.rtc = new RtcHost(
      (frame, t, when) => this.port.post(frame, t, when),
      (...args) => this.members.forEach((hooks, member) => hooks.frame({ t: "log", member, level: 2, args })),
    );
  }

  /** The hub's control API; every call settles (contract/worker-api.ts, src/bounded-calls.ts). */
  get api(): BoundedApi<Remote<WorkerApi>> {
    return this.calls.api;
  }

  /** Set once the worker is lost. */
  get lost(): PeerError | undefined {
    return this.calls.closed;
  }

  // `dataPlane` "worker": this tab gets a channel worker (inline, the hub is on this page anyway).
  addMember(id: MemberId, hooks: MemberHooks, dataPlane: DataPlane = "worker"): void {
    this.members.set(id, hooks);
    if (dataPlane === "page") this.rtc.keepOnPage = true;
    else if (!this.rtc.plane) this.planeWanted = this.mode !== "inline" && typeof Worker !== "undefined";
  }

  // Once a Peer is open (or a channel is due first): off the cold `open` path, where a thread
  // starting beside the hub's slowed it, and well before the remote's first message.
  private startPlane(): void {
    this.planeWanted = false;
    const rtc = this.rtc;
    const hooks = {
      toHub: (port: MessagePort) => this.port.post({ t: "channel-plane", port }, [port]),
      closed: (ref: ConnRef) => rtc.close(ref),
      lost: (ref: ConnRef) => this.port.post({ t: "rtc-failed", ref, message: "the channel worker did not start" }),
      warn: rtc.warn,
    };
    try {
      rtc.plane = new ChannelPlane(this.place.url, hooks);
    } catch (error) {
      rtc.warn("no channel worker (data channels stay on the page):", error); // a CSP without worker-src, say
    }
  }

  removeMember(id: MemberId): void {
    this.members.delete(id);
  }

  post(frame: ToWorker, transferables?: readonly Transferable[]): void {
    this.port.post(frame, transferables);
  }

  /** The link to a fresh worker of the same mode that takes over from this lost one; one for all its Peers. */
  replacement(): Promise<WorkerLink> {
    this.next ??= reopen(this.mode, this.place);
    return this.next;
  }

  private dispatch(frame: ToTab): void {
    if (frame.t === "ping") {
      this.port.post({ t: "pong" });
      return;
    }
    if (isRtcCommand(frame)) {
      if (this.planeWanted) this.startPlane();
      this.rtc.handle(frame);
    } else {
      this.members.get(frame.member)?.frame(frame);
      if (this.planeWanted && frame.t === "peer-open") this.startPlane();
    }
  }

  /** A value given to `send` that structured clone refuses (a function, say): an error on its connection. */
  private unclonable(frame: ToWorker, error: unknown): void {
    if (frame.t !== "send") return;
    this.members.get(frame.member)?.frame({
      t: "conn-error",
      member: frame.member,
      ref: frame.ref,
      error: { type: "socket-error", message: `This value cannot be sent: ${errorText(error)}` },
    });
  }

  /** Watches the worker as it watches us: its lock where there are Web Locks, else its pings. */
  private watchWorker(lock: string | null): void {
    if (this.mode === "inline" || this.calls.closed) return; // inline: the hub dies with this page
    if (lock !== null && watchLock(lock, () => this.lose())) return;
    this.heartbeat = new SilenceWatch({ every: WORKER_CHECK_MS, limit: WORKER_SILENCE_MS, onSilent: () => this.lose() });
  }

  private listen(): void {
    if (typeof document === "undefined") return;
    const visibility = () => this.post({ t: "visibility", visible: document.visibilityState === "visible" });
    // Closing our RTCPeerConnections as the page goes tells the remotes at once (SCTP abort), instead
    // of after ICE gives up. Without Web Locks, `bye` tells the worker before the heartbeat would.
    const pagehide = () => {
      this.rtc.closeAll();
      if (!this.heartbeat) return;
      this.port.post({ t: "bye" });
      this.port.flush();
    };
    document.addEventListener("visibilitychange", visibility);
    addEventListener("pagehide", pagehide);
    this.unlisten.push(
      () => document.removeEventListener("visibilitychange", visibility),
      () => removeEventListener("pagehide", pagehide),
    );
    // Another tab moved to a newer worker: this one was started beside it while that move happened.
    if (this.mode === "shared") this.unlisten.push(this.place.generations.watch(this.generation, () => this.lose()));
  }

  /**
   * The worker is gone (architecture flow 7): reject every call in flight, close the RTCPeerConnections
   * this tab hosts so that their remotes see `close` at once, and tell every Peer, which attaches again.
   */
  private lose(): void {
    if (this.calls.closed) return;
    const error = new PeerError("network", "Lost the sharedpeer worker (it crashed or was stopped); attaching again with the same id.");
    this.calls.close(error);
    this.heartbeat?.stop();
    for (const undo of this.unlisten.splice(0)) undo();
    this.rtc.closeAll();
    this.rtc.plane?.stop();
    this.port.close();
    closeEndpoint(this.endpoint);
    if (this.mode === "shared") this.place.generations.advance(this.generation);
    const replacement = this.replacement();
    WorkerLink.links.set(this.place.key, replacement);
    replacement.catch(() => WorkerLink.links.delete(this.place.key));
    const members = [...this.members.values()];
    this.members.clear();
    for (const member of members) member.lost(error);
  }

  private static readonly links = new Map<string, Promise<WorkerLink>>();

  /** The link for this mode and worker URL, made once per tab (and again after a worker is lost). */
  static get(option: WorkerModeOption, workerUrl: URL | undefined): Promise<WorkerLink> {
    const key = `${option} ${workerUrl?.href ?? "default"}`;
    let link = WorkerLink.links.get(key);
    if (!link) {
      link = open(option, {
        key,
        url: workerUrl,
        generations: new WorkerGenerations(`sharedpeer:generation ${workerUrl?.href ?? "default"}`),
      });
      WorkerLink.links.set(key, link);
      link.catch(() => WorkerLink.links.delete(key));
    }
    return link;
  }

  /**
   * The tab's lock is taken during hello; the link is ready once registerTab is posted (calls behind
   * it on the port find the tab); the worker is watched once it answers. @internal
   */
  static async connect(mode: WorkerMode, start: () => Promise<Endpoint>, place: LinkPlace): Promise<WorkerLink> {
    const tabId = newTabId();
    // The hub queues on it: its grant means this tab is gone.
    const tabLock = mode === "inline" ? Promise.resolve(null) : holdLock(`sharedpeer:${tabId}`);
    const tries = mode === "shared" ? HELLO_TRIES : 1;
    const options = { every: HELLO_HEDGE_MS, most: tries, timeout: HELLO_TIMEOUT_MS, what: `the ${mode} worker` };
    const { hello, calls, endpoint, generation } = await firstAnswer(() => helloFrom(mode, start()), options);
    try {
      if (hello.version !== CONTRACT_VERSION) {
        throw new PeerError(
          "browser-incompatible",
          `The running sharedpeer worker speaks contract ${hello.version}, this page ${CONTRACT_VERSION}: close every tab of this site, then reload.`,
        );
      }
      const lock = await tabLock;
      const channel = new MessageChannel();
      const link = new WorkerLink(mode, calls, endpoint, tabId, channel.port1, place, generation);
      const visible = typeof document === "undefined" || document.visibilityState === "visible";
      calls.api.registerTab(tabId, transfer(channel.port2, [channel.port2]), lock, visible).then(
        (registered) => link.watchWorker(registered.lock),
        () => link.lose(), // not answered within the call timeout: as good as dead
      );
      link.listen();
      return link;
    } catch (error) {
      calls.close(new PeerError("browser-incompatible", `The ${mode} worker did not start.`, { cause: error }));
      closeEndpoint(endpoint);
      throw error;
    }
  }
}

async function open(option: WorkerModeOption, place: LinkPlace): Promise<WorkerLink> {
  const order: WorkerMode[] = option === "auto" ? ["shared", "dedicated", "inline"] : [option];
  let lastError: unknown;
  for (const mode of order) {
    try {
      return await WorkerLink.connect(mode, () => startEndpoint(mode, place), place);
    } catch (error) {
      if (error instanceof PeerError) throw error;
      lastError = error;
    }
  }
  throw new PeerError("browser-incompatible", `sharedpeer could not start its worker (${order.join(", ")} tried).`, { cause: lastError });
}

interface Endpoint {
  readonly endpoint: MessagePort | Worker;
  /** Rejects when the worker script fails to load or run. */
  readonly failed: Promise<never>;
  /** Of a shared worker's name; 0 for the other modes. */
  readonly generation: number;
}

/** Through a constant, so that our own build leaves it alone; the published file has the literal. */
const WORKER_FILE = "./worker.js";

/**
 * The default worker is written as `new SharedWorker(new URL("./worker.js", import.meta.url), {...})`
 * on purpose: bundlers (Vite, webpack 5) recognise exactly that form and ship the worker file with the
 * app, with no configuration.
 */
async function startEndpoint(mode: WorkerMode, { url, generations }: LinkPlace): Promise<Endpoint> {
  switch (mode) {
    case "shared": {
      if (typeof SharedWorker === "undefined") throw new Error("no SharedWorker in this browser");
      const generation = generations.current();
      const name = workerName(generation);
      const worker = url
        ? new SharedWorker(url, { type: "module", name })
        : new SharedWorker(new URL(WORKER_FILE, import.meta.url), { type: "module", name });
      return { endpoint: worker.port, failed: failure(worker), generation };
    }
    case "dedicated": {
      if (typeof Worker === "undefined") throw new Error("no Worker in this browser");
      const worker = url
        ? new Worker(url, { type: "module", name: "sharedpeer" })
        : new Worker(new URL(WORKER_FILE, import.meta.url), { type: "module", name: "sharedpeer" });
      return { endpoint: worker, failed: failure(worker), generation: 0 };
    }
    case "inline": {
      const { startInlineHub } = await import("../worker/inline.js");
      return { endpoint: startInlineHub(), failed: new Promise<never>(() => {}), generation: 0 };
    }
  }
}

interface Answered {
  readonly hello: Hello;
  readonly calls: BoundedCalls<Remote<WorkerApi>>;
  readonly endpoint: MessagePort | Worker;
  readonly generation: number;
}

/** One worker's hello; dropping it closes our end of that worker (a hedged try that lost, or a timeout). */
function helloFrom(mode: WorkerMode, started: Promise<Endpoint>): Attempt<Answered> {
  let drop = () => {};
  let dropped = false;
  const answer = started.then(({ endpoint, failed, generation }) => {
    const calls = new BoundedCalls(wrap<WorkerApi>(endpoint));
    drop = () => {
      calls.close(new PeerError("browser-incompatible", `The ${mode} worker did not start.`));
      closeEndpoint(endpoint);
    };
    if (dropped) drop();
    return Promise.race([calls.api.hello(), failed]).then((hello) => ({ hello, calls, endpoint, generation }));
  });
  return {
    answer,
    drop: () => {
      dropped = true;
      drop();
    },
  };
}

/** Our end of a worker we are done with; a dedicated one is ours alone, so it stops. */
function closeEndpoint(endpoint: MessagePort | Worker): void {
  if (endpoint instanceof MessagePort) endpoint.close();
  else endpoint.terminate();
}

function failure(worker: SharedWorker | Worker): Promise<never> {
  return new Promise<never>((_, reject) => {
    worker.addEventListener("error", (event) => {
      const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : "";
      reject(new Error(`the worker script failed to load${detail}`));
    });
  });
}

/** A fresh worker in the mode that was lost (not the next fallback: sharing must stay as it was). */
async function reopen(mode: WorkerMode, place: LinkPlace): Promise<WorkerLink> {
  let lastError: unknown;
  for (const delay of REOPEN_DELAYS_MS) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      return await WorkerLink.connect(mode, () => startEndpoint(mode, place), place);
    } catch (error) {
      // A version mismatch stays one; anything else (a worker still going away, say) is worth another try.
      if (error instanceof PeerError && error.type === "browser-incompatible") throw error;
      lastError = error;
    }
  }
  throw new PeerError("browser-incompatible", `sharedpeer could not start a new ${mode} worker after losing one.`, { cause: lastError });
}
