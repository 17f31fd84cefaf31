/**
 * The sharedpeer wire extension (protocol.md §5): what two sharedpeer workers agree on in OFFER and
 * ANSWER, and the frames their data channel then carries instead of peerjs's per-message format.
 * Towards an official peer none of this is ever sent.
 */

/** Version of the frame union below; a later version may add kinds, never change one. */
export const WIRE_EXTENSION_VERSION = 1;

/**
 * What the extension can do. `frames`: version 1 (batches, parts, close). `resume`: sequence
 * numbers, acknowledgements and heartbeats, so that a connection outlives its host tab (README,
 * "Resuming"; protocol.md §5.3).
 */
export type WireFeature = "frames" | "resume";

/** The OFFER/ANSWER field `sharedpeerWire`; official peers ignore unknown payload fields (§2.4). */
export interface WireHello {
  readonly version: number;
  readonly features: readonly WireFeature[];
}

/** The first byte of every channel message of the extension. */
export const WIRE_KIND = {
  /** Whole messages back to back: count, then each entry's tag, length and bytes. */
  batch: 0x01,
  /** A slice of a message too large for one channel message: a fixed binary header, then the raw slice. */
  part: 0x02,
  /** The in-band close of `close({ flush: true })`, behind everything sent before it. */
  close: 0x03,
  /** `resume`: the sequence number of the first message of the batch, part or close that follows. */
  seq: 0x10,
  /** `resume`: every message up to this sequence number was delivered. */
  ack: 0x11,
  /** `resume`: a heartbeat, sent by a side that sent nothing else for a while. */
  ping: 0x12,
  /** Reserved: never sent (the heartbeat needs no answer: each side pings). */
  pong: 0x13,
} as const;

/** What one message in a frame is, so that each serialization keeps its meaning. */
export const WIRE_TAG = {
  /** The connection's serialization encoded it (BinaryPack, JSON text as UTF-8): decode with it. */
  encoded: 0,
  /** A string as it was (raw): UTF-8 on the wire, a string again on arrival. */
  text: 1,
  /** Bytes as they were (binary and raw top-level ArrayBuffers and views): an ArrayBuffer on arrival. */
  bytes: 2,
} as const;

export type WireTag = (typeof WIRE_TAG)[keyof typeof WIRE_TAG];

/** Bytes of a part's header: kind, tag, message id, index, count, message length (u32 big-endian). */
export const PART_HEADER_BYTES = 18;

/** One message inside a batch: a view into the received channel message. */
export interface WireEntry {
  readonly tag: WireTag;
  readonly bytes: Uint8Array;
}

/** Bytes a `seq` prefix takes at most: kind and a 5-byte varuint. */
export const SEQ_PREFIX_BYTES = 6;

/** What a `seq` frame may carry. */
export type SequencedFrame = Extract<WireFrame, { kind: "batch" | "part" | "close" }>;

/** What a sharedpeer sends in OFFER and ANSWER of a resumed connection (protocol.md §2.8). */
export interface WireResume {
  /** Every message of the other side up to this sequence number was delivered here. */
  readonly delivered: number;
}

/** One channel message of the extension, read. */
export type WireFrame =
  | { readonly kind: "batch"; readonly entries: readonly WireEntry[] }
  | {
      readonly kind: "part";
      readonly tag: WireTag;
      readonly messageId: number;
      readonly n: number;
      readonly total: number;
      /** The whole message's length, checked once it is complete. */
      readonly length: number;
      readonly data: Uint8Array;
    }
  | { readonly kind: "close" }
  | { readonly kind: "seq"; readonly seq: number; readonly frame: SequencedFrame }
  | { readonly kind: "ack"; readonly delivered: number }
  | { readonly kind: "ping" };
