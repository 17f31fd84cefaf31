import type { Batch } from "./tab-frames.js";

/**
 * One side of a tab ⇄ worker data port. Frames posted in one turn of the event loop go out as one
 * message with their buffers transferred, so many small frames cost one structured clone.
 *
 * `post(…, "later")` waits for the next task instead: each received channel message is a task of its
 * own, so only a task-level flush lets a burst of them share one postMessage (a hop across
 * processes costs more than the message itself).
 */
export class BatchedPort<Out, In> {
  private frames: Out[] = [];
  private transfers: Transferable[] = [];
  private scheduled = false;
  private deferred: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    onBatch: (frames: Batch<In>) => void,
    /** A frame that cannot be cloned (a function inside a sent value, say) is handed back here. */
    private readonly onUnclonable: (frame: Out, error: unknown) => void,
  ) {
    port.onmessage = (event: MessageEvent<Batch<In>>) => onBatch(event.data);
  }

  post(frame: Out, transfer?: readonly Transferable[], when: "soon" | "later" = "soon"): void {
    if (this.closed) return;
    this.frames.push(frame);
    if (transfer) this.transfers.push(...transfer);
    if (this.scheduled) return;
    if (when === "later") {
      this.deferred ??= setTimeout(() => this.flush(), 0);
    } else {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    clearTimeout(this.deferred);
    this.deferred = undefined;
    if (this.frames.length === 0 || this.closed) return;
    const frames = this.frames;
    const transfers = this.transfers;
    this.frames = [];
    this.transfers = [];
    try {
      this.port.postMessage(frames, transfers);
    } catch {
      // One bad frame must not sink the batch: send the frames one by one and hand back the bad ones.
      for (const frame of frames) {
        try {
          this.port.postMessage(
            [frame],
            transfers.filter((t) => containsTransferable(frame, t)),
          );
        } catch (error) {
          this.onUnclonable(frame, error);
        }
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.deferred);
    this.frames = [];
    this.transfers = [];
    this.port.onmessage = null;
    this.port.close();
  }
}

function containsTransferable(frame: unknown, transferable: Transferable): boolean {
  if (frame === transferable) return true;
  if (typeof frame !== "object" || frame === null || ArrayBuffer.isView(frame) || frame instanceof ArrayBuffer) {
    return false;
  }
  return Object.values(frame).some((v) => containsTransferable(v, transferable));
}
