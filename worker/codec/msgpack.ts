/**
 * The `MsgPack` serialization of peerjs 1.5 (its `MsgPack` StreamConnection): every message is one
 * MessagePack value encoded by @msgpack/msgpack's `Encoder` with its defaults, written to a reliable
 * channel in pieces of 32 KiB; the receiver decodes the channel as one stream of values, and the
 * value `{__peerData: {type: "close"}}` closes the connection.
 * https://github.com/peers/peerjs/blob/v1.5.5/lib/dataconnection/StreamConnection/MsgPack.ts
 */
import { Decoder, Encoder } from "@msgpack/msgpack";
import { DecodeError } from "./binarypack-decoder.js";
import { MsgPackFramer } from "./msgpack-framer.js";
import { EncodeError, type Codec, type DecodedFrame, type Encoded } from "./codec.js";

/** peerjs 1.5.5 StreamConnection `_CHUNK_SIZE`: each encoded value is cut into pieces this big. */
export const MSGPACK_PIECE = 32 * 1024;

/** @msgpack/msgpack's Encoder refuses deeper values; the walk below stops at the same depth. */
const MAX_ENCODE_DEPTH = 100;
/** As the BinaryPack decoder: deeper nesting from a remote is refused. */
const MAX_DECODE_DEPTH = 512;

export interface MsgPackLimits {
  /** Largest value accepted from the remote, in encoded bytes. */
  readonly maxMessageBytes: number;
}

const encoder = new Encoder();
const CLOSE_MESSAGE = { __peerData: { type: "close" } };

/**
 * A MsgPack codec for one connection: decoding is stateful (values span channel messages).
 *
 * @example
 * const codec = msgPackCodec({ maxMessageBytes: 1 << 20 });
 * const frames = codec.decode(new Uint8Array([0x93, 1, 2, 3])); // one value: [1, 2, 3]
 */
export function msgPackCodec(limits: MsgPackLimits): Codec {
  const { maxMessageBytes } = limits;
  const framer = new MsgPackFramer({ maxValueBytes: maxMessageBytes, maxDepth: MAX_DECODE_DEPTH });
  const decoder = new Decoder({
    maxStrLength: maxMessageBytes,
    maxBinLength: maxMessageBytes,
    maxArrayLength: maxMessageBytes,
    maxMapLength: maxMessageBytes,
    maxExtLength: maxMessageBytes,
  });
  const read = (bytes: Uint8Array): DecodedFrame => {
    let value: unknown;
    try {
      value = decoder.decode(bytes);
    } catch (cause) {
      throw new DecodeError(`a MsgPack value does not decode: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    return isClose(value) ? { kind: "close" } : { kind: "data", value };
  };
  return {
    encode: encodeMsgPack,
    decode(frame) {
      if (typeof frame === "string") throw new DecodeError("a text frame on a MsgPack connection");
      let values: Uint8Array[];
      try {
        values = framer.feed(frame instanceof Uint8Array ? frame : new Uint8Array(frame));
      } catch (cause) {
        throw new DecodeError(cause instanceof Error ? cause.message : String(cause));
      }
      return { kind: "many", frames: values.map(read) };
    },
    decodeAssembled: (bytes) => decoder.decode(bytes),
    closeFrame: encoder.encode(CLOSE_MESSAGE),
    unfinished: () => framer.pending > 0,
    clear: () => framer.clear(),
  };
}

function isClose(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const control = (value as { __peerData?: unknown }).__peerData;
  return typeof control === "object" && control !== null && (control as { type?: unknown }).type === "close";
}

/**
 * Bytes exactly as peerjs's Encoder writes them, with three differences where peerjs loses data
 * silently: an ArrayBuffer travels as bin (peerjs: an empty map), a Blob is read and travels as bin
 * (peerjs: an empty map), and a Map, Set or other non-plain object is refused (peerjs: an empty map).
 */
export function encodeMsgPack(value: unknown): Encoded | Promise<Encoded> {
  const blobs: Array<Promise<void>> = [];
  const ready = prepare(value, 0, blobs, (bytes) => (value = bytes));
  if (blobs.length === 0) return encodeValue(ready);
  return Promise.all(blobs).then(() => encodeValue(value));
}

function encodeValue(value: unknown): Uint8Array {
  try {
    return encoder.encode(value);
  } catch (cause) {
    throw new EncodeError(`MsgPack serialization cannot encode this value: ${String(cause)}`);
  }
}

/**
 * Walks the value (the worker's own structured clone, so it may be changed in place) and returns it
 * with ArrayBuffers as Uint8Array views; each Blob is read, then put in its place by `put`.
 */
function prepare(value: unknown, depth: number, blobs: Array<Promise<void>>, put: (bytes: Uint8Array) => void): unknown {
  if (typeof value !== "object" || value === null) {
    if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function") {
      throw new EncodeError(`MsgPack serialization cannot encode a ${typeof value}`);
    }
    return value;
  }
  if (depth > MAX_ENCODE_DEPTH) throw new EncodeError(`MsgPack serialization cannot encode values nested deeper than ${MAX_ENCODE_DEPTH}`);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (value instanceof Blob) {
    blobs.push(value.arrayBuffer().then((buffer) => put(new Uint8Array(buffer))));
    return value;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => (value[i] = prepare(item, depth + 1, blobs, (bytes) => (value[i] = bytes))));
    return value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const kind = Object.prototype.toString.call(value).slice(8, -1);
    throw new EncodeError(`MsgPack serialization cannot encode a ${kind}: MessagePack has maps, arrays, bin and timestamps only`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    record[key] = prepare(record[key], depth + 1, blobs, (bytes) => (record[key] = bytes));
  }
  return record;
}
