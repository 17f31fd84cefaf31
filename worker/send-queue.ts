import { wireError, type WireError } from "../contract/errors.js";
import type { ConnRef } from "../contract/ids.js";
import { WIRE_TAG, type WireTag } from "../contract/wire-frames.js";
import { CHUNK_SIZE, chunkCount, frameChunks, framePieces, type FrameBatch } from "./codec/chunker.js";
import { BatchPacker, fitsWhole, frameParts, partCount, type FrameBounds } from "./codec/frame-packer.js";
import { CLOSE_FRAME, seqSize, writeSeq } from "./codec/wire-frame.js";
import { ReplayBuffer } from "./resume/replay-buffer.js";
import { MSGPACK_PIECE } from "./codec/msgpack.js";
import type { Encoded } from "./codec/serialization.js";
import type { Member } from "./member.js";
import type { TabRecord } from "./tab.js";
import { errorText } from "../contract/error-text.js";
import { utf8Size } from "../contract/utf8.js";
import { assertNever } from "../contract/assert-never.js";
import type { Clock, Timer } from "./platform.js";

/** Bytes allowed between the worker and the far end of the channel before sends wait. */
const HIGH_WATER = 8 * 1024 * 1024;
/**
 * While more is queued, the host reports when its channel drains to this, early enough to refill it
 * before it runs dry; once the queue is empty, it reports at 0, which ends the last progress.
 */
const LOW_WATER = 2 * 1024 * 1024;
/** Bytes per rtc-send frame, so that one transfer stays small. */
const BATCH_BYTES = 1024 * 1024;
/**
 * The framed move encodes for at most this long before it lets the worker's other tasks run (other
 * connections, heartbeats: a burst of 100,000 sends took seconds to encode in one task), then goes on.
 */
const SLICE_MS = 20;

const utf8 = new TextEncoder();

/** How an encoded message goes: in one channel message, cut, or not at all (the owner said why). */
export type Admission = "whole" | "chunked" | "split" | "refused";

/** Who sent a message, so that its progress and errors go back to that tab's DataConnection. */
export interface Sender {
  readonly member: Member;
  readonly sendId: number;
}

type Outgoing =
  /** Not encoded yet: values are encoded when they reach the head, so a long queue holds no copies. */
  | { readonly kind: "value"; readonly value: unknown; readonly from: Sender }
  | {
      readonly kind: "bytes";
      readonly bytes: Uint8Array;
      readonly from: Sender;
      /** chunked: peerjs's `__peerData` chunks; split: bare pieces of a stream (MsgPack). */
      readonly cut: "chunked" | "split" | undefined;
      /** What the bytes are, for the wire extension (encoded by the serialization, or bare). */
      readonly tag: WireTag;
      messageId: number;
      next: number;
      /** Its sequence number once it went out (`resume`); 0 before. */
      seq: number;
      /** Its last progress event (done) was reported: a re-send after a resume reports none again. */
      doneReported: boolean;
    }
  | { readonly kind: "text"; readonly text: string; readonly from: Sender }
  | { readonly kind: "close"; readonly frame: Uint8Array | undefined; seq: number }
  | { readonly kind: "pending"; readonly promise: Promise<Encoded>; readonly from: Sender };

/** What a sequenced connection keeps until the remote acknowledges it. */
type Sequenced = Extract<Outgoing, { kind: "bytes" | "close" }>;

/** A point in the send stream: once the channel has sent `end` bytes in all, `bytes` of a message are out. */
interface ProgressMark {
  readonly message: Extract<Outgoing, { kind: "bytes" }>;
  readonly from: Sender;
  readonly end: number;
  readonly bytes: number;
  readonly total: number;
}

