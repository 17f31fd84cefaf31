/**
 * Finds where each value ends in a MessagePack stream (the MsgPack serialization of peerjs 1.5:
 * values back to back, cut into channel messages of 32 KiB regardless of value boundaries), without
 * decoding it, so that every value reaches the decoder whole and a hostile stream is refused early:
 * - a length or element count beyond `maxValueBytes` fails at its header, before any byte is held;
 * - an unfinished value may hold at most `maxValueBytes`;
 * - nesting is bounded; the byte 0xc1, which MessagePack never uses, fails.
 * Format: https://github.com/msgpack/msgpack/blob/master/spec.md
 */

export class FramingError extends Error {
  override readonly name = "FramingError";
}

export interface FramerLimits {
  /** Largest value accepted, in encoded bytes; also the bound on what an unfinished value holds. */
  readonly maxValueBytes: number;
  /** Deepest array/map nesting accepted. */
  readonly maxDepth: number;
}

/** What a header announces: the header's own size, then either payload bytes or child items. */
interface Header {
  readonly size: number;
  readonly payload: number;
  readonly items: number;
}

/** Bytes of header after the type byte, by type byte 0xc4..0xdf (0xc1 is never used). */
const HEADER_TAIL: Record<number, number> = {
  0xc0: 0, 0xc2: 0, 0xc3: 0, // nil, false, true
  0xc4: 1, 0xc5: 2, 0xc6: 4, // bin 8/16/32: length
  0xc7: 2, 0xc8: 3, 0xc9: 5, // ext 8/16/32: length, type
  0xca: 4, 0xcb: 8, // float 32/64
  0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, // uint 8..64
  0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, // int 8..64
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17, // fixext 1..16: type and data, read as header
  0xd9: 1, 0xda: 2, 0xdb: 4, // str 8/16/32: length
  0xdc: 2, 0xdd: 4, // array 16/32: count
  0xde: 2, 0xdf: 4, // map 16/32: count
}; // prettier-ignore

/** The length field's size for types whose header carries one, and whether it counts children. */
const LENGTH_FIELD: Record<number, { readonly bytes: number; readonly perItem?: number }> = {
  0xc4: { bytes: 1 }, 0xc5: { bytes: 2 }, 0xc6: { bytes: 4 },
  0xc7: { bytes: 1 }, 0xc8: { bytes: 2 }, 0xc9: { bytes: 4 },
  0xd9: { bytes: 1 }, 0xda: { bytes: 2 }, 0xdb: { bytes: 4 },
  0xdc: { bytes: 2, perItem: 1 }, 0xdd: { bytes: 4, perItem: 1 },
  0xde: { bytes: 2, perItem: 2 }, 0xdf: { bytes: 4, perItem: 2 },
}; // prettier-ignore

/** Header size for a type byte: 1 for the fix* forms, else 1 + its tail. */
function headerSize(type: number): number {
  if (type <= 0xbf || type >= 0xe0) return 1;
  const tail = HEADER_TAIL[type];
  if (tail === undefined) throw new FramingError(`byte 0x${type.toString(16)} is not a MessagePack type`);
  return 1 + tail;
}

function readLength(bytes: Uint8Array, at: number, size: number): number {
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + (bytes[at + i] as number);
  return n;
}

/** The header starting at `bytes[at]`, all of whose bytes are present. */
function readHeader(bytes: Uint8Array, at: number): Header {
  const type = bytes[at] as number;
  if (type <= 0x7f || type >= 0xe0) return { size: 1, payload: 0, items: 0 };
  if (type <= 0x8f) return { size: 1, payload: 0, items: 2 * (type & 0x0f) };
  if (type <= 0x9f) return { size: 1, payload: 0, items: type & 0x0f };
  if (type <= 0xbf) return { size: 1, payload: type & 0x1f, items: 0 };
  const size = headerSize(type);
  const field = LENGTH_FIELD[type];
  if (!field) return { size, payload: 0, items: 0 };
  const length = readLength(bytes, at + 1, field.bytes);
  return field.perItem ? { size, payload: 0, items: length * field.perItem } : { size, payload: length, items: 0 };
}

