import { afterEach, describe, expect, test, vi } from "vitest";
import { pack, type Packable } from "peerjs-js-binarypack";
import { decodeBinaryPack, DecodeError } from "../../worker/codec/binarypack-decoder.js";
import { concat as concatList } from "../support/seeded.js";
/** `concat(a, b, …)`: the parts in one array. */
const concat = (...parts: Uint8Array[]): Uint8Array => concatList(parts);

const packed = (value: Packable): Uint8Array => new Uint8Array(pack(value) as ArrayBuffer);
const roundTrip = (value: Packable): unknown => decodeBinaryPack(packed(value));

/** "cc 80" → Uint8Array [0xcc, 0x80]. */
function hex(text: string): Uint8Array {
  const pairs = text.replace(/\s+/g, "").match(/../g) ?? [];
  return Uint8Array.from(pairs, (pair) => Number.parseInt(pair, 16));
}

const ascii = (text: string): string => Buffer.from(text, "utf8").toString("hex");

/** The bytes of a decoded binary field, which must be an ArrayBuffer. */
function bytesOf(value: unknown): number[] {
  expect(value).toBeInstanceOf(ArrayBuffer);
  return [...new Uint8Array(value as ArrayBuffer)];
}

function decodeFailure(bytes: Uint8Array, options?: Parameters<typeof decodeBinaryPack>[1]): Error {
  try {
    decodeBinaryPack(bytes, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as Error).name).toBe("DecodeError");
    return error as Error;
  }
  throw new Error(`decoding ${Buffer.from(bytes).toString("hex")} did not throw`);
}

describe("round trip through peerjs-js-binarypack's pack", () => {
  test.each([
    0,
    127,
    128,
    255,
    256,
    65535,
    65536,
    -1,
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    2 ** 32 - 1,
    2 ** 32,
    -(2 ** 31),
    0.5,
    -0.25,
    Math.PI,
    1e-300,
    2 ** 60,
    -(2 ** 40),
    Number.MAX_SAFE_INTEGER,
  ])("number %d", (value) => {
    expect(roundTrip(value)).toBe(value);
  });

  test.each(["", "hello", "café", "中文", "broccoli🥦līp𨋢grin😃ok", "\u{10ffff}", "a".repeat(15), "a".repeat(16)])(
    "string %j",
    (value) => {
      expect(roundTrip(value)).toBe(value);
    },
  );

  test("a 70000-character string (str32 header)", () => {
    const value = "aé中🥦".repeat(14_000);
    expect(value.length).toBe(70_000);
    const bytes = packed(value);
    expect(bytes[0]).toBe(0xd9);
    expect(decodeBinaryPack(bytes)).toBe(value);
  });

  test("booleans, null, and undefined (which pack writes as nil)", () => {
    expect(roundTrip(true)).toBe(true);
    expect(roundTrip(false)).toBe(false);
    expect(roundTrip(null)).toBeNull();
    expect(roundTrip(undefined)).toBeNull();
  });

  test("arrays of every header size", () => {
    expect(roundTrip([])).toEqual([]);
    expect(roundTrip([1, "two", [3, [4, [5]]], null, true])).toEqual([1, "two", [3, [4, [5]]], null, true]);
    const sixteen = Array.from({ length: 16 }, (_, i) => i * 1000);
    expect(packed(sixteen)[0]).toBe(0xdc);
    expect(roundTrip(sixteen)).toEqual(sixteen);
  });

  test("an array32 (pack recurses per element and overflows the stack first, so built by hand)", () => {
    const big = Array.from({ length: 70_000 }, (_, i) => i % 100);
    const frame = concat(hex("dd 00 01 11 70"), Uint8Array.from(big));
    expect(decodeBinaryPack(frame)).toEqual(big);
  });

  test("nested objects, in key order", () => {
    const value = { nested: { deep: { list: [1, 2, { x: "y" }], flag: true, none: null } }, text: "x", "": 0 };
    const out = roundTrip(value);
    expect(out).toEqual(value);
    expect(Object.keys(out as object)).toEqual(["nested", "text", ""]);
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    expect(packed(wide)[0]).toBe(0xde);
    expect(roundTrip(wide)).toEqual(wide);
  });

  test.each([0, 3, 15, 16, 65535, 65536, 70_000])("ArrayBuffer of %d bytes decodes as an ArrayBuffer copy", (length) => {
    const source = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff);
    const out = roundTrip(source.slice().buffer);
    expect(bytesOf(out)).toEqual([...source]);
  });

  test("a Uint8Array view at an offset decodes as an ArrayBuffer of just the view's bytes", () => {
    const whole = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(bytesOf(roundTrip(whole.subarray(10, 30)))).toEqual([...whole.subarray(10, 30)]);
    const ints = new Int32Array(whole.buffer, 8, 2);
    expect(bytesOf(roundTrip(ints))).toEqual([...whole.subarray(8, 16)]);
  });

  test("binaryViews: binary fields are Uint8Array views into the input, not copies", () => {
    const input = packed({ data: Uint8Array.of(5, 6, 7) });
    const out = decodeBinaryPack(input, { binaryViews: true }) as { data: Uint8Array };
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect([...out.data]).toEqual([5, 6, 7]);
    expect(out.data.buffer).toBe(input.buffer);
    out.data[0] = 9;
    expect(input).toContain(9);
  });

  test("an input that is itself a view at an offset is read from its offset", () => {
    const frame = packed({ a: [1, "b"] });
    const host = new Uint8Array(frame.byteLength + 8).fill(0xff);
    host.set(frame, 5);
    expect(decodeBinaryPack(host.subarray(5, 5 + frame.byteLength))).toEqual({ a: [1, "b"] });
  });
});