export interface SendQueueOwner {
  readonly clock: Clock;
  /** The connection, as its tabs know it (progress events). */
  readonly ref: ConnRef;
  /** The channel's ref and the tab that hosts it, read at each send: both change when the connection resumes. */
  readonly link: { readonly leg: ConnRef; readonly host: TabRecord };
  /** The connection's serialization; throws when the value cannot be encoded. */
  encode(value: unknown): Encoded | Promise<Encoded>;
  /** Whether an encoded message of this size can go (else the owner reported why to `from`). */
  admit(encoded: Encoded, from: Sender): Admission;
  reportError(member: Member, error: WireError): void;
  /** A flush close reached the head of the queue, on a serialization with no in-band close. */
  closeNow(): void;
  /** Messages waiting (not yet handed to the host in full) may have changed. */
  queueChanged(): void;
  /** With the wire extension: the bytes of a value that travels as it is (a top-level ArrayBuffer or view), if it is one. */
  bare?(value: unknown): Uint8Array | undefined;
  /** What the remote has not acknowledged grew beyond the bound (`resume`). */
  overflow?(bytes: number): void;
}

/**
 * The outgoing side of a connection: messages in arrival order, encoded once, chunked as peerjs
 * does, batched into transfers to the host tab, and held back while the channel is full (at most
 * HIGH_WATER bytes in flight; the host reports drains through `bufferedamountlow`).
 */
export class SendQueue {
  private outbox: Outgoing[] = [];
  private readonly marks: ProgressMark[] = [];
  private nextMessageId = 1;
  private posted = 0;
  private unsent = 0;
  private waitingForEncode = false;
  private running = false;
  /** The wire extension's sizes, once both ends agreed on it (worker/wire-handshake.ts); else peerjs's wire. */
  private frames: FrameBounds | undefined;
  /** A move is due at the end of this turn: what is pushed until then shares channel messages. */
  private moveDue = false;
  /** With `resume`: what went out and the remote has not acknowledged yet, and the next number. */
  private replay: ReplayBuffer<{ readonly seq: number; readonly size: number; readonly item: Sequenced }> | undefined;
  private nextSeq = 1;
  /** Transfers to the host so far: what the heartbeat watches to know that we sent something. */
  private posts = 0;
  /** The framed move stopped at its time slice and goes on in a later task. */
  private sliced: Timer | undefined;

  constructor(private readonly owner: SendQueueOwner) {}

  /** Starts moving messages: the channel is open. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /**
   * Speaks the wire extension from now on: called before start(), when a channel opens. `replayMax`:
   * with `resume`, messages carry sequence numbers and are kept, up to that many bytes, until acknowledged.
   */
  useFrames(bounds: FrameBounds, replayMax?: number): void {
    this.frames = bounds;
    if (replayMax !== undefined) this.replay ??= new ReplayBuffer(replayMax);
  }

  /** The channel is gone (its host tab went away): nothing moves until `resend()` on the next one. */
  pause(): void {
    this.running = false;
    this.marks.length = 0;
    this.posted = 0;
    this.unsent = 0;
  }

  /**
   * A new channel of a resumed connection opened: what the remote has not delivered (it says
   * `delivered`) goes again first, whole (a message cut off between two parts starts over), then the rest.
   */
  resend(delivered: number): void {
    if (!this.replay) return;
    this.replay.acked(delivered);
    const head = this.outbox[0];
    // A message partly sent is kept already: it goes again from its first part.
    if (head && (head.kind === "bytes" || head.kind === "close") && head.seq !== 0) this.outbox.shift();
    const again: Outgoing[] = this.replay.pending().map(({ item }) => {
      if (item.kind === "bytes") item.messageId = item.next = 0;
      return item;
    });
    this.outbox = again.concat(this.outbox);
  }

  /** The remote delivered every message up to `delivered`. */
  acked(delivered: number): void {
    this.replay?.acked(delivered);
  }

  /** Changes whenever something went to the channel. */
  get activity(): number {
    return this.posts;
  }

  /** Bytes kept for the remote to acknowledge. */
  get unacknowledged(): number {
    return this.replay?.bytes ?? 0;
  }

