/**
 * A BinaryPack decoder (protocol.md §3.6) that is safe on hostile bytes:
 * - every length is checked against the bytes left before anything is allocated;
 * - nesting is bounded, so a deep frame cannot overflow the stack;
 * - map keys such as `__proto__` become own properties: no decoded object's prototype changes;
 * - binary fields come back as ArrayBuffer (peerjs 1.5.5 gives Uint8Array inside chunked messages),
 *   or as views into the input when the caller asks for them (chunk reassembly, no copy).
 * peerjs-js-binarypack's unpacker does none of these, so it is used only to encode.
 */
import { WIRE_LIMITS } from "./limits.js";

export class DecodeError extends Error {
  override readonly name = "DecodeError";
}

export interface DecodeOptions {
  /** Deepest array/map nesting accepted (default: limits.ts, the same as the encoder's). */
  readonly maxDepth?: number;
  /** true: binary fields are Uint8Array views into the input instead of ArrayBuffer copies. */
  readonly binaryViews?: boolean;
}

const DEFAULT_MAX_DEPTH = WIRE_LIMITS.maxDepth;
const utf8 = new TextDecoder("utf-8");
/**
 * Strings of at most this many bytes are first read as ASCII in JavaScript: a TextDecoder call costs
 * about 200 ns in Chromium (100 ns in Node) whatever the length, the loop below less up to ~32 bytes.
 */
const SHORT_STRING = 32;

/** bytes[start, end) as a string if all are ASCII (< 0x80), else undefined (TextDecoder's job). */
function asciiString(bytes: Uint8Array, start: number, end: number): string | undefined {
  let out = "";
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const b0 = bytes[i] as number,
      b1 = bytes[i + 1] as number,
      b2 = bytes[i + 2] as number,
      b3 = bytes[i + 3] as number;
    const b4 = bytes[i + 4] as number,
      b5 = bytes[i + 5] as number,
      b6 = bytes[i + 6] as number,
      b7 = bytes[i + 7] as number;
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) >= 0x80) return undefined;
    out += String.fromCharCode(b0, b1, b2, b3, b4, b5, b6, b7);
  }
  for (; i < end; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80) return undefined;
    out += String.fromCharCode(b);
  }
  return out;
}

export function decodeBinaryPack(input: Uint8Array, options: DecodeOptions = {}): unknown {
  const reader = new Reader(input, options.maxDepth ?? DEFAULT_MAX_DEPTH, options.binaryViews ?? false);
  const value = reader.value(0);
  if (reader.offset !== input.byteLength) {
    throw new DecodeError(`${input.byteLength - reader.offset} trailing bytes after the value`);
  }
  return value;
}

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
    private readonly binaryViews: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(depth: number): unknown {
    const tag = this.u8();
    if (tag < 0x80) return tag;
    if (tag >= 0xe0) return tag - 0x100;
    if (tag < 0x90) return this.map(tag & 0x0f, depth);
    if (tag < 0xa0) return this.array(tag & 0x0f, depth);
    if (tag < 0xb0) return this.binary(tag & 0x0f);
    if (tag < 0xc0) return this.string(tag & 0x0f);
    switch (tag) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        return this.take(4, (o) => this.view.getFloat32(o));
      case 0xcb:
        return this.take(8, (o) => this.view.getFloat64(o));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.take(2, (o) => this.view.getUint16(o));
      case 0xce:
        return this.take(4, (o) => this.view.getUint32(o));
      case 0xcf:
        return this.take(8, (o) => this.view.getUint32(o) * 2 ** 32 + this.view.getUint32(o + 4));
      case 0xd0:
        return this.take(1, (o) => this.view.getInt8(o));
      case 0xd1:
        return this.take(2, (o) => this.view.getInt16(o));
      case 0xd2:
        return this.take(4, (o) => this.view.getInt32(o));
      case 0xd3:
        return this.take(8, (o) => this.view.getInt32(o) * 2 ** 32 + this.view.getUint32(o + 4));
      case 0xd8:
        return this.string(this.take(2, (o) => this.view.getUint16(o)));
      case 0xd9:
        return this.string(this.take(4, (o) => this.view.getUint32(o)));
      case 0xda:
        return this.binary(this.take(2, (o) => this.view.getUint16(o)));
      case 0xdb:
        return this.binary(this.take(4, (o) => this.view.getUint32(o)));
      case 0xdc:
        return this.array(
          this.take(2, (o) => this.view.getUint16(o)),
          depth,
        );
      case 0xdd:
        return this.array(
          this.take(4, (o) => this.view.getUint32(o)),
          depth,
        );
      case 0xde:
        return this.map(
          this.take(2, (o) => this.view.getUint16(o)),
          depth,
        );
      case 0xdf:
        return this.map(
          this.take(4, (o) => this.view.getUint32(o)),
          depth,
        );
      // 0xc1 is "undefined"; 0xc4–0xc9 and 0xd4–0xd7 read as undefined in 2.1.0 too, with no payload.
      default:
        return undefined;
    }
  }

  private u8(): number {
    if (this.offset >= this.bytes.byteLength) throw new DecodeError("frame ends inside a value");
    return this.bytes[this.offset++] as number;
  }

  private take<T>(size: number, read: (offset: number) => T): T {
    this.need(size);
    const result = read(this.offset);
    this.offset += size;
    return result;
  }

  private need(size: number): void {
    if (size > this.bytes.byteLength - this.offset) {
      throw new DecodeError(`a length of ${size} exceeds the ${this.bytes.byteLength - this.offset} bytes left`);
    }
  }

  private string(size: number): string {
    this.need(size);
    const start = this.offset;
    this.offset += size;
    if (size <= SHORT_STRING) {
      const ascii = asciiString(this.bytes, start, this.offset);
      if (ascii !== undefined) return ascii;
    }
    return utf8.decode(this.bytes.subarray(start, this.offset));
  }

  private binary(size: number): ArrayBuffer | Uint8Array {
    this.need(size);
    const start = this.offset;
    this.offset += size;
    const view = this.bytes.subarray(start, this.offset);
    return this.binaryViews ? view : view.slice().buffer;
  }

  private array(count: number, depth: number): unknown[] {
    this.enter(count, depth);
    const out = new Array<unknown>(count);
    for (let i = 0; i < count; i++) out[i] = this.value(depth + 1);
    return out;
  }

  private map(count: number, depth: number): Record<string, unknown> {
    this.enter(count * 2, depth);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const key = this.key(depth);
      const value = this.value(depth + 1);
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
    }
    return out;
  }

  private key(depth: number): string {
    const key = this.value(depth + 1);
    if (typeof key === "string") return key;
    if (typeof key === "number" || typeof key === "boolean" || key === null || key === undefined) return String(key);
    throw new DecodeError("a map key is neither a string nor a number");
  }

  /** Each element takes at least one byte, so a count beyond the bytes left is a lie. */
  private enter(elements: number, depth: number): void {
    if (depth >= this.maxDepth) throw new DecodeError(`nesting deeper than ${this.maxDepth}`);
    this.need(elements);
  }
}
