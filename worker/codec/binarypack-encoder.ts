/**
 * A synchronous BinaryPack encoder (protocol.md §3.6) whose output is byte for byte that of
 * peerjs-js-binarypack 2.1.0's `pack`, written straight into one reusable growable buffer instead of
 * the library's BufferBuilder of many small arrays.
 *
 * It mirrors the library's rules, quirks included:
 * - a number is an integer iff `Math.floor(x) === x` (so -0 → 0x00, ±Infinity → "Invalid integer"),
 *   integer ranges are tried in the library's order, first match wins (2^63 → int64 0x80…,
 *   2^64 → uint64 of zero bytes, beyond → "Invalid integer");
 * - other numbers (and NaN) go through the library's hand-rolled float64 arithmetic
 *   (`Math.floor(Math.log(x) / Math.LN2)` for the exponent): NaN becomes eight zero bytes,
 *   subnormals and the odd value just below a power of two come out as the library writes them;
 * - `value.constructor` decides objects: Array, ArrayBuffer, anything with `BYTES_PER_ELEMENT`
 *   (exactly the view's bytes), Date (`toString()`), Blob, then `constructor == Object` or a
 *   constructor whose source starts with "class" (own enumerable keys, each re-checked with
 *   `obj.hasOwnProperty`); everything else throws.
 * Differences: a Blob anywhere throws {@link NeedsAsync} once the rest of the value was checked (the
 * caller falls back to the library's asynchronous `pack`); nesting beyond `maxDepth` (default
 * {@link MAX_DEPTH}, which the decoder refuses to read beyond; or a cycle) throws a
 * {@link BinaryPackEncodeError} instead of overflowing the stack; and arrays/maps of any length
 * encode, where the library recurses once per element and overflows its stack past ~10^4 elements.
 */

import { errorText } from "../../contract/error-text.js";
import { utf8Size } from "../../contract/utf8.js";
import { WIRE_LIMITS } from "./limits.js";

/** A Blob/File is inside: only the library's asynchronous `pack` can encode this value. */
export class NeedsAsync extends Error {
  override readonly name = "NeedsAsync";
  constructor() {
    super("the value contains a Blob, which BinaryPack can only encode asynchronously");
  }
}

/** A value `pack` refuses (same cases, and where possible the same message, as the library). */
export class BinaryPackEncodeError extends Error {
  override readonly name = "BinaryPackEncodeError";
}

/** Deepest array/map nesting encoded by default (limits.ts); deeper (or cyclic) values throw BinaryPackEncodeError. */
export const MAX_DEPTH: number = WIRE_LIMITS.maxDepth;

const INITIAL_SIZE = 256;
/** A scratch buffer grown past this is dropped after use rather than kept for the next message. */
const RETAIN_LIMIT = 1 << 20;
/** Strings of fewer UTF-16 units are encoded in JavaScript; longer ones with TextEncoder.encodeInto. */
const SHORT_STRING = 64;
/** Longer strings are encoded to their own array instead of reserving 3 bytes per UTF-16 unit. */
const ENCODE_INTO_MAX = 1 << 16;

const textEncoder = new TextEncoder();
const BlobClass: typeof Blob | undefined = typeof Blob === "function" ? Blob : undefined;
// eslint-disable-next-line @typescript-eslint/unbound-method -- only compared with and call()ed on constructors
const functionToString = Function.prototype.toString;
/** `constructor.toString().startsWith("class")`, remembered per constructor (the source never changes). */
const classConstructors = new WeakMap<object, boolean>();

class Writer {
  buf: Uint8Array;
  pos = 0;
  busy = false;
  maxDepth: number = MAX_DEPTH;
  /** A Blob was met: the rest is still walked, so that a refusal beats the asynchronous fallback. */
  sawBlob = false;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  private ensure(extra: number): void {
    if (this.pos + extra > this.buf.length) this.grow(extra);
  }

