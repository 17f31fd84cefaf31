/**
 * peerjs's chunking (protocol.md §3.2): a packed message above 16300 bytes travels as pieces, each
 * a BinaryPack map `{__peerData: messageId, n, data, total}` with keys in that order.
 */

/** peerjs 1.5.5 `util.chunkedMTU`. */
export const CHUNK_SIZE = 16300;

export interface FrameBatch {
  /** Channel messages laid end to end. */
  readonly bytes: ArrayBuffer;
  /** Length of each message in `bytes`. */
  readonly sizes: number[];
}

const ascii = new TextEncoder();
/** fixstr tag (0xb0 | length) followed by the key's bytes. */
const fixstr = (key: string): Uint8Array => new Uint8Array([0xb0 | key.length, ...ascii.encode(key)]);
const PEERDATA = fixstr("__peerData");
const N = fixstr("n");
const DATA = fixstr("data");
const TOTAL = fixstr("total");

/** Bytes BinaryPack uses for a non-negative integer below 2^32 (pack_integer's first matching range). */
function uintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x100) return 2;
  if (value < 0x10000) return 3;
  return 5;
}

function writeUint(out: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    out[at] = value;
    return at + 1;
  }
  if (value < 0x100) {
    out[at] = 0xcc;
    out[at + 1] = value;
    return at + 2;
  }
  if (value < 0x10000) {
    out[at] = 0xcd;
    out[at + 1] = value >>> 8;
    out[at + 2] = value & 0xff;
    return at + 3;
  }
  out[at] = 0xce;
  new DataView(out.buffer, out.byteOffset).setUint32(at + 1, value);
  return at + 5;
}

function binaryHeaderSize(length: number): number {
  if (length <= 0x0f) return 1;
  return length <= 0xffff ? 3 : 5;
}

function writeBinaryHeader(out: Uint8Array, at: number, length: number): number {
  if (length <= 0x0f) {
    out[at] = 0xa0 | length;
    return at + 1;
  }
  if (length <= 0xffff) {
    out[at] = 0xda;
    out[at + 1] = length >>> 8;
    out[at + 2] = length & 0xff;
    return at + 3;
  }
  out[at] = 0xdb;
  new DataView(out.buffer, out.byteOffset).setUint32(at + 1, length);
  return at + 5;
}

function put(out: Uint8Array, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  return at + bytes.length;
}

export function chunkCount(byteLength: number, chunkSize = CHUNK_SIZE): number {
  return Math.max(1, Math.ceil(byteLength / chunkSize));
}

function frameSize(messageId: number, n: number, total: number, dataLength: number): number {
  return (
    1 +
    PEERDATA.length +
    uintSize(messageId) +
    N.length +
    uintSize(n) +
    DATA.length +
    binaryHeaderSize(dataLength) +
    dataLength +
    TOTAL.length +
    uintSize(total)
  );
}

/**
 * Frames chunks `first` to `first + count - 1` of `packed` into one buffer, ready to transfer to the
 * tab that owns the channel. Callers take a few chunks at a time so that memory stays bounded.
 */
export function frameChunks(packed: Uint8Array, messageId: number, first: number, count: number, chunkSize = CHUNK_SIZE): FrameBatch {
  const total = chunkCount(packed.byteLength, chunkSize);
  const last = Math.min(total, first + count);
  const sizes: number[] = [];
  let bytes = 0;
  for (let n = first; n < last; n++) {
    const size = frameSize(messageId, n, total, Math.min(chunkSize, packed.byteLength - n * chunkSize));
    sizes.push(size);
    bytes += size;
  }
  const out = new Uint8Array(bytes);
  let at = 0;
  for (let n = first; n < last; n++) {
    const data = packed.subarray(n * chunkSize, Math.min(packed.byteLength, (n + 1) * chunkSize));
    out[at++] = 0x84;
    at = put(out, at, PEERDATA);
    at = writeUint(out, at, messageId);
    at = put(out, at, N);
    at = writeUint(out, at, n);
    at = put(out, at, DATA);
    at = writeBinaryHeader(out, at, data.length);
    at = put(out, at, data);
    at = put(out, at, TOTAL);
    at = writeUint(out, at, total);
  }
  return { bytes: out.buffer, sizes };
}

/**
 * Pieces `first` to `first + count - 1` of `bytes`, cut every `size` bytes with no framing: a stream
 * serialization (MsgPack) finds value boundaries itself. Same batch shape as `frameChunks`.
 */
export function framePieces(bytes: Uint8Array, first: number, count: number, size: number): FrameBatch {
  const start = first * size;
  const end = Math.min(bytes.byteLength, (first + count) * size);
  const sizes: number[] = [];
  for (let at = start; at < end; at += size) sizes.push(Math.min(size, end - at));
  return { bytes: bytes.slice(start, end).buffer, sizes };
}
