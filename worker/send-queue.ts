import { wireError, type WireError } from "../contract/errors.js";
import type { ConnRef } from "../contract/ids.js";
import { WIRE_TAG, type WireTag } from "../contract/wire-frames.js";
import { CHUNK_SIZE, chunkCount, frameChunks, framePieces, type FrameBatch } from "./codec/chunker.js";
import { BatchPacker, fitsWhole, frameParts, partCount, type FrameBounds } from "./codec/frame-packer.js";
import { CLOSE_FRAME } from "./codec/wire-frame.js";
import { MSGPACK_PIECE } from "./codec/msgpack.js";
import type { Encoded } from "./codec/serialization.js";
import type { Member } from "./member.js";
import type { TabRecord } from "./tab.js";
import { errorText } from "../contract/error-text.js";
import { utf8Size } from "../contract/utf8.js";
import { assertNever } from "../contract/assert-never.js";

/** Bytes allowed between the worker and the far end of the channel before sends wait. */
const HIGH_WATER = 8 * 1024 * 1024;
/**
 * While more is queued, the host reports when its channel drains to this, early enough to refill it
 * before it runs dry; once the queue is empty, it reports at 0, which ends the last progress.
 */
const LOW_WATER = 2 * 1024 * 1024;
/** Bytes per rtc-send frame, so that one transfer stays small. */
const BATCH_BYTES = 1024 * 1024;

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
    }
  | { readonly kind: "text"; readonly text: string; readonly from: Sender }
  | { readonly kind: "close"; readonly frame: Uint8Array | undefined }
  | { readonly kind: "pending"; readonly promise: Promise<Encoded>; readonly from: Sender };

/** A point in the send stream: once the channel has sent `end` bytes in all, `bytes` of a message are out. */
interface ProgressMark {
  readonly from: Sender;
  readonly end: number;
  readonly bytes: number;
  readonly total: number;
}

export interface SendQueueOwner {
  readonly ref: ConnRef;
  readonly host: TabRecord;
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
}

/**
 * The outgoing side of a connection: messages in arrival order, encoded once, chunked as peerjs
 * does, batched into transfers to the host tab, and held back while the channel is full (at most
 * HIGH_WATER bytes in flight; the host reports drains through `bufferedamountlow`).
 */
export class SendQueue {
  private readonly outbox: Outgoing[] = [];
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

  constructor(private readonly owner: SendQueueOwner) {}

  /** Starts moving messages: the channel is open. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** Speaks the wire extension from now on: called before start(), when the channel opens. */
  useFrames(bounds: FrameBounds): void {
    this.frames = bounds;
  }

  push(value: unknown, from: Sender): void {
    this.outbox.push({ kind: "value", value, from });
    this.pump();
  }

  /** The close travels behind everything queued: `frame` is the in-band close, if the serialization has one. */
  pushClose(frame: Uint8Array | undefined): void {
    this.outbox.push({ kind: "close", frame });
    this.pump();
  }

  /** The host's report: `accepted` bytes handed to the channel in all, `buffered` still in it. */
  drained(accepted: number, buffered: number): void {
    this.unsent = this.posted - accepted + buffered;
    this.reportSent(accepted - buffered);
    this.pump();
  }

  clear(): void {
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
    return { kind: "bytes", bytes: encoded, from, tag: WIRE_TAG.encoded, cut: fit === "whole" ? undefined : fit, messageId: 0, next: 0 };
  }

  private framed(bytes: Uint8Array, tag: WireTag, from: Sender, bounds: FrameBounds): Outgoing {
    const cut = fitsWhole(bytes.byteLength, bounds) ? undefined : "chunked";
    return { kind: "bytes", bytes, from, tag, cut, messageId: 0, next: 0 };
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
        this.owner.host.post({ t: "rtc-send-text", ref: this.owner.ref, text: head.text, lowWater: this.lowWater() });
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
    const packer = new BatchPacker(bounds.bound);
    const flush = () => {
      if (!packer.empty) this.post(packer.take());
    };
    while (this.running && this.outbox.length > 0 && this.unsent + packer.bytes < HIGH_WATER) {
      const head = this.outbox[0] as Outgoing;
      switch (head.kind) {
        case "value":
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
          packer.add(head.tag, head.bytes);
          if (packer.bytes >= BATCH_BYTES) flush();
          continue;
        case "close":
          this.outbox.shift();
          flush();
          this.post({ bytes: CLOSE_FRAME.slice().buffer, sizes: [CLOSE_FRAME.byteLength] });
          continue;
        default:
          return assertNever(head);
      }
    }
    flush();
  }

  private postParts(message: Extract<Outgoing, { kind: "bytes" }>, { partData }: FrameBounds): void {
    if (message.messageId === 0) message.messageId = this.nextMessageId++;
    const count = Math.max(1, Math.floor(BATCH_BYTES / partData));
    const frames = frameParts(message.bytes, message.tag, message.messageId, message.next, count, partData);
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
    const length = message.bytes.byteLength;
    this.marks.push({ from: message.from, end: this.posted, bytes: Math.min(length, message.next * size), total: length });
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
    this.owner.host.post({ t: "rtc-send", ref: this.owner.ref, bytes, sizes, lowWater: this.lowWater() }, [bytes]);
    this.posted += bytes.byteLength;
    this.unsent += bytes.byteLength;
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
