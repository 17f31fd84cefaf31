import type { Endpoint } from "comlink";
import { BatchedPort } from "../contract/batched-port.js";
import type { ConnRef, TabId } from "../contract/ids.js";
import { isPlaneCommand, type PlaneCommand } from "../contract/plane-frames.js";
import type { Batch, ToTab, ToWorker } from "../contract/tab-frames.js";
import { NO_WATCH, type TabWatch } from "./liveness.js";

/** A tab known to the hub: its port, whether a person can see it, and when it arrived. */
export class TabRecord {
  readonly port: BatchedPort<ToTab, ToWorker>;
  visible: boolean;
  /** The tab's Comlink endpoint, closed with it. */
  control: Endpoint | undefined;
  /** How the hub learns that this tab is gone (worker/liveness.ts). */
  watch: TabWatch = NO_WATCH;
  /** The tab's channel plane (contract/plane-frames.ts), if it has a channel worker. */
  private plane: BatchedPort<PlaneCommand, unknown> | undefined;
  /** Links whose channel opened on the plane: their channel commands go there, behind nothing else. */
  private readonly onPlane = new Set<ConnRef>();
  /** Frames that could not be cloned come back here; only sends carry user values. */
  onUnclonable: (frame: ToTab, error: unknown) => void = () => {};

  constructor(
    readonly id: TabId,
    port: MessagePort,
    visible: boolean,
    /** When it arrived, on the hub's clock. */
    readonly since: number,
    onBatch: (tab: TabRecord, frames: Batch<ToWorker>) => void,
  ) {
    this.visible = visible;
    this.port = new BatchedPort<ToTab, ToWorker>(
      port,
      (frames) => onBatch(this, frames),
      (frame, error) => this.onUnclonable(frame, error),
    );
  }

  post(frame: ToTab, transfer?: readonly Transferable[]): void {
    if (this.plane && isPlaneCommand(frame) && this.onPlane.has(frame.ref)) {
      if (frame.t === "rtc-close") this.onPlane.delete(frame.ref);
      this.plane.post(frame, transfer);
    } else {
      this.port.post(frame, transfer);
    }
  }

  /** The hub's end of the tab's plane; what arrives on it goes through `onBatch` (the hub checks it). */
  setPlane(port: MessagePort, onBatch: (tab: TabRecord, frames: unknown) => void): void {
    this.plane?.close();
    this.plane = new BatchedPort<PlaneCommand, unknown>(
      port,
      (frames) => onBatch(this, frames),
      () => {},
    );
  }

  /** `ref`'s channel opened on the plane. */
  movedToPlane(ref: ConnRef): void {
    this.onPlane.add(ref);
  }

  close(): void {
    this.port.close();
    this.plane?.close();
  }
}