/** Cuts a MessagePack byte stream into whole values; one per connection, fed in arrival order. */
export class MsgPackFramer {
  /** Copies of the bytes of the unfinished value, in order. */
  private parts: Uint8Array[] = [];
  private held = 0;
  /** Payload bytes of the current str/bin/ext still to come. */
  private skip = 0;
  /** Children still expected, per open array/map. */
  private readonly open: number[] = [];
  /** The start of a header that the last message cut off. */
  private carry: Uint8Array | undefined;

  constructor(private readonly limits: FramerLimits) {}

  /** Bytes of the unfinished value held so far (0 between values). */
  get pending(): number {
    return this.held + (this.carry?.byteLength ?? 0);
  }

  /** One channel message; returns the values it completes, each as its own bytes. */
  feed(message: Uint8Array): Uint8Array[] {
    const bytes = this.carry ? concat([this.carry, message]) : message;
    this.carry = undefined;
    const done: Uint8Array[] = [];
    let start = 0;
    let at = 0;
    while (at < bytes.byteLength) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.byteLength - at);
        at += n;
        this.skip -= n;
        if (this.skip > 0 || !this.itemDone()) continue;
      } else {
        const size = headerSize(bytes[at] as number);
        if (at + size > bytes.byteLength) {
          this.carry = bytes.slice(at);
          break;
        }
        const header = readHeader(bytes, at);
        at += size;
        if (!this.startItem(header, this.held + at - start)) continue;
      }
      done.push(this.take(bytes.subarray(start, at)));
      start = at;
    }
    const rest = bytes.subarray(start, this.carry ? bytes.byteLength - this.carry.byteLength : bytes.byteLength);
    if (rest.byteLength > 0) this.hold(rest);
    return done;
  }

  clear(): void {
    this.parts = [];
    this.held = 0;
    this.skip = 0;
    this.open.length = 0;
    this.carry = undefined;
  }

  /** A header was read; true when it completes the top-level value. */
  private startItem(header: Header, valueBytes: number): boolean {
    const { maxValueBytes, maxDepth } = this.limits;
    if (header.items > maxValueBytes || header.payload > maxValueBytes) {
      const what = header.items > 0 ? `${header.items} elements` : `${header.payload} bytes`;
      throw new FramingError(`a value announces ${what}, beyond the limit of ${maxValueBytes} bytes`);
    }
    if (valueBytes + header.payload > maxValueBytes) {
      throw new FramingError(`a value grows to more than ${maxValueBytes} bytes`);
    }
    if (header.payload > 0) {
      this.skip = header.payload;
      return false;
    }
    if (header.items > 0) {
      if (this.open.length >= maxDepth) throw new FramingError(`nesting deeper than ${maxDepth}`);
      this.open.push(header.items);
      return false;
    }
    return this.itemDone();
  }

  /** One item finished: it counts towards its container; true when the top-level value is whole. */
  private itemDone(): boolean {
    while (this.open.length > 0) {
      const top = this.open.length - 1;
      const left = (this.open[top] as number) - 1;
      if (left > 0) {
        this.open[top] = left;
        return false;
      }
      this.open.pop();
    }
    return true;
  }

  private hold(bytes: Uint8Array): void {
    if (this.held + bytes.byteLength > this.limits.maxValueBytes) {
      throw new FramingError(`an unfinished value holds more than ${this.limits.maxValueBytes} bytes`);
    }
    // A copy: the message is a view into a batch of received messages, reused after this call.
    this.parts.push(bytes.slice());
    this.held += bytes.byteLength;
  }

  /** The whole value: what was held, then `tail`; its own buffer, as it may cross to tabs. */
  private take(tail: Uint8Array): Uint8Array {
    if (this.held + tail.byteLength > this.limits.maxValueBytes) {
      throw new FramingError(`a value is larger than ${this.limits.maxValueBytes} bytes`);
    }
    const whole = this.parts.length === 0 ? tail.slice() : concat([...this.parts, tail]);
    this.parts = [];
    this.held = 0;
    return whole;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