describe("protocol.md §3.6 test vectors", () => {
  const vectors: [string, string, unknown][] = [
    ["0", "00", 0],
    ["127", "7f", 127],
    ["128", "cc 80", 128],
    ["256", "cd 01 00", 256],
    ["-1", "ff", -1],
    ["-32", "e0", -32],
    ["-33", "d0 df", -33],
    ["-129", "d1 ff 7f", -129],
    ["65536", "ce 00 01 00 00", 65536],
    ["2^32", "d3 00 00 00 01 00 00 00 00", 2 ** 32],
    ["-2^31", "d2 80 00 00 00", -(2 ** 31)],
    ["0.5", "cb 3f e0 00 00 00 00 00 00", 0.5],
    ["Math.PI", "cb 40 09 21 fb 54 44 2d 18", Math.PI],
    ["true", "c3", true],
    ["false", "c2", false],
    ["null", "c0", null],
    ['""', "b0", ""],
    ['"hello"', "b5 68 65 6c 6c 6f", "hello"],
    ['"café"', "b5 63 61 66 c3 a9", "café"],
    ['"😃"', "b4 f0 9f 98 83", "😃"],
    ['"abcdefghijklmnop"', `d8 00 10 ${ascii("abcdefghijklmnop")}`, "abcdefghijklmnop"],
    ["[]", "90", []],
    ["[1,2]", "92 01 02", [1, 2]],
    ["{}", "80", {}],
    ["{a:1}", "81 b1 61 01", { a: 1 }],
    ["{__peerData:{type:'close'}}", "81 ba 5f5f7065657244617461 81 b4 74797065 b5 636c6f7365", { __peerData: { type: "close" } }],
  ];

  test.each(vectors)("%s", (_name, bytes, value) => {
    expect(decodeBinaryPack(hex(bytes))).toEqual(value);
  });

  test("the encoder we depend on still produces these vectors", () => {
    for (const [, bytes, value] of vectors) expect(packed(value as Packable)).toEqual(hex(bytes));
    expect(packed(undefined)).toEqual(hex("c0"));
  });

  test("binary vectors decode to ArrayBuffers", () => {
    expect(bytesOf(decodeBinaryPack(hex("a3 01 02 03")))).toEqual([1, 2, 3]);
    expect(bytesOf(decodeBinaryPack(hex("a2 08 07")))).toEqual([8, 7]);
    expect(bytesOf(decodeBinaryPack(hex("a4 ff ff ff ff")))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(packed(Uint8Array.of(9, 8, 7, 6).subarray(1, 3))).toEqual(hex("a2 08 07"));
    expect(packed(Int32Array.of(-1))).toEqual(hex("a4 ff ff ff ff"));
  });

  test("the chunk vector: {__peerData:1, n:0, data:<16300 B>, total:3}", () => {
    const data = Uint8Array.from({ length: 16300 }, (_, i) => i & 0xff);
    const frame = concat(
      hex(`84 ba ${ascii("__peerData")} 01 b1 ${ascii("n")} 00 b4 ${ascii("data")} da 3f ac`),
      data,
      hex(`b5 ${ascii("total")} 03`),
    );
    expect(frame.byteLength).toBe(16331);
    const out = decodeBinaryPack(frame) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["__peerData", "n", "data", "total"]);
    expect(out).toMatchObject({ __peerData: 1, n: 0, total: 3 });
    expect(bytesOf(out.data)).toEqual([...data]);
  });

  test("decoder-only tags: float32, uint64, int64, 0xc1 and 0xd4–0xd7 (no payload) read as undefined", () => {
    expect(decodeBinaryPack(hex("ca 3f c0 00 00"))).toBe(1.5);
    expect(decodeBinaryPack(hex("cf 00 00 00 01 00 00 00 02"))).toBe(2 ** 32 + 2);
    expect(decodeBinaryPack(hex("d3 ff ff ff ff ff ff ff fe"))).toBe(-2);
    expect(decodeBinaryPack(hex("d3 ff ff ff ff 7f ff ff ff"))).toBe(-2147483649);
    expect(decodeBinaryPack(hex("c1"))).toBeUndefined();
    expect(decodeBinaryPack(hex("94 c1 d4 d7 01"))).toEqual([undefined, undefined, undefined, 1]);
  });

  test("map keys that are numbers, booleans or nil become property names", () => {
    expect(decodeBinaryPack(hex("83 01 b1 61 c3 02 c0 03"))).toEqual({ "1": "a", true: 2, null: 3 });
  });
});

