/**
 * The send side of the wire extension (protocol.md §5.2): whole messages packed into batches of at
 * most `bound` bytes, large ones cut into parts, each laid out once, straight into the buffer that
 * is transferred to the tab owning the channel.
 */
import { PART_HEADER_BYTES, SEQ_PREFIX_BYTES, type WireEntry, type WireTag } from "../../contract/wire-frames.js";
import { CHUNK_SIZE, type FrameBatch } from "./chunker.js";
import { batchSize, entrySize, seqSize, writeBatch, writePart, writeSeq } from "./wire-frame.js";

/** Largest channel message the extension writes: more buys nothing (the channel's rate is flat above 16 KiB) and delays the first delivery. */
export const MAX_FRAME_BYTES = 256 * 1024;

const MIN_FRAME_BYTES = 1024;

/** How big this connection's channel messages may be. */
export interface FrameBounds {
  /** Largest channel message: the path's max-message-size, at most MAX_FRAME_BYTES. */
  readonly bound: number;
  /** Data bytes per part: the bound less the part header (and the `seq` prefix). */
  readonly partData: number;
  /** Bytes reserved in every channel message for a `seq` prefix: 0 without `resume`. */
  readonly prefix: number;
}

/**
 * Bounds for a path whose smaller `a=max-message-size` is `pathMax` (worker/max-message-size.ts);
 * `sequenced`: every frame carries a `seq` prefix (`resume`), which parts leave room for.
 */
export function frameBounds(pathMax: number, sequenced = false): FrameBounds {
  // A path that takes less than 1 KiB could not carry peerjs's 16331-byte chunks either; parts must not shrink to nothing.
  const bound = Math.max(MIN_FRAME_BYTES, Math.min(pathMax, MAX_FRAME_BYTES));
  const prefix = sequenced ? SEQ_PREFIX_BYTES : 0;
  return { bound, partData: bound - PART_HEADER_BYTES - prefix, prefix };
}

/**
 * Whether a message of `length` bytes travels whole in a batch. Above peerjs's chunk size it goes
 * in parts (one, if it fits), so that it reports progress as on peerjs's wire (README, progress events).
 */
export function fitsWhole(length: number, bounds: FrameBounds): boolean {
  return length <= CHUNK_SIZE && bounds.prefix + batchSize(1, entrySize(length)) <= bounds.bound;
}

/**
 * Collects whole messages into channel messages, each at most `bound` bytes, and lays them out in
 * one buffer. Holds views only: the bytes are copied once, by `take()`. With sequence numbers
 * (`resume`), each channel message starts with the `seq` of its first message, and its messages
 * have consecutive numbers.
 */
export class BatchPacker {
  private readonly done: { entries: WireEntry[]; bytes: number; seq: number | undefined }[] = [];
  private open: WireEntry[] = [];
  private openBytes = 0;
  private openSeq: number | undefined;
  private totalBytes = 0;

  constructor(private readonly bound: number) {}

  /** Bytes laid out so far, the open batch included. */
  get bytes(): number {
    return this.totalBytes + (this.open.length > 0 ? this.sealedSize() : 0);
  }

  get empty(): boolean {
    return this.done.length === 0 && this.open.length === 0;
  }

  /** Adds a message that fits whole (fitsWhole); starts a new channel message when the open one is full. */
  add(tag: WireTag, bytes: Uint8Array, seq?: number): void {
    const size = entrySize(bytes.byteLength);
    if (this.open.length > 0) {
      const contiguous = seq === undefined || seq === (this.openSeq ?? 0) + this.open.length;
      const prefix = this.openSeq === undefined ? 0 : SEQ_PREFIX_BYTES;
      if (!contiguous || prefix + batchSize(this.open.length + 1, this.openBytes + size) > this.bound) this.seal();
    }
    if (this.open.length === 0) this.openSeq = seq;
    this.open.push({ tag, bytes });
    this.openBytes += size;
  }

  /** The channel messages laid end to end, and their sizes; the packer is empty again. */
  take(): FrameBatch {
    if (this.open.length > 0) this.seal();
    const out = new Uint8Array(this.totalBytes);
    const sizes: number[] = [];
    let at = 0;
    for (const batch of this.done) {
      if (batch.seq !== undefined) at = writeSeq(out, at, batch.seq);
      at = writeBatch(out, at, batch.entries);
      sizes.push(batch.bytes);
    }
    this.done.length = 0;
    this.totalBytes = 0;
    return { bytes: out.buffer, sizes };
  }

  private sealedSize(): number {
    return (this.openSeq === undefined ? 0 : seqSize(this.openSeq)) + batchSize(this.open.length, this.openBytes);
  }

  private seal(): void {
    const bytes = this.sealedSize();
    this.done.push({ entries: this.open, bytes, seq: this.openSeq });
    this.totalBytes += bytes;
    this.open = [];
    this.openBytes = 0;
    this.openSeq = undefined;
  }
}

/** The number of parts a message of `length` bytes takes. */
export function partCount(length: number, partData: number): number {
  return Math.max(1, Math.ceil(length / partData));
}

/**
 * Parts `first` to `first + count - 1` of `message` (header + raw slice each), in one buffer;
 * with `seq` (`resume`), each part starts with the message's sequence number.
 */
export function frameParts(
  message: Uint8Array,
  tag: WireTag,
  messageId: number,
  first: number,
  count: number,
  partData: number,
  seq?: number,
): FrameBatch {
  const length = message.byteLength;
  const total = partCount(length, partData);
  const last = Math.min(total, first + count);
  const start = first * partData;
  const end = Math.min(length, last * partData);
  const prefix = seq === undefined ? 0 : seqSize(seq);
  const out = new Uint8Array(end - start + (last - first) * (PART_HEADER_BYTES + prefix));
  const sizes: number[] = [];
  let at = 0;
  for (let n = first; n < last; n++) {
    const slice = message.subarray(n * partData, Math.min(length, (n + 1) * partData));
    if (seq !== undefined) at = writeSeq(out, at, seq);
    at = writePart(out, at, { tag, messageId, n, total, length }, slice);
    sizes.push(prefix + PART_HEADER_BYTES + slice.byteLength);
  }
  return { bytes: out.buffer, sizes };
}
