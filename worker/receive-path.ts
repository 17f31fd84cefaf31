import type { TransferProgress } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import { errorText } from "../contract/error-text.js";
import { CHUNK_SIZE } from "./codec/chunker.js";
import { Reassembler, type ReassemblyLimits } from "./codec/reassembler.js";
import type { Codec, Decoded, DecodedFrame } from "./codec/serialization.js";
import type { Clock, Timer } from "./platform.js";
import { WIRE_TAG, type SequencedFrame, type WireFrame, type WireTag } from "../contract/wire-frames.js";
import { readWireFrame } from "./codec/wire-frame.js";
import { DeliveryLog } from "./resume/delivery-log.js";

/** With the wire extension, receive progress is reported every this many bytes of a message. */
const RECEIVE_PROGRESS_BYTES = 1024 * 1024;

const utf8 = new TextDecoder("utf-8");

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
  /** `resume`: the remote acknowledged our messages up to `delivered`. */
  acked?(delivered: number): void;
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
  /** With the wire extension: the tags this connection's serialization can carry; else peerjs's wire. */
  private frames: ReadonlySet<WireTag> | undefined;
  /** With `resume`: which of the remote's numbered messages were delivered. */
  private log: DeliveryLog | undefined;
  /** Batches, parts and closes read so far (the heartbeat tells the remote's data from its pings). */
  contentFrames = 0;

  constructor(
    private readonly codec: Codec,
    private readonly limits: ReassemblyLimits,
    private readonly remoteId: string,
    private readonly clock: Clock,
    private readonly sink: ReceiveSink,
  ) {
    this.reassembler = new Reassembler(limits);
  }

  /** Reads the wire extension from now on: called when the channel opens, before any message; `sequenced`: with `resume`. */
  useFrames(tags: ReadonlySet<WireTag>, sequenced = false): void {
    this.frames = tags;
    if (sequenced) this.log ??= new DeliveryLog();
  }

  /** `resume`: every message of the remote up to this number was delivered (what we acknowledge). */
  get delivered(): number {
    return this.log?.delivered ?? 0;
  }

  /** A new channel replaces the old one: parts of a message cut off are dropped, the remote sends it again whole. */
  restart(): void {
    this.reassembler.clear();
  }

  /** One channel message: text, or binary (a view into a batch of received messages). */
  received(data: Uint8Array | string): void {
    if (this.stopped) return;
    this.lastReceivedAt = this.clock.now();
    if (this.frames) return this.receivedFrame(data, this.frames);
    const frame = this.decoded(data);
    if (!frame) return;
    if (frame.kind !== "many") return this.take(frame);
    for (const one of frame.frames) this.take(one);
    if (this.codec.unfinished?.()) this.watchChunks();
  }

  private undecodable(cause: unknown): void {
    this.sink.broken(`Undecodable data from ${this.remoteId}: ${errorText(cause)}`, cause);
  }

  /** `data` decoded by the connection's serialization; undefined: it was not, and the connection is broken. */
  private decoded(data: Uint8Array | string): Decoded | undefined {
    try {
      return this.codec.decode(data);
    } catch (cause) {
      this.undecodable(cause);
      return undefined;
    }
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
      return this.undecodable(cause);
    }
    this.sink.deliver(value);
  }

  /** One channel message of the extension: a batch, a part or the close. */
  private receivedFrame(data: Uint8Array | string, tags: ReadonlySet<WireTag>): void {
    let frame: WireFrame;
    try {
      if (typeof data === "string") throw new Error("a text channel message on a connection that speaks the wire extension");
      frame = readWireFrame(data);
      const tag = frame.kind === "batch" ? frame.entries.find((e) => !tags.has(e.tag))?.tag : frame.kind === "part" ? frame.tag : undefined;
      if (tag !== undefined && !tags.has(tag)) throw new Error(`message tag ${tag} on a connection whose serialization cannot carry it`);
    } catch (cause) {
      return this.sink.broken(`Unreadable frame from ${this.remoteId}: ${errorText(cause)}`, cause);
    }
    // With `resume` every batch, part and close comes numbered (inside `seq`); without, none does.
    const numbered = frame.kind === "seq" || frame.kind === "ack" || frame.kind === "ping";
    if (numbered !== (this.log !== undefined)) {
      const why = this.log
        ? "an unnumbered frame on a connection that resumes"
        : `a ${frame.kind} frame on a connection that does not resume`;
      return this.sink.broken(`Unreadable frame from ${this.remoteId}: ${why}`);
    }
    switch (frame.kind) {
      case "close":
      case "batch":
      case "part":
        return this.content(frame, undefined);
      case "seq":
        return this.content(frame.frame, frame.seq);
      case "ack":
        return this.sink.acked?.(frame.delivered);
      case "ping":
        return; // that it arrived is all it says (the connection's heartbeat counts every message)
      default:
        return assertNever(frame);
    }
  }

  /** A batch, part or close; `seq` (`resume`): the number of its first message, which skips what was delivered already. */
  private content(frame: SequencedFrame, seq: number | undefined): void {
    this.contentFrames++;
    const log = seq === undefined ? undefined : this.log;
    const fresh = (n: number) => !log || log.fresh(n);
    switch (frame.kind) {
      case "close":
        if (seq !== undefined && !fresh(seq)) return;
        if (seq !== undefined) log?.record(seq);
        return this.sink.closed();
      case "batch":
        frame.entries.forEach(({ tag, bytes }, i) => {
          if (this.stopped) return;
          const n = (seq ?? 0) + i;
          if (!fresh(n)) return;
          this.entry(tag, bytes);
          if (seq !== undefined) log?.record(n);
        });
        return;
      case "part":
        if (seq !== undefined && !fresh(seq)) return;
        if (this.part(frame) && seq !== undefined) log?.record(seq);
        return;
      default:
        return assertNever(frame);
    }
  }

  /** One whole message of a batch; `bytes` is a view into the received channel message. */
  private entry(tag: WireTag, bytes: Uint8Array): void {
    if (tag === WIRE_TAG.text) return this.sink.deliver(utf8.decode(bytes));
    if (tag === WIRE_TAG.bytes) return this.sink.deliver(bytes.slice().buffer);
    const decoded = this.decoded(bytes);
    if (!decoded) return;
    if (decoded.kind !== "many") return this.take(decoded);
    for (const one of decoded.frames) this.take(one);
  }

  /** One part; true when it completed its message, which was delivered. */
  private part(part: Extract<WireFrame, { kind: "part" }>): boolean {
    const { messageId, n, total, length, data, tag } = part;
    let value: unknown;
    try {
      if (length > this.limits.maxMessageBytes)
        throw new Error(`message ${messageId} announces ${length} bytes, beyond the limit of ${this.limits.maxMessageBytes}`);
      const whole = this.reassembler.add({ messageId, n, total, data }, this.clock.now());
      if (!whole) {
        this.watchChunks();
        const so = this.reassembler.progressOf(messageId);
        if (so && Math.floor(so.bytes / RECEIVE_PROGRESS_BYTES) > Math.floor((so.bytes - data.byteLength) / RECEIVE_PROGRESS_BYTES)) {
          this.report(messageId, so.bytes, length, false);
        }
        return false;
      }
      if (whole.byteLength !== length) throw new Error(`message ${messageId} announced ${length} bytes and brought ${whole.byteLength}`);
      this.report(messageId, length, length, true);
      // The reassembled buffer is the message's own: a bare ArrayBuffer goes out without another copy.
      value = tag === WIRE_TAG.bytes ? whole.buffer : tag === WIRE_TAG.text ? utf8.decode(whole) : this.codec.decodeAssembled(whole);
    } catch (cause) {
      this.undecodable(cause);
      return false;
    }
    this.sink.deliver(value);
    return true;
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
