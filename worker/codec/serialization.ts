import { pack, type Packable } from "peerjs-js-binarypack";
import { DEFAULT_RECEIVE_LIMITS, type WireSerialization } from "../../contract/options.js";
import { decodeBinaryPack, DecodeError } from "./binarypack-decoder.js";
import { encodeBinaryPack, NeedsAsync } from "./binarypack-encoder.js";
import { msgPackCodec, type MsgPackLimits } from "./msgpack.js";
import { EncodeError, type Codec, type DecodedFrame } from "./codec.js";

export { EncodeError, type Codec, type Decoded, type DecodedFrame, type Encoded } from "./codec.js";

const CLOSE_MESSAGE = { __peerData: { type: "close" } };
const utf8 = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

function toBytes(buffer: ArrayBuffer | SharedArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}

/** BinaryPack has no tag for a bare `undefined` at the top; 0xc1 reads as undefined everywhere. */
const UNDEFINED = new Uint8Array([0xc1]);

const binary: Codec = {
  encode(value) {
    if (value === undefined) return UNDEFINED;
    try {
      return encodeBinaryPack(value);
    } catch (cause) {
      // Only a Blob inside needs the library's asynchronous pack; the bytes are the same.
      if (!(cause instanceof NeedsAsync)) {
        throw new EncodeError(`binary serialization cannot encode this value: ${String(cause)}`);
      }
    }
    let packed: ReturnType<typeof pack>;
    try {
      packed = pack(value as Packable);
    } catch (cause) {
      throw new EncodeError(`binary serialization cannot encode this value: ${String(cause)}`);
    }
    return packed instanceof Promise ? packed.then(toBytes) : toBytes(packed);
  },
  decode(frame) {
    if (typeof frame === "string") throw new DecodeError("a text frame on a binary connection");
    const bytes = asBytes(frame);
    if (!looksLikeChunk(bytes)) return classify(decodeBinaryPack(bytes));
    const read = classify(decodeBinaryPack(bytes, { binaryViews: true }));
    // A user map that merely starts like a chunk gets ArrayBuffer copies, as every other message.
    return read.kind === "data" ? classify(decodeBinaryPack(bytes)) : read;
  },
  decodeAssembled: (bytes) => decodeBinaryPack(bytes),
  closeFrame: toBytes(pack(CLOSE_MESSAGE) as ArrayBuffer),
};

const json: Codec = {
  encode(value) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw new EncodeError(`json serialization cannot encode this value: ${String(cause)}`);
    }
    // JSON has no undefined; it travels as null, which sharedpeer delivers (1.5.5 drops both).
    return utf8Encoder.encode(text ?? "null");
  },
  decode(frame) {
    if (typeof frame !== "string") {
      const bytes = asBytes(frame);
      // A JSON text never starts with a byte ≥ 0x80: such a frame is a chunk of a large message.
      if (looksLikeChunk(bytes)) return classify(decodeBinaryPack(bytes, { binaryViews: true }));
      frame = utf8.decode(bytes);
    }
    // peerjs 1.5.5 sends `undefined` as an empty frame (JSON.stringify gives undefined, which
    // TextEncoder encodes as ""): deliver it as undefined, not as an undecodable message.
    if (frame === "") return { kind: "data", value: undefined };
    return classify(parseJson(frame));
  },
  decodeAssembled: (bytes) => parseJson(utf8.decode(bytes)),
  closeFrame: utf8Encoder.encode(JSON.stringify(CLOSE_MESSAGE)),
};

const raw: Codec = {
  encode(value) {
    if (typeof value === "string") return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof Blob) return value.arrayBuffer().then((b) => new Uint8Array(b));
    throw new EncodeError("raw serialization sends strings, ArrayBuffers, typed arrays and Blobs only");
  },
  // Binary arrives as a view into a batch: the app gets an ArrayBuffer of its own.
  decode: (frame) => ({ kind: "data", value: typeof frame === "string" || frame instanceof ArrayBuffer ? frame : frame.slice().buffer }),
  decodeAssembled: (bytes) => bytes.slice().buffer,
  closeFrame: undefined,
};

const CODECS: Record<Exclude<WireSerialization, "MsgPack">, Codec> = { binary, json, raw };

/** The codec of one connection: shared by all for message serializations, its own for MsgPack (a stream). */
export function codecFor(serialization: WireSerialization, limits: MsgPackLimits = DEFAULT_RECEIVE_LIMITS): Codec {
  return serialization === "MsgPack" ? msgPackCodec(limits) : CODECS[serialization];
}

function asBytes(frame: Uint8Array | ArrayBuffer): Uint8Array {
  return frame instanceof Uint8Array ? frame : new Uint8Array(frame);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DecodeError(`a json frame is not JSON: ${String(cause)}`);
  }
}

/** `84 ba "__peerData"`: a 4-key map whose first key is __peerData, the shape of every chunk. */
const CHUNK_PREFIX = new Uint8Array([0x84, 0xba, ...utf8Encoder.encode("__peerData")]);
function looksLikeChunk(bytes: Uint8Array): boolean {
  // All 12 bytes: a user map whose first key is, say, "__metadata" is not a chunk.
  return CHUNK_PREFIX.every((byte, i) => bytes[i] === byte);
}

function classify(value: unknown): DecodedFrame {
  if (typeof value !== "object" || value === null || !("__peerData" in value)) return { kind: "data", value };
  const control = (value as { __peerData: unknown }).__peerData;
  if (!control) return { kind: "data", value };
  if (typeof control === "object" && (control as { type?: unknown }).type === "close") return { kind: "close" };
  const { n, total, data } = value as { n?: unknown; total?: unknown; data?: unknown };
  if (!isIndex(control) || !isIndex(n) || !isIndex(total) || !(data instanceof Uint8Array)) {
    throw new DecodeError("a __peerData frame that is neither a close nor a well-formed chunk");
  }
  return { kind: "chunk", chunk: { messageId: control, n, total, data } };
}

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
