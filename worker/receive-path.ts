import type { TransferProgress } from "../contract/tab-frames.js";
import { errorText } from "../contract/error-text.js";
import { CHUNK_SIZE } from "./codec/chunker.js";
import { Reassembler, type ReassemblyLimits } from "./codec/reassembler.js";
import type { Codec, Decoded, DecodedFrame } from "./codec/serialization.js";
import type { Clock, Timer } from "./platform.js";

/** Receive progress is reported every this many chunks (about 1 MiB). */
const RECEIVE_PROGRESS_EVERY = 64;

/** Where the receive path hands what it read. */
export interface ReceiveSink {
  deliver(value: unknown): void;
  progress(progress: TransferProgress): void;
  /** The remote's in-band close (`close({ flush: true })` at the far end). */
  closed(): void;
  /** The remote sent what cannot be read, or a message stopped arriving: the connection cannot go on. */
  broken(message: string, cause?: unknown): void;
}

/**
 * The incoming side of a data connection: each channel message decoded with the connection's
 * codec, chunks put back together within the limits, stalled messages dropped on a timer.
 */
export class ReceivePath {
  private readonly reassembler: Reassembler;
  /** Runs while chunked messages are unfinished, to drop those whose chunks stopped coming. */
  private chunkTimer: Timer | undefined;
  private stopped = false;
  /** When the last channel message arrived: a stream value that gets nothing for the chunk timeout is stalled. */
  private lastReceivedAt = 0;

  constructor(
    private readonly codec: Codec,
    private readonly limits: ReassemblyLimits,
    private readonly remoteId: string,
    private readonly clock: Clock,
    private readonly sink: ReceiveSink,
  ) {
    this.reassembler = new Reassembler(limits);
  }

  /** One channel message: text, or binary (a view into a batch of received messages). */
  received(data: Uint8Array | string): void {
    if (this.stopped) return;
    this.lastReceivedAt = this.clock.now();
    let frame: Decoded;
    try {
      frame = this.codec.decode(data);
    } catch (cause) {
      return this.sink.broken(`Undecodable data from ${this.remoteId}: ${errorText(cause)}`, cause);
    }
    if (frame.kind !== "many") return this.take(frame);
    for (const one of frame.frames) this.take(one);
    if (this.codec.unfinished?.()) this.watchChunks();
  }

  /** One decoded frame: data is delivered, a chunk reassembled, a close closes. */
  private take(frame: DecodedFrame): void {
    if (this.stopped) return;
    let value: unknown;
    try {
      if (frame.kind === "close") return this.sink.closed();
      if (frame.kind === "data") value = frame.value;
      else {
        const whole = this.reassembler.add(frame.chunk, this.clock.now());
        const { messageId, total } = frame.chunk;
        if (!whole) return this.unfinished(messageId, total);
        this.report(messageId, whole.byteLength, whole.byteLength, true);
        value = this.codec.decodeAssembled(whole);
      }
    } catch (cause) {
      return this.sink.broken(`Undecodable data from ${this.remoteId}: ${errorText(cause)}`, cause);
    }
    this.sink.deliver(value);
  }

  stop(): void {
    this.stopped = true;
    this.reassembler.clear();
    this.codec.clear?.();
    this.clock.clearTimeout(this.chunkTimer);
  }

  private unfinished(messageId: number, total: number): void {
    this.watchChunks();
    const so = this.reassembler.progressOf(messageId);
    if (so && so.chunks % RECEIVE_PROGRESS_EVERY === 0) this.report(messageId, so.bytes, total * CHUNK_SIZE, false);
  }

  private watchChunks(): void {
    if (this.chunkTimer !== undefined) return;
    this.chunkTimer = this.clock.setTimeout(() => {
      this.chunkTimer = undefined;
      const now = this.clock.now();
      const expired = this.reassembler.expire(now);
      // A stream codec (MsgPack) holding part of a value: stalled once nothing arrived for the timeout.
      const stalled = this.codec.unfinished?.() === true;
      if (stalled && now - this.lastReceivedAt >= this.limits.idleTimeout) {
        this.sink.broken(`A value from ${this.remoteId} stopped arriving: no data for ${this.limits.idleTimeout} ms.`);
      } else if (expired.length > 0) {
        this.sink.broken(
          `Message ${expired.join(", ")} from ${this.remoteId} stopped arriving: no chunk for ${this.limits.idleTimeout} ms.`,
        );
      } else if (this.reassembler.size > 0 || stalled) {
        this.watchChunks();
      }
    }, this.limits.idleTimeout / 2);
  }

  private report(id: number, bytes: number, total: number, done: boolean): void {
    this.sink.progress({ direction: "receive", id, bytes, total: Math.max(bytes, total), done });
  }
}