  private grow(extra: number): void {
    const needed = this.pos + extra;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** One stack frame per nesting level (arrays and maps are walked here, not in helpers). */
  value(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        this.string(value);
        return;
      case "number":
        if (Math.floor(value) === value) this.integer(value);
        else this.double(value);
        return;
      case "boolean":
        this.byte(value ? 0xc3 : 0xc2);
        return;
      case "undefined":
        this.byte(0xc0);
        return;
      case "object":
        break;
      default:
        throw new BinaryPackEncodeError(`Type "${typeof value}" not yet supported`);
    }
    if (value === null) {
      this.byte(0xc0);
      return;
    }
    if (depth >= this.maxDepth) {
      throw new BinaryPackEncodeError(`value nested deeper than ${this.maxDepth} levels (is it cyclic?)`);
    }
    // The library reads the constructor first, whatever the object.
    const constructor = (value as { constructor?: unknown }).constructor;
    if (value instanceof Array) {
      const length = value.length;
      this.header(length, 0x90, 0xdc);
      for (let i = 0; i < length; i++) this.value(value[i], depth + 1);
    } else if (value instanceof ArrayBuffer) {
      this.binary(new Uint8Array(value));
    } else if ("BYTES_PER_ELEMENT" in value) {
      const view = value as unknown as ArrayBufferView;
      this.binary(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    } else if (value instanceof Date) {
      this.string(value.toString());
    } else if (BlobClass !== undefined && value instanceof BlobClass) {
      this.sawBlob = true;
    } else if (constructor == Object || isClass(constructor)) {
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object);
      const length = keys.length;
      this.header(length, 0x80, 0xde);
      for (let i = 0; i < length; i++) {
        const key = keys[i] as string;
        // As the library: a key no longer own (a getter deleted it) is skipped, its count stays.
        if (Object.hasOwn(object, key)) {
          this.string(key);
          this.value(object[key], depth + 1);
        }
      }
    } else {
      throw new BinaryPackEncodeError(`Type "${String(constructor)}" not yet supported`);
    }
  }

  private byte(byte: number): void {
    this.ensure(1);
    this.buf[this.pos++] = byte;
  }

  /** An array (fix 0x90, 16-bit 0xdc, 32-bit 0xdd) or map (0x80, 0xde, 0xdf) header. */
  private header(length: number, fix: number, tag16: number): void {
    this.ensure(5);
    const buf = this.buf;
    if (length <= 0x0f) {
      buf[this.pos++] = fix + length;
    } else if (length <= 0xffff) {
      buf[this.pos] = tag16;
      buf[this.pos + 1] = length >> 8;
      buf[this.pos + 2] = length;
      this.pos += 3;
    } else {
      buf[this.pos] = tag16 + 1;
      this.uint32At(this.pos + 1, length);
      this.pos += 5;
    }
  }

  private integer(num: number): void {
    this.ensure(9);
    const buf = this.buf;
    const at = this.pos;
    if (num >= -32 && num <= 0x7f) {
      buf[at] = num & 0xff;
      this.pos = at + 1;
    } else if (num >= 0x00 && num <= 0xff) {
      buf[at] = 0xcc;
      buf[at + 1] = num;
      this.pos = at + 2;
    } else if (num >= -128 && num <= 0x7f) {
      buf[at] = 0xd0;
      buf[at + 1] = num & 0xff;
      this.pos = at + 2;
    } else if (num >= 0x0000 && num <= 0xffff) {
      buf[at] = 0xcd;
      buf[at + 1] = num >> 8;
      buf[at + 2] = num & 0xff;
      this.pos = at + 3;
    } else if (num >= -32768 && num <= 0x7fff) {
      buf[at] = 0xd1;
      buf[at + 1] = (num & 0xff00) >> 8;
      buf[at + 2] = num & 0xff;
      this.pos = at + 3;
    } else if (num >= 0x00000000 && num <= 0xffffffff) {
      buf[at] = 0xce;
      this.uint32At(at + 1, num);
      this.pos = at + 5;
    } else if (num >= -2147483648 && num <= 0x7fffffff) {
      buf[at] = 0xd2;
      this.uint32At(at + 1, num);
      this.pos = at + 5;
    } else if (num >= -9223372036854775808 && num <= 9223372036854775808) {
      // -2^63 ..= 2^63 (the library's 0x7fffffffffffffff is the double 2^63).
      buf[at] = 0xd3;
      this.uint32At(at + 1, Math.floor(num / 4294967296));
      this.uint32At(at + 5, num % 4294967296);
      this.pos = at + 9;
    } else if (num >= 0 && num <= 18446744073709551616) {
      // ..= 2^64; the high word is not floored here, exactly as pack_uint64 (bit ops truncate it).
      buf[at] = 0xcf;
      this.uint32At(at + 1, num / 4294967296);
      this.uint32At(at + 5, num % 4294967296);
      this.pos = at + 9;
    } else {
      throw new BinaryPackEncodeError("Invalid integer");
    }
  }