describe("hostile input", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const samples: Packable[] = [
    300,
    -300,
    70_000,
    -70_000,
    2 ** 40,
    0.1,
    "hello, world",
    "x".repeat(300),
    Uint8Array.of(1, 2, 3, 4, 5),
    new Uint8Array(300),
    [1, [2, [3, "four"]]],
    { a: 1, b: { c: [true, null, "s"] }, d: new Uint8Array(20) },
  ];

  const describeSample = (value: Packable): string =>
    ArrayBuffer.isView(value) ? `${value.byteLength}-byte binary` : JSON.stringify(value).slice(0, 40);

  test.each(samples.map((value) => [describeSample(value), packed(value)] as const))(
    "every truncation of %s throws DecodeError",
    (_name, bytes) => {
      for (let length = 0; length < bytes.byteLength; length++) {
        const error = decodeFailure(bytes.subarray(0, length));
        expect(error.message).toMatch(/frame ends inside a value|exceeds the \d+ bytes left/);
      }
      expect(() => decodeBinaryPack(bytes)).not.toThrow();
    },
  );

  test.each([
    ["str32", "d9 ff ff ff ff 61"],
    ["raw32", "db ff ff ff ff 61"],
    ["str16", "d8 ff ff 61 62"],
    ["raw16", "da 00 03 01 02"],
    ["fixstr", "bf 61"],
    ["fixraw", "af 00"],
    ["array32", "dd ff ff ff ff 01"],
    ["map32", "df ff ff ff ff 01 01"],
    ["array16", "dc 00 05 01 02 03 04"],
    ["fixmap", "82 01 01 02"],
  ])("a %s length beyond the frame throws DecodeError before reading", (_name, bytes) => {
    const decodeText = vi.spyOn(TextDecoder.prototype, "decode");
    const subarray = vi.spyOn(Uint8Array.prototype, "subarray");
    const slice = vi.spyOn(Uint8Array.prototype, "slice");
    const error = decodeFailure(hex(bytes));
    expect(error.message).toMatch(/exceeds the \d+ bytes left/);
    expect(decodeText).not.toHaveBeenCalled();
    expect(subarray).not.toHaveBeenCalled();
    expect(slice).not.toHaveBeenCalled();
  });

  test("a 4 GiB length is refused at once, whatever the frame holds", () => {
    const started = performance.now();
    for (const tag of [0xd9, 0xdb, 0xdd, 0xdf]) {
      const frame = new Uint8Array(1024);
      frame.set([tag, 0xff, 0xff, 0xff, 0xff]);
      expect(decodeFailure(frame).message).toMatch(/exceeds the 1019 bytes left/);
    }
    expect(performance.now() - started).toBeLessThan(100);
  });

  test.each([
    ["arrays", "91"],
    ["maps (as values)", "81 b1 61"],
    ["maps (as keys)", "81"],
  ])("nesting 100000 %s deep throws DecodeError, not a stack overflow", (_name, unit) => {
    const one = hex(unit);
    const frame = new Uint8Array(one.byteLength * 100_000 + 1);
    for (let i = 0; i < 100_000; i++) frame.set(one, i * one.byteLength);
    expect(decodeFailure(frame).message).toMatch(/nesting deeper than 512/);
  });

  test("maxDepth bounds arrays and maps exactly", () => {
    const threeDeep = hex("91 91 91 01");
    expect(decodeBinaryPack(threeDeep, { maxDepth: 3 })).toEqual([[[1]]]);
    expect(decodeFailure(threeDeep, { maxDepth: 2 }).message).toMatch(/nesting deeper than 2/);
    const fiveHundredTwelve = concat(new Uint8Array(512).fill(0x91), hex("01"));
    expect(() => decodeBinaryPack(fiveHundredTwelve)).not.toThrow();
    expect(decodeFailure(concat(hex("91"), fiveHundredTwelve)).message).toMatch(/nesting/);
  });

  test("__proto__, constructor and prototype keys become own properties of a plain object", () => {
    const originalToString = Object.prototype.toString;
    const payload = packed({ polluted: "yes", toString: "evil" });
    const frame = concat(
      hex("84"),
      packed("__proto__"),
      payload,
      packed("constructor"),
      packed({ prototype: { polluted: "yes" } }),
      packed("prototype"),
      payload,
      packed("inner"),
      hex("81"),
      packed("__proto__"),
      packed([1, 2]),
    );
    const out = decodeBinaryPack(frame) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "constructor", "prototype", "inner"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: "yes", toString: "evil" });
    expect(out.constructor).toEqual({ prototype: { polluted: "yes" } });
    expect(out.prototype).toEqual({ polluted: "yes", toString: "evil" });
    expect(out.polluted).toBeUndefined();
    const inner = out.inner as Record<string, unknown>;
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(inner, "__proto__")?.value).toEqual([1, 2]);
    expect(Array.isArray(inner)).toBe(false);

    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(Object.prototype.toString).toBe(originalToString);
    expect(probe.toString()).toBe("[object Object]");
    expect({}.constructor).toBe(Object);
    expect(Object.prototype.constructor).toBe(Object);
  });

  test("__proto__ with a null or primitive value keeps the object's prototype", () => {
    for (const value of [null, 1, "x", true] as Packable[]) {
      const out = decodeBinaryPack(concat(hex("81"), packed("__proto__"), packed(value))) as object;
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toBe(value);
      expect(JSON.stringify(out)).toBe(JSON.stringify(Object.fromEntries([["__proto__", value]])));
    }
  });

  test("a map key that is an array or map throws DecodeError", () => {
    expect(decodeFailure(hex("81 90 01")).message).toMatch(/map key/);
    expect(decodeFailure(hex("81 80 01")).message).toMatch(/map key/);
    expect(decodeFailure(hex("81 a1 00 01")).message).toMatch(/map key/);
  });

  test("trailing bytes after the value throw DecodeError", () => {
    expect(decodeFailure(hex("00 00")).message).toMatch(/1 trailing bytes/);
    expect(decodeFailure(concat(packed({ a: [1, 2] }), hex("c0 c0 c0"))).message).toMatch(/3 trailing bytes/);
    expect(decodeFailure(concat(packed(Uint8Array.of(1)), hex("ff"))).message).toMatch(/trailing/);
  });

  test("an empty frame throws DecodeError", () => {
    expect(decodeFailure(new Uint8Array(0)).message).toMatch(/frame ends inside a value/);
  });
});