  /** A frame of the extension's own (ack, ping): out at once, ahead of what waits, while the channel runs. */
  control(frame: Uint8Array): void {
    if (this.running) this.post({ bytes: frame.slice().buffer, sizes: [frame.byteLength] });
  }

  push(value: unknown, from: Sender): void {
    this.outbox.push({ kind: "value", value, from });
    this.pump();
  }

  /** The close travels behind everything queued: `frame` is the in-band close, if the serialization has one. */
  pushClose(frame: Uint8Array | undefined): void {
    this.outbox.push({ kind: "close", frame, seq: 0 });
    this.pump();
  }

  /** The host's report: `accepted` bytes handed to the channel in all, `buffered` still in it. */
  drained(accepted: number, buffered: number): void {
    this.unsent = this.posted - accepted + buffered;
    this.reportSent(accepted - buffered);
    this.pump();
  }

  clear(): void {
    this.owner.clock.clearTimeout(this.sliced);
    this.sliced = undefined;
    this.running = false;
    this.outbox.length = 0;
    this.marks.length = 0;
  }

  private toOutgoing(encoded: Encoded, from: Sender, tag: WireTag = WIRE_TAG.encoded): Outgoing | undefined {
    // The same admission on both wires: raw, say, stays within the channel's max-message-size.
    const fit = this.owner.admit(encoded, from);
    if (fit === "refused") return undefined;
    if (this.frames && typeof encoded !== "string") return this.framed(encoded, tag, from, this.frames);
    if (typeof encoded === "string") return { kind: "text", text: encoded, from };
    const cut = fit === "whole" ? undefined : fit;
    return { kind: "bytes", bytes: encoded, from, tag: WIRE_TAG.encoded, cut, messageId: 0, next: 0, seq: 0, doneReported: false };
  }

  private framed(bytes: Uint8Array, tag: WireTag, from: Sender, bounds: FrameBounds): Outgoing {
    const cut = fitsWhole(bytes.byteLength, bounds) ? undefined : "chunked";
    return { kind: "bytes", bytes, from, tag, cut, messageId: 0, next: 0, seq: 0, doneReported: false };
  }

  /** With `resume`: `item`'s sequence number, given (and the item kept) the first time it goes out. */
  private sequence(item: Sequenced): number | undefined {
    if (!this.replay) return undefined;
    if (item.seq === 0) {
      item.seq = this.nextSeq++;
      const size = item.kind === "bytes" ? item.bytes.byteLength : 1;
      if (!this.replay.keep({ seq: item.seq, size, item })) this.owner.overflow?.(this.replay.bytes);
    }
    return item.seq;
  }

  /** Messages not yet handed to the host in full: what peerjs's `bufferSize` counts. */
  get queued(): number {
    return this.outbox.length;
  }

  private pump(): void {
    if (!this.frames) {
      this.move();
      return this.owner.queueChanged();
    }
    // Not a timer: the tab's sends of one turn arrive as one batch, and the microtask after it packs them all.
    if (this.moveDue) return;
    this.moveDue = true;
    queueMicrotask(() => {
      this.moveDue = false;
      this.move();
      this.owner.queueChanged();
    });
  }

