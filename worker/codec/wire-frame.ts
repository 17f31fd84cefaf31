/**
 * Writes and reads the channel messages of the wire extension (contract/wire-frames.ts,
 * protocol.md §5.2). Reading trusts nothing: every count and length is checked against the bytes
 * that are really there before anything is held, and any breach is a WireFrameError.
 */
import {
  PART_HEADER_BYTES,
  WIRE_KIND,
  WIRE_TAG,
  type SequencedFrame,
  type WireEntry,
  type WireFrame,
  type WireTag,
} from "../../contract/wire-frames.js";

export class WireFrameError extends Error {
  override readonly name = "WireFrameError";
}

/** Lengths and counts are unsigned LEB128 of at most 5 bytes (below 2^32). */
const MAX_VARUINT_BYTES = 5;

export function varuintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVaruint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/** Bytes one message takes inside a batch. */
export function entrySize(length: number): number {
  return 1 + varuintSize(length) + length;
}

/** Bytes of a batch of entries whose sizes (entrySize) add up to `entryBytes`. */
export function batchSize(count: number, entryBytes: number): number {
  return 1 + varuintSize(count) + entryBytes;
}

/** Writes a batch at `out[at]`; returns where it ends. */
export function writeBatch(out: Uint8Array, at: number, entries: readonly WireEntry[]): number {
  out[at++] = WIRE_KIND.batch;
  at = writeVaruint(out, at, entries.length);
  for (const { tag, bytes } of entries) {
    out[at++] = tag;
    at = writeVaruint(out, at, bytes.byteLength);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return at;
}

/** Header of one part, followed by its slice of the message. */
export interface PartHeader {
  readonly tag: WireTag;
  readonly messageId: number;
  readonly n: number;
  readonly total: number;
  readonly length: number;
}

/** Writes one part (header + `slice`) at `out[at]`; returns where it ends. */
export function writePart(out: Uint8Array, at: number, header: PartHeader, slice: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset + at, PART_HEADER_BYTES);
  view.setUint8(0, WIRE_KIND.part);
  view.setUint8(1, header.tag);
  view.setUint32(2, header.messageId);
  view.setUint32(6, header.n);
  view.setUint32(10, header.total);
  view.setUint32(14, header.length);
  out.set(slice, at + PART_HEADER_BYTES);
  return at + PART_HEADER_BYTES + slice.byteLength;
}

export const CLOSE_FRAME: Uint8Array = new Uint8Array([WIRE_KIND.close]);

export const PING_FRAME: Uint8Array = new Uint8Array([WIRE_KIND.ping]);

/** Writes the `seq` prefix of a frame whose first message is `seq` at `out[at]`; returns where it ends. */
export function writeSeq(out: Uint8Array, at: number, seq: number): number {
  out[at] = WIRE_KIND.seq;
  return writeVaruint(out, at + 1, seq);
}

/** Bytes the `seq` prefix for `seq` takes. */
export function seqSize(seq: number): number {
  return 1 + varuintSize(seq);
}

/** The acknowledgement: every message up to `delivered` arrived. */
export function ackFrame(delivered: number): Uint8Array {
  const out = new Uint8Array(1 + varuintSize(delivered));
  out[0] = WIRE_KIND.ack;
  writeVaruint(out, 1, delivered);
  return out;
}

function readTag(byte: number | undefined): WireTag {
  if (byte === WIRE_TAG.encoded || byte === WIRE_TAG.text || byte === WIRE_TAG.bytes) return byte;
  throw new WireFrameError(`unknown message tag ${String(byte)}`);
}

/** A cursor over one channel message. */
class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  get left(): number {
    return this.bytes.byteLength - this.at;
  }

  varuint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARUINT_BYTES; i++) {
      const byte = this.bytes[this.at++];
      if (byte === undefined) throw new WireFrameError(`truncated ${what}`);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new WireFrameError(`${what} longer than ${MAX_VARUINT_BYTES} bytes`);
  }
}

function readBatch(reader: Reader): WireFrame {
  const count = reader.varuint("message count");
  // Every entry takes at least 2 bytes (tag, length): a larger count is a lie, refused before any allocation.
  if (count === 0 || count * 2 > reader.left) {
    throw new WireFrameError(`a batch announces ${count} messages in ${reader.left} bytes`);
  }
  const entries: WireEntry[] = [];
  for (let i = 0; i < count; i++) {
    const tag = readTag(reader.bytes[reader.at++]);
    const length = reader.varuint("message length");
    if (length > reader.left) throw new WireFrameError(`a message announces ${length} bytes, ${reader.left} are left`);
    entries.push({ tag, bytes: reader.bytes.subarray(reader.at, reader.at + length) });
    reader.at += length;
  }
  if (reader.left !== 0) throw new WireFrameError(`${reader.left} bytes after the last message of a batch`);
  return { kind: "batch", entries };
}

function readPart(bytes: Uint8Array): WireFrame {
  if (bytes.byteLength <= PART_HEADER_BYTES) throw new WireFrameError(`a part of ${bytes.byteLength} bytes has no data`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PART_HEADER_BYTES);
  const tag = readTag(view.getUint8(1));
  const messageId = view.getUint32(2);
  const n = view.getUint32(6);
  const total = view.getUint32(10);
  const length = view.getUint32(14);
  if (total < 1 || n >= total) throw new WireFrameError(`part ${n} of ${total} is out of range`);
  if (length < total) throw new WireFrameError(`a message of ${length} bytes cannot come in ${total} parts`);
  return { kind: "part", tag, messageId, n, total, length, data: bytes.subarray(PART_HEADER_BYTES) };
}

/** A frame that a `seq` prefix may carry. */
function readSequenced(bytes: Uint8Array): SequencedFrame {
  const frame = readWireFrame(bytes);
  if (frame.kind === "batch" || frame.kind === "part" || frame.kind === "close") return frame;
  throw new WireFrameError(`a seq prefix before a ${frame.kind} frame`);
}

/** One channel message of the extension, read; throws WireFrameError when it is not well formed. */
export function readWireFrame(bytes: Uint8Array): WireFrame {
  const kind = bytes[0];
  switch (kind) {
    case WIRE_KIND.seq: {
      const reader = Object.assign(new Reader(bytes), { at: 1 });
      const seq = reader.varuint("sequence number");
      if (seq === 0) throw new WireFrameError("sequence number 0");
      return { kind: "seq", seq, frame: readSequenced(bytes.subarray(reader.at)) };
    }
    case WIRE_KIND.ack: {
      const reader = Object.assign(new Reader(bytes), { at: 1 });
      const delivered = reader.varuint("acknowledged sequence number");
      if (reader.left !== 0) throw new WireFrameError(`${reader.left} bytes after an acknowledgement`);
      return { kind: "ack", delivered };
    }
    case WIRE_KIND.ping:
      if (bytes.byteLength !== 1) throw new WireFrameError("a ping with a body");
      return { kind: "ping" };
    case WIRE_KIND.batch:
      return readBatch(Object.assign(new Reader(bytes), { at: 1 }));
    case WIRE_KIND.part:
      return readPart(bytes);
    case WIRE_KIND.close:
      if (bytes.byteLength !== 1) throw new WireFrameError("a close frame with a body");
      return { kind: "close" };
    case undefined:
      throw new WireFrameError("an empty channel message");
    default:
      // pong included: reserved, never sent.
      throw new WireFrameError(`frame kind 0x${kind.toString(16)} is not part of wire version 1`);
  }
}
