import type { Endpoint } from "comlink";
import { BatchedPort } from "../contract/batched-port.js";
import type { TabId } from "../contract/ids.js";
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
    this.port.post(frame, transfer);
  }
}