  private move(): void {
    if (!this.running || this.waitingForEncode) return;
    if (this.frames) return this.moveFramed(this.frames);
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flushBatch = () => {
      if (batch.length === 0) return;
      this.postBytes(batch, batchBytes);
      batch = [];
      batchBytes = 0;
    };
    while (this.running && this.outbox.length > 0 && this.unsent + batchBytes < HIGH_WATER) {
      const head = this.outbox[0] as Outgoing;
      if (head.kind === "value") {
        this.encodeHead(head.value, head.from);
        continue;
      }
      if (head.kind === "pending") {
        flushBatch();
        this.awaitEncode(head.promise, head.from);
        return;
      }
      if (head.kind === "bytes" && head.cut === undefined) {
        this.outbox.shift();
        batch.push(head.bytes);
        batchBytes += head.bytes.byteLength;
        if (batchBytes >= BATCH_BYTES) flushBatch();
        continue;
      }
      flushBatch();
      if (head.kind === "bytes") {
        this.postChunks(head);
      } else if (head.kind === "text") {
        this.outbox.shift();
        this.owner.link.host.post({ t: "rtc-send-text", ref: this.owner.link.leg, text: head.text, lowWater: this.lowWater() });
        // bufferedAmount counts UTF-8 bytes: so do `posted` and `unsent`.
        const bytes = utf8Size(head.text);
        this.posted += bytes;
        this.unsent += bytes;
      } else {
        this.outbox.shift();
        // raw has no in-band close (peerjs would send "[object Object]"): close behind the data.
        if (head.frame) this.postBytes([head.frame], head.frame.byteLength);
        else this.owner.closeNow();
      }
    }
    flushBatch();
  }

  /** The wire extension's move: whole messages packed into batches, large ones cut into parts. */
  private moveFramed(bounds: FrameBounds): void {
    if (this.sliced !== undefined) return;
    const packer = new BatchPacker(bounds.bound);
    const flush = () => {
      if (!packer.empty && this.running) this.post(packer.take());
    };
    const { clock } = this.owner;
    const until = clock.now() + SLICE_MS;
    let encoded = 0;
    while (this.running && this.outbox.length > 0 && this.unsent + packer.bytes < HIGH_WATER) {
      const head = this.outbox[0] as Outgoing;
      switch (head.kind) {
        case "value":
          if (++encoded % 256 === 0 && clock.now() > until) {
            flush();
            this.sliced = clock.setTimeout(() => {
              this.sliced = undefined;
              this.move();
              this.owner.queueChanged();
            }, 0);
            return;
          }
          this.encodeHead(head.value, head.from);
          continue;
        case "pending":
          flush();
          return this.awaitEncode(head.promise, head.from);
        case "text":
          this.outbox[0] = this.framed(utf8.encode(head.text), WIRE_TAG.text, head.from, bounds);
          continue;
        case "bytes":
          if (head.cut !== undefined) {
            flush();
            this.postParts(head, bounds);
            continue;
          }
          this.outbox.shift();
          packer.add(head.tag, head.bytes, this.sequence(head));
          if (packer.bytes >= BATCH_BYTES) flush();
          continue;
        case "close": {
          this.outbox.shift();
          flush();
          const frame = closeFrame(this.sequence(head));
          this.post({ bytes: frame.buffer as ArrayBuffer, sizes: [frame.byteLength] });
          continue;
        }
        default:
          return assertNever(head);
      }
    }
    flush();
  }

  private postParts(message: Extract<Outgoing, { kind: "bytes" }>, { partData }: FrameBounds): void {
    if (message.messageId === 0) message.messageId = this.nextMessageId++;
    const count = Math.max(1, Math.floor(BATCH_BYTES / partData));
    const frames = frameParts(message.bytes, message.tag, message.messageId, message.next, count, partData, this.sequence(message));
    this.postCut(message, frames, partCount(message.bytes.byteLength, partData), partData);
  }

  /** Replaces the head with its encoding, or drops it with an error to its sender. */
  private encodeHead(value: unknown, from: Sender): void {
    const bare = this.frames && this.owner.bare?.(value);
    if (bare) {
      const item = this.toOutgoing(bare, from, WIRE_TAG.bytes);
      if (item) this.outbox[0] = item;
      else this.outbox.shift();
      return;
    }
    let encoded: Encoded | Promise<Encoded>;
    try {
      encoded = this.owner.encode(value);
    } catch (cause) {
      this.outbox.shift();
      this.owner.reportError(from.member, wireError("socket-error", errorText(cause), cause));
      return;
    }
    const item = encoded instanceof Promise ? { kind: "pending" as const, promise: encoded, from } : this.toOutgoing(encoded, from);
    if (item) this.outbox[0] = item;
    else this.outbox.shift();
  }

