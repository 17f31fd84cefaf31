/**
 * The MsgPack stream codec: bytes as peerjs 1.5.5 writes them (its own @msgpack/msgpack 2.8 Encoder,
 * installed under peerjs), values split anywhere across channel messages, and hostile streams.
 */
import { describe, expect, test } from "vitest";
import { createRequire } from "node:module";
import { codecFor, EncodeError, type Decoded } from "../../worker/codec/serialization.js";
import { MSGPACK_PIECE } from "../../worker/codec/msgpack.js";
import { framePieces } from "../../worker/codec/chunker.js";
import { DecodeError } from "../../worker/codec/binarypack-decoder.js";
import { prng } from "../support/seeded.js";

// peerjs's own copy: the bytes an official peer puts on the wire.
const fromPeerjs = createRequire(createRequire(import.meta.url).resolve("peerjs"))("@msgpack/msgpack") as {
  Encoder: new () => { encode(v: unknown): Uint8Array };
  decodeMulti(b: Uint8Array): Iterable<unknown>;
};
const peerjsEncoder = new fromPeerjs.Encoder();

const LIMITS = { maxMessageBytes: 1 << 20, maxPendingBytes: 1 << 20, idleTimeout: 1000 };
const codec = () => codecFor("MsgPack", LIMITS);
const values = (frames: readonly Decoded[]): unknown[] =>
  frames.flatMap((f) => (f.kind === "many" ? values([...f.frames]) : f.kind === "data" ? [f.value] : ["<close>"]));
const feedAll = (c: ReturnType<typeof codec>, messages: Uint8Array[]) => values(messages.map((m) => c.decode(m)));
const feed = (c: ReturnType<typeof codec>, ...messages: Uint8Array[]) => feedAll(c, messages);
const bytes = (...b: number[]) => new Uint8Array(b);

const EVERY_KIND: unknown[] = [
  null,
  true,
  false,
  0,
  127,
  128,
  -1,
  -33,
  65535,
  2 ** 32,
  -(2 ** 40),
  1.5,
  -0.25,
  "",
  "hé ✓",
  "x".repeat(70000),
  new Uint8Array([1, 2, 3]),
  new Uint8Array(70000).fill(7),
  [],
  [1, [2, [3]]],
  {},
  { a: 1, nested: { b: [true, null] } },
  new Date(1700000000123),
];

describe("encode", () => {
  test.each(EVERY_KIND.map((v, i) => [i, v]))("value %i: the same bytes as peerjs's Encoder", (_, value) => {
    // Buffer.equals: a deep toEqual over 70 KB is slow under load, and the bytes either match or not.
    expect(Buffer.from(codec().encode(value) as Uint8Array).equals(Buffer.from(peerjsEncoder.encode(value)))).toBe(true);
  });

  test("an ArrayBuffer travels as bin (peerjs: an empty map), a typed array as its bytes", () => {
    const c = codec();
    const out = feed(c, codec().encode(new Uint8Array([9, 8]).buffer) as Uint8Array, codec().encode(new Uint16Array([1])) as Uint8Array);
    expect(out).toEqual([new Uint8Array([9, 8]), new Uint8Array([1, 0])]);
  });

  test("a Blob inside is read and travels as bin", async () => {
    const encoded = await codec().encode({ file: new Blob([new Uint8Array([5, 6])]) });
    expect(feed(codec(), encoded as Uint8Array)).toEqual([{ file: new Uint8Array([5, 6]) }]);
  });

  test.each([
    ["Map", new Map([[1, 2]])],
    ["Set", new Set([1])],
    ["bigint", 10n],
    ["RegExp", /x/],
  ])("a %s is refused with a clear error (peerjs sends {} or throws)", (_, value) => {
    expect(() => codec().encode({ value })).toThrow(EncodeError);
    expect(() => codec().encode({ value })).toThrow(/MsgPack serialization cannot encode/);
  });
});

