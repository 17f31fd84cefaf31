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
  warn(...args: unknown[]): void;
}

// The page's handle on its channel worker (src/channel-worker.ts). It takes channels only once its
// script runs: a channel handed to a worker that never loads would be lost, so until then (or for
// good, if it fails to load) the RTC host keeps channels on the page.
export class ChannelPlane {
  private readonly worker: Worker;
  private ready = false;

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
          this.ready = true;
          return;
        case "rtc-close":
          return hooks.closed(message.ref);
        case "warn":
          return hooks.warn(...message.args);
        default:
          return assertNever(message);
      }
    };
    this.worker.onerror = (event) =>
      hooks.warn(this.ready ? `channel worker: ${event.message}` : "the channel worker did not start; data channels stay on the page");
  }

  // Hands `channel` over, in the task that made it; false: it stays here (not ready, or refused).
  adopt(ref: ConnRef, channel: RTCDataChannel): boolean {
    if (!this.ready) return false;
    try {
      this.post({ t: "adopt", ref, channel }, [channel]);
      return true;
    } catch {
      return false; // engines without transferable channels throw DataCloneError
    }
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
