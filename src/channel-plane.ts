import type { ConnRef } from "../contract/ids.js";
import type { FromChannelWorker, ToChannelWorker } from "../contract/plane-frames.js";
import { assertNever } from "../contract/assert-never.js";

// Through a constant, so that our own build leaves it alone; the published file has the literal (vite.config.ts).
const CHANNEL_WORKER_FILE = "./channel-worker.js";

/** What the page's plane needs from its RTC host. */
export interface PlaneHooks {
  /** The hub's end of the plane, to send on the tab port (transferred). */
  toHub(port: MessagePort): void;
  /** The channel worker closed `ref`'s channel for the hub: the RTCPeerConnection closes too. */
  closed(ref: ConnRef): void;
  /** `ref`'s channel went to a worker that then failed to start: it is gone. */
  lost(ref: ConnRef): void;
  warn(...args: unknown[]): void;
}

// The page's handle on its channel worker (src/channel-worker.ts). Channels handed over before its
// script runs wait for it (the browser holds their messages); if it fails to load, those are lost
// (their connections fail) and the RTC host keeps later channels on the page.
export class ChannelPlane {
  private readonly worker: Worker;
  // Channels handed over before the worker said `ready`; undefined once it did (or failed).
  private early: ConnRef[] | undefined = [];
  private failed = false;

  // `workerUrl`: the app's hub script; the channel worker is expected beside it.
  constructor(workerUrl: URL | undefined, hooks: PlaneHooks) {
    // Literal options: bundlers that follow `new Worker(new URL(…))` insist on them.
    this.worker = workerUrl
      ? new Worker(new URL("./channel-worker.js", workerUrl), { type: "module", name: "sharedpeer-channels" })
      : new Worker(new URL(CHANNEL_WORKER_FILE, import.meta.url), { type: "module", name: "sharedpeer-channels" });
    const { port1, port2 } = new MessageChannel();
    this.post({ t: "plane", port: port2 }, [port2]);
    hooks.toHub(port1);
    this.worker.onmessage = (event: MessageEvent<FromChannelWorker>) => {
      const message = event.data;
      switch (message.t) {
        case "ready":
          this.early = undefined;
          return;
        case "rtc-close":
          return hooks.closed(message.ref);
        case "warn":
          return hooks.warn(...message.args);
        default:
          return assertNever(message);
      }
    };
    this.worker.onerror = (event) => {
      if (!this.early) return hooks.warn(`channel worker: ${event.message}`);
      this.failed = true;
      hooks.warn("the channel worker did not start; data channels stay on the page");
      for (const ref of this.early) hooks.lost(ref);
      this.early = undefined;
    };
  }

  // Hands `channel` over, in the task that made it; false: it stays here (refused, or no worker).
  adopt(ref: ConnRef, channel: RTCDataChannel): boolean {
    if (this.failed) return false;
    try {
      this.post({ t: "adopt", ref, channel }, [channel]);
    } catch {
      return false; // engines without transferable channels throw DataCloneError
    }
    this.early?.push(ref);
    return true;
  }

  // The page closed `ref`'s RTCPeerConnection: the worker lets its channel go.
  forget(ref: ConnRef): void {
    this.post({ t: "rtc-close", ref });
  }

  stop(): void {
    this.worker.terminate();
  }

  private post(message: ToChannelWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}