describe("decode", () => {
  test("values of every kind, as peerjs encodes them, back to back in one message", () => {
    const stream = Buffer.concat(EVERY_KIND.map((v) => peerjsEncoder.encode(v)));
    expect(feed(codec(), new Uint8Array(stream))).toEqual(EVERY_KIND);
  });

  test("cut at every byte boundary, and in peerjs's 32 KiB pieces, the values come out whole and in order", () => {
    const stream = new Uint8Array(Buffer.concat(EVERY_KIND.map((v) => peerjsEncoder.encode(v))));
    // Byte by byte: every header and payload split at every offset (the small values; the large ones below).
    const small = EVERY_KIND.filter((v) => peerjsEncoder.encode(v).byteLength < 1000);
    const smallStream = new Uint8Array(Buffer.concat(small.map((v) => peerjsEncoder.encode(v))));
    expect(
      feedAll(
        codec(),
        Array.from(smallStream, (b) => bytes(b)),
      ),
    ).toEqual(small);
    const batch = framePieces(stream, 0, Math.ceil(stream.byteLength / MSGPACK_PIECE), MSGPACK_PIECE);
    let at = 0;
    const pieces = batch.sizes.map((size) => new Uint8Array(batch.bytes, (at += size) - size, size));
    expect(pieces.every((p, i) => i === pieces.length - 1 || p.byteLength === MSGPACK_PIECE)).toBe(true);
    expect(feed(codec(), ...pieces)).toEqual(EVERY_KIND);
  });

  test("random cuts of a random stream (seeded)", () => {
    const random = prng(17);
    const list = Array.from({ length: 200 }, (_, i) => ({ i, s: "é".repeat(Math.floor(random() * 3000)), b: new Uint8Array(i % 50) }));
    const stream = new Uint8Array(Buffer.concat(list.map((v) => peerjsEncoder.encode(v))));
    const messages: Uint8Array[] = [];
    for (let at = 0; at < stream.byteLength;) {
      const n = 1 + Math.floor(random() * 5000);
      messages.push(stream.subarray(at, at + n));
      at += n;
    }
    expect(feedAll(codec(), messages)).toEqual(list);
  });

  test("a bin value does not share its buffer with the received message", () => {
    const message = new Uint8Array([...peerjsEncoder.encode(new Uint8Array([1])), ...peerjsEncoder.encode(new Uint8Array([2]))]);
    const [first] = feed(codec(), message) as Uint8Array[];
    expect(first!.buffer.byteLength).toBeLessThan(message.byteLength);
  });

  test("the in-band close of close({flush:true}) is a close", () => {
    const c = codec();
    expect(feed(c, peerjsEncoder.encode(1), c.closeFrame!)).toEqual([1, "<close>"]);
    expect(Buffer.from(c.closeFrame!)).toEqual(Buffer.from(peerjsEncoder.encode({ __peerData: { type: "close" } })));
  });

  test("an unfinished value is reported until its last byte arrives", () => {
    const c = codec();
    const encoded = peerjsEncoder.encode({ a: "x".repeat(100) });
    expect(feed(c, encoded.subarray(0, 50))).toEqual([]);
    expect(c.unfinished?.()).toBe(true);
    expect(feed(c, encoded.subarray(50))).toEqual([{ a: "x".repeat(100) }]);
    expect(c.unfinished?.()).toBe(false);
  });
});

describe("hostile streams", () => {
  const refuses = (what: RegExp, ...messages: Uint8Array[]) => {
    const c = codec();
    expect(() => messages.forEach((m) => c.decode(m))).toThrow(DecodeError);
    expect(() => messages.forEach((m) => codec().decode(m))).toThrow(what);
  };

  test("a bin32 that announces 4 GiB is refused at its header, before any byte is held", () => {
    refuses(/announces 4294967295 bytes/, bytes(0xc6, 0xff, 0xff, 0xff, 0xff));
  });

  test("a str32, an array32 and a map32 that lie about their size are refused at their header", () => {
    refuses(/announces/, bytes(0xdb, 0x7f, 0, 0, 0, 0x61));
    refuses(/announces 4294967295 elements/, bytes(0xdd, 0xff, 0xff, 0xff, 0xff));
    refuses(/announces/, bytes(0xdf, 0x10, 0, 0, 0));
  });

  test("an array whose elements never end holds at most maxMessageBytes, then fails", () => {
    const c = codec();
    c.decode(bytes(0xdc, 0xff, 0xff)); // 65535 elements announced, each sent as a 1 KiB str
    const str = new Uint8Array([0xda, 0x04, 0x00, ...new Uint8Array(1024)]);
    expect(() => {
      for (let i = 0; i < 2000; i++) c.decode(str);
    }).toThrow(/more than 1048576 bytes/);
  });

  test("nesting deeper than 512 is refused", () => {
    refuses(/nesting deeper than 512/, new Uint8Array(600).fill(0x91));
  });

  test("0xc1, the byte MessagePack never uses, is refused", () => {
    refuses(/0xc1 is not a MessagePack type/, bytes(0xc1));
  });

  test("a __proto__ key is refused, and no prototype changes", () => {
    refuses(/__proto__/, bytes(0x81, 0xa9, ...Buffer.from("__proto__"), 0x81, 0xa1, 0x78, 0x01));
    expect(({} as { x?: number }).x).toBeUndefined();
  });

  test("a text message on a MsgPack connection is refused", () => {
    expect(() => codec().decode("hello")).toThrow(/text frame/);
  });
});
