/** What every serialization provides to a connection (worker/codec/serialization.ts has the table). */
import type { Chunk } from "./reassembler.js";

/** One message or control frame, read. */
export type DecodedFrame =
  { readonly kind: "data"; readonly value: unknown } | { readonly kind: "chunk"; readonly chunk: Chunk } | { readonly kind: "close" };

/** One channel message, read: a frame, or for a stream serialization (MsgPack) the values it ends. */
export type Decoded = DecodedFrame | { readonly kind: "many"; readonly frames: readonly DecodedFrame[] };

/** A message ready for the channel: bytes (may need chunking) or, for `raw` strings, text. */
export type Encoded = Uint8Array | string;

export interface Codec {
  /** Async only when a Blob must be read first. */
  encode(value: unknown): Encoded | Promise<Encoded>;
  /** One channel message: text, or binary (a view into a batch of received messages, or a whole buffer). */
  decode(frame: Uint8Array | ArrayBuffer | string): Decoded;
  /** A message put back together from chunks. */
  decodeAssembled(bytes: Uint8Array): unknown;
  /** The in-band `{__peerData:{type:"close"}}` of `close({flush:true})`; undefined where peerjs has none. */
  readonly closeFrame: Uint8Array | undefined;
  /** Stream serializations: whether a value is partly received (it may stall). */
  unfinished?(): boolean;
  /** Stream serializations: drops a partly received value. */
  clear?(): void;
}

export class EncodeError extends Error {
  override readonly name = "EncodeError";
}
