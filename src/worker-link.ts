import { transfer, wrap, type Remote } from "comlink";
import { BatchedPort } from "../contract/batched-port.js";
import { newTabId, type MemberId, type TabId } from "../contract/ids.js";
import type { ConnectionEvent, LogFrame, PeerEvent, ToTab, ToWorker } from "../contract/tab-frames.js";
import type { WorkerApi, WorkerMode, WorkerModeOption } from "../contract/worker-api.js";
import { CONTRACT_VERSION } from "../contract/version.js";
import { PeerError } from "./peer-error.js";
import { RtcHost } from "./rtc-host.js";

/** @internal Frames for one Peer object. */
export type MemberFrame = PeerEvent | ConnectionEvent | LogFrame;
/** @internal */
export type MemberSink = (frame: MemberFrame) => void;

/** How long a worker may take to answer its first call before the next mode is tried. */
const HELLO_TIMEOUT_MS = 5000;

/**
 * This tab's link to the hub: the Comlink proxy (control), the tab port (events and data, batched),
 * the RTC host, and the Web Lock that tells the hub when this tab is gone. One per tab and worker.
 * @internal
 */
export class WorkerLink {
  private readonly sinks = new Map<MemberId, MemberSink>();
  readonly rtc: RtcHost;
  private readonly port: BatchedPort<ToWorker, ToTab>;

  private constructor(
    readonly mode: WorkerMode,
    readonly api: Remote<WorkerApi>,
    readonly tabId: TabId,
    port: MessagePort,
  ) {
    this.port = new BatchedPort<ToWorker, ToTab>(
      port,
      (frames) => frames.forEach((f) => this.dispatch(f)),
      (frame, error) => this.unclonable(frame, error),
    );
    this.rtc = new RtcHost(
      (frame, t, when) => this.port.post(frame, t, when),
      (...args) => this.sinks.forEach((sink, member) => sink({ t: "log", member, level: 2, args })),
    );
  }

  addMember(id: MemberId, sink: MemberSink): void {
    this.sinks.set(id, sink);
  }

  removeMember(id: MemberId): void {
    this.sinks.delete(id);
  }

  post(frame: ToWorker, transferables?: readonly Transferable[]): void {
    this.port.post(frame, transferables);
  }

  private dispatch(frame: ToTab): void {
    if (frame.t.startsWith("rtc-")) {
      this.rtc.handle(frame as Extract<ToTab, { t: `rtc-${string}` }>);
      return;
    }
    const memberFrame = frame as MemberFrame;
    this.sinks.get(memberFrame.member)?.(memberFrame);
  }

  /** A value given to `send` that structured clone refuses (a function, say): an error on its connection. */
  private unclonable(frame: ToWorker, error: unknown): void {
    if (frame.t !== "send") return;
    this.sinks.get(frame.member)?.({
      t: "conn-error",
      member: frame.member,
      ref: frame.ref,
      error: { type: "socket-error", message: `This value cannot be sent: ${String(error)}` },
    });
  }

  private static readonly links = new Map<string, Promise<WorkerLink>>();

  /** The link for this mode and worker URL, made once per tab. */
  static get(option: WorkerModeOption, workerUrl: URL | undefined): Promise<WorkerLink> {
    const key = `${option} ${workerUrl?.href ?? "default"}`;
    let link = WorkerLink.links.get(key);
    if (!link) {
      link = open(option, workerUrl);
      WorkerLink.links.set(key, link);
      link.catch(() => WorkerLink.links.delete(key));
    }
    return link;
  }

  /** @internal */
  static async connect(mode: WorkerMode, { endpoint, failed }: Endpoint): Promise<WorkerLink> {
    const api = wrap<WorkerApi>(endpoint);
    const hello = await withTimeout(Promise.race([api.hello(), failed]), HELLO_TIMEOUT_MS, `the ${mode} worker did not answer`);
    if (hello.version !== CONTRACT_VERSION) {
      throw new PeerError(
        "browser-incompatible",
        `The running sharedpeer worker speaks contract ${hello.version}, this page ${CONTRACT_VERSION}: close every tab of this site, then reload.`,
      );
    }
    const tabId = newTabId();
    const lock = await holdTabLock(tabId);
    const channel = new MessageChannel();
    const link = new WorkerLink(mode, api, tabId, channel.port1);
    const visible = typeof document === "undefined" || document.visibilityState === "visible";
    await api.registerTab(tabId, transfer(channel.port2, [channel.port2]), lock, visible);
    if (typeof document !== "undefined") {
      document.addEventListener("visibilitychange", () => link.post({ t: "visibility", visible: document.visibilityState === "visible" }));
      // Closing our RTCPeerConnections as the page goes tells the remotes at once (SCTP abort),
      // instead of after ICE gives up; the worker learns from the tab's Web Lock.
      addEventListener("pagehide", () => link.rtc.closeAll());
    }
    return link;
  }
}

async function open(option: WorkerModeOption, workerUrl: URL | undefined): Promise<WorkerLink> {
  const order: WorkerMode[] = option === "auto" ? ["shared", "dedicated", "inline"] : [option];
  let lastError: unknown;
  for (const mode of order) {
    try {
      return await WorkerLink.connect(mode, await startEndpoint(mode, workerUrl));
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
}

/** Through a constant, so that our own build leaves it alone; the published file has the literal. */
const WORKER_FILE = "./worker.js";

/**
 * The default worker is written as `new SharedWorker(new URL("./worker.js", import.meta.url), {...})`
 * on purpose: bundlers (Vite, webpack 5) recognise exactly that form and ship the worker file with the
 * app, with no configuration.
 */
async function startEndpoint(mode: WorkerMode, url: URL | undefined): Promise<Endpoint> {
  switch (mode) {
    case "shared": {
      if (typeof SharedWorker === "undefined") throw new Error("no SharedWorker in this browser");
      const worker = url
        ? new SharedWorker(url, { type: "module", name: "sharedpeer" })
        : new SharedWorker(new URL(WORKER_FILE, import.meta.url), { type: "module", name: "sharedpeer" });
      return { endpoint: worker.port, failed: failure(worker) };
    }
    case "dedicated": {
      if (typeof Worker === "undefined") throw new Error("no Worker in this browser");
      const worker = url
        ? new Worker(url, { type: "module", name: "sharedpeer" })
        : new Worker(new URL(WORKER_FILE, import.meta.url), { type: "module", name: "sharedpeer" });
      return { endpoint: worker, failed: failure(worker) };
    }
    case "inline": {
      const { startInlineHub } = await import("../worker/inline.js");
      return { endpoint: startInlineHub(), failed: new Promise<never>(() => {}) };
    }
  }
}

function failure(worker: SharedWorker | Worker): Promise<never> {
  return new Promise<never>((_, reject) => {
    worker.addEventListener("error", (event) => {
      const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : "";
      reject(new Error(`the worker script failed to load${detail}`));
    });
  });
}

/** Holds a lock named for this tab until the tab is gone; the hub queues on it to learn of that. */
function holdTabLock(tabId: TabId): Promise<string> {
  const name = `sharedpeer:${tabId}`;
  if (typeof navigator === "undefined" || !navigator.locks) return Promise.resolve(name);
  return new Promise((granted, refused) => {
    navigator.locks
      .request(name, () => {
        granted(name);
        return new Promise<never>(() => {});
      })
      .catch(refused);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