  /** pack_double's arithmetic, verbatim: only then are its bytes (NaN, subnormals…) reproduced. */
  private double(value: number): void {
    let num = value;
    let sign = 0;
    if (num < 0) {
      sign = 1;
      num = -num;
    }
    const exp = Math.floor(Math.log(num) / Math.LN2);
    const frac0 = num / 2 ** exp - 1;
    const frac1 = Math.floor(frac0 * 2 ** 52);
    const b32 = 2 ** 32;
    const h32 = (sign << 31) | ((exp + 1023) << 20) | ((frac1 / b32) & 0x0fffff);
    const l32 = frac1 % b32;
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.uint32At(this.pos + 1, h32);
    this.uint32At(this.pos + 5, l32);
    this.pos += 9;
  }

  /** The low 32 bits of ToInt32(num), big-endian (the library's pack_int32/pack_uint32/pack_int64 words). */
  private uint32At(at: number, num: number): void {
    const n = num | 0;
    const buf = this.buf;
    buf[at] = n >>> 24;
    buf[at + 1] = n >>> 16;
    buf[at + 2] = n >>> 8;
    buf[at + 3] = n;
  }

  private string(str: string): void {
    const length = str.length;
    if (length < SHORT_STRING) {
      // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair: 2 units, 4 bytes), so < 0xffff.
      this.ensure(3 * length + 3);
      const buf = this.buf;
      const guess = length <= 0x0f ? 1 : 3;
      let at = this.pos + guess;
      let i = 0;
      for (; i < length; i++) {
        const code = str.charCodeAt(i);
        if (code >= 0x80) break;
        buf[at++] = code;
      }
      let size = length;
      if (i < length) {
        // Not ASCII: the ASCII prefix moves if the header's size differs from the guess.
        size = i + utf8Size(str, i, length);
        const header = size <= 0x0f ? 1 : 3;
        if (header !== guess) buf.copyWithin(this.pos + header, this.pos + guess, at);
        at = writeUtf8(buf, this.pos + header + i, str, i, length);
      }
      if (size <= 0x0f) {
        buf[this.pos] = 0xb0 + size;
      } else {
        buf[this.pos] = 0xd8;
        buf[this.pos + 1] = 0;
        buf[this.pos + 2] = size;
      }
      this.pos = at;
      return;
    }
    if (length > ENCODE_INTO_MAX) {
      const bytes = textEncoder.encode(str);
      this.stringHeader(bytes.length);
      this.ensure(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
      return;
    }
    // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair: 2 units, 4 bytes).
    const most = length * 3;
    this.ensure(5 + most);
    const buf = this.buf;
    const start = this.pos;
    // The header size, when the byte count's bounds (length ..= 3 × length) already decide it.
    const known = most <= 0x0f ? 1 : length > 0x0f && most <= 0xffff ? 3 : 0;
    const body = start + (known || 5);
    const written = textEncoder.encodeInto(str, buf.subarray(body, body + most)).written;
    const header = written <= 0x0f ? 1 : written <= 0xffff ? 3 : 5;
    if (known === 0 && header !== 5) buf.copyWithin(start + header, body, body + written);
    this.stringHeader(written);
    this.pos = start + header + written;
  }

  /** Writes the header of a string of `size` UTF-8 bytes at pos and moves past it. */
  private stringHeader(size: number): void {
    this.ensure(5);
    const buf = this.buf;
    if (size <= 0x0f) {
      buf[this.pos++] = 0xb0 + size;
    } else if (size <= 0xffff) {
      buf[this.pos] = 0xd8;
      buf[this.pos + 1] = size >> 8;
      buf[this.pos + 2] = size;
      this.pos += 3;
    } else if (size <= 0xffffffff) {
      buf[this.pos] = 0xd9;
      this.uint32At(this.pos + 1, size);
      this.pos += 5;
    } else {
      throw new BinaryPackEncodeError("Invalid length");
    }
  }

  private binary(bytes: Uint8Array): void {
    const length = bytes.length;
    if (length > 0xffffffff) throw new BinaryPackEncodeError("Invalid length");
    this.ensure(5 + length);
    const buf = this.buf;
    if (length <= 0x0f) {
      buf[this.pos++] = 0xa0 + length;
      for (let i = 0; i < length; i++) buf[this.pos++] = bytes[i] as number;
      return;
    }
    if (length <= 0xffff) {
      buf[this.pos] = 0xda;
      buf[this.pos + 1] = length >> 8;
      buf[this.pos + 2] = length;
      this.pos += 3;
    } else {
      buf[this.pos] = 0xdb;
      this.uint32At(this.pos + 1, length);
      this.pos += 5;
    }
    buf.set(bytes, this.pos);
    this.pos += length;
  }
}

/** Writes str[from, end) as UTF-8 (TextEncoder's bytes) at `at`; returns the end offset. */
function writeUtf8(buf: Uint8Array, at: number, str: string, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    let code = str.charCodeAt(i);
    if (code < 0x80) {
      buf[at++] = code;
    } else if (code < 0x800) {
      buf[at++] = 0xc0 | (code >> 6);
      buf[at++] = 0x80 | (code & 0x3f);
    } else {
      if ((code & 0xf800) === 0xd800) {
        const next = i + 1 < end ? str.charCodeAt(i + 1) : 0;
        if (code <= 0xdbff && (next & 0xfc00) === 0xdc00) {
          const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          buf[at++] = 0xf0 | (point >> 18);
          buf[at++] = 0x80 | ((point >> 12) & 0x3f);
          buf[at++] = 0x80 | ((point >> 6) & 0x3f);
          buf[at++] = 0x80 | (point & 0x3f);
          i++;
          continue;
        }
        code = 0xfffd; // a lone surrogate
      }
      buf[at++] = 0xe0 | (code >> 12);
      buf[at++] = 0x80 | ((code >> 6) & 0x3f);
      buf[at++] = 0x80 | (code & 0x3f);
    }
  }
  return at;
}