  private postChunks(message: Extract<Outgoing, { kind: "bytes" }>): void {
    const split = message.cut === "split";
    const size = split ? MSGPACK_PIECE : CHUNK_SIZE;
    if (message.messageId === 0 && !split) message.messageId = this.nextMessageId++;
    const total = chunkCount(message.bytes.byteLength, size);
    const count = Math.ceil(BATCH_BYTES / size);
    const frames = split
      ? framePieces(message.bytes, message.next, count, size)
      : frameChunks(message.bytes, message.messageId, message.next, count);
    this.postCut(message, frames, total, size);
  }

  /** Posts some chunks or parts of `message`; a progress mark says how much of it they complete. */
  private postCut(message: Extract<Outgoing, { kind: "bytes" }>, frames: FrameBatch, total: number, size: number): void {
    message.next += frames.sizes.length;
    if (message.next >= total) this.outbox.shift();
    this.post(frames);
    if (message.doneReported) return;
    const length = message.bytes.byteLength;
    this.marks.push({ message, from: message.from, end: this.posted, bytes: Math.min(length, message.next * size), total: length });
  }

  private postBytes(messages: Uint8Array[], total: number): void {
    const out = new Uint8Array(total);
    let at = 0;
    for (const m of messages) {
      out.set(m, at);
      at += m.byteLength;
    }
    this.post({ bytes: out.buffer, sizes: messages.map((m) => m.byteLength) });
  }

  /** One transfer to the host: channel messages laid end to end. */
  private post({ bytes, sizes }: FrameBatch): void {
    this.owner.link.host.post({ t: "rtc-send", ref: this.owner.link.leg, bytes, sizes, lowWater: this.lowWater() }, [bytes]);
    this.posted += bytes.byteLength;
    this.unsent += bytes.byteLength;
    this.posts++;
  }

  private lowWater(): number {
    return this.outbox.length === 0 ? 0 : LOW_WATER;
  }

  /** `sentOut`: bytes the channel has sent in all; every mark it passed becomes a progress event. */
  private reportSent(sentOut: number): void {
    while (this.marks.length > 0 && (this.marks[0] as ProgressMark).end <= sentOut) {
      const mark = this.marks.shift() as ProgressMark;
      const { member, sendId } = mark.from;
      const progress = { direction: "send" as const, id: sendId, bytes: mark.bytes, total: mark.total, done: mark.bytes === mark.total };
      if (progress.done) mark.message.doneReported = true;
      member.post({ t: "conn-progress", member: member.id, ref: this.owner.ref, progress });
    }
  }

  /** A Blob inside: later messages wait, so that order holds (peerjs lets them overtake). */
  private awaitEncode(promise: Promise<Encoded>, from: Sender): void {
    this.waitingForEncode = true;
    promise.then(
      (encoded) => {
        this.waitingForEncode = false;
        if (!this.running) return;
        const item = this.toOutgoing(encoded, from);
        if (item) this.outbox[0] = item;
        else this.outbox.shift();
        this.pump();
      },
      (cause: unknown) => {
        this.waitingForEncode = false;
        this.outbox.shift();
        const reason = errorText(cause);
        this.owner.reportError(from.member, wireError("socket-error", `Could not encode a message: ${reason}`, cause));
        this.pump();
      },
    );
  }
}

/** The in-band close; with `seq` (`resume`), numbered like a message, so that a resumed channel sends it again. */
function closeFrame(seq: number | undefined): Uint8Array {
  if (seq === undefined) return CLOSE_FRAME.slice();
  const out = new Uint8Array(seqSize(seq) + CLOSE_FRAME.byteLength);
  out.set(CLOSE_FRAME, writeSeq(out, 0, seq));
  return out;
}