function isClass(constructor: unknown): boolean {
  if (typeof constructor === "function" && constructor.toString === functionToString) {
    let known = classConstructors.get(constructor);
    if (known === undefined) {
      known = functionToString.call(constructor).startsWith("class");
      classConstructors.set(constructor, known);
    }
    return known;
  }
  if (constructor === undefined || constructor === null) {
    // The library fails here too, with a TypeError reading `toString` of undefined.
    throw new BinaryPackEncodeError("an object without a prototype (Object.create(null)) is not supported");
  }
  return (constructor as { toString(): string }).toString().startsWith("class");
}

function isStackOverflow(error: unknown): boolean {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return true; // V8, JavaScriptCore
  return error instanceof Error && error.name === "InternalError" && /recursion/i.test(error.message); // Firefox
}

const shared = new Writer(INITIAL_SIZE);

/**
 * `pack(value)` of peerjs-js-binarypack 2.1.0, synchronously, as an exactly sized Uint8Array that
 * owns its buffer. Throws NeedsAsync when a Blob is inside, BinaryPackEncodeError where `pack`
 * throws (or would overflow the stack).
 */
export function encodeBinaryPack(value: unknown, options: { readonly maxDepth?: number } = {}): Uint8Array {
  // Re-entered only from user code run while encoding (a toString, a getter): use a fresh writer.
  const writer = shared.busy ? new Writer(INITIAL_SIZE) : shared;
  writer.busy = true;
  writer.pos = 0;
  writer.maxDepth = options.maxDepth ?? MAX_DEPTH;
  writer.sawBlob = false;
  try {
    writer.value(value, 0);
    if (writer.sawBlob) throw new NeedsAsync();
    return writer.buf.slice(0, writer.pos);
  } catch (error) {
    if (error instanceof NeedsAsync || error instanceof BinaryPackEncodeError) throw error;
    if (isStackOverflow(error)) {
      throw new BinaryPackEncodeError("value nested too deeply to encode (is it cyclic?)", { cause: error });
    }
    throw new BinaryPackEncodeError(errorText(error), { cause: error });
  } finally {
    writer.busy = false;
    writer.pos = 0;
    if (writer.buf.length > RETAIN_LIMIT) writer.buf = new Uint8Array(INITIAL_SIZE);
  }
}
