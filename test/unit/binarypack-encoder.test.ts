import { describe, expect, test } from "vitest";
import { pack, unpack, type Packable } from "peerjs-js-binarypack";
import { BinaryPackEncodeError, encodeBinaryPack, MAX_DEPTH, NeedsAsync } from "../../worker/codec/binarypack-encoder.js";
import { decodeBinaryPack } from "../../worker/codec/binarypack-decoder.js";
import { dataSets } from "../fixtures/peerjs-datasets.js";

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/** "cc 80" → "cc80". */
const hex = (text: string): string => text.replace(/\s+/g, "").toLowerCase();
const asciiHex = (text: string): string => Buffer.from(text, "utf8").toString("hex");
/** The string a UTF-8 round trip gives: lone surrogates become U+FFFD. */
const wellFormed = (text: string): string => new TextDecoder().decode(new TextEncoder().encode(text));

type Outcome = { ok: true; bytes: Uint8Array } | { ok: false; error: unknown };

function libraryPack(value: unknown): Outcome {
  try {
    const packed = pack(value as Packable);
    if (packed instanceof Promise) throw new Error("the library went asynchronous");
    return { ok: true, bytes: new Uint8Array(packed) };
  } catch (error) {
    return { ok: false, error };
  }
}

function ourPack(value: unknown, options?: { maxDepth: number }): Outcome {
  try {
    return { ok: true, bytes: encodeBinaryPack(value, options) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Same bytes as the library, or a BinaryPackEncodeError where the library throws. */
function expectSameAsLibrary(value: unknown, label = ""): void {
  const library = libraryPack(value);
  const ours = ourPack(value);
  if (!library.ok) {
    if (ours.ok)
      throw new Error(`${label}: the library throws (${String(library.error)}) but we encoded ${toHex(ours.bytes).slice(0, 200)}`);
    expect(ours.error, label).toBeInstanceOf(BinaryPackEncodeError);
    return;
  }
  if (!ours.ok) throw new Error(`${label}: the library encodes but we threw ${String(ours.error)}`);
  if (Buffer.compare(Buffer.from(ours.bytes), Buffer.from(library.bytes)) !== 0) {
    expect(toHex(ours.bytes).slice(0, 4000), label).toBe(toHex(library.bytes).slice(0, 4000));
    expect(ours.bytes.byteLength, label).toBe(library.bytes.byteLength);
  }
  // Exactly sized, owning its buffer, as the library's ArrayBuffer.
  expect(ours.bytes.byteOffset).toBe(0);
  expect(ours.bytes.buffer.byteLength).toBe(ours.bytes.byteLength);
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
}

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
  get length(): number {
    return Math.hypot(this.x, this.y);
  }
}
class Point3 extends Point {
  z = 3;
}
class List extends Array<unknown> {}

describe("protocol.md §3.6 test vectors", () => {
  const big = new Uint8Array(16300).map((_, i) => i * 7);
  const vectors: [unknown, string][] = [
    [0, "00"],
    [127, "7f"],
    [128, "cc 80"],
    [256, "cd 01 00"],
    [-1, "ff"],
    [-32, "e0"],
    [-33, "d0 df"],
    [-129, "d1 ff 7f"],
    [65536, "ce 00 01 00 00"],
    [2 ** 32, "d3 00 00 00 01 00 00 00 00"],
    [-(2 ** 31), "d2 80 00 00 00"],
    [0.5, "cb 3f e0 00 00 00 00 00 00"],
    [Math.PI, "cb 40 09 21 fb 54 44 2d 18"],
    [true, "c3"],
    [false, "c2"],
    [null, "c0"],
    [undefined, "c0"],
    ["", "b0"],
    ["hello", "b5 68 65 6c 6c 6f"],
    ["café", "b5 63 61 66 c3 a9"],
    ["😃", "b4 f0 9f 98 83"],
    ["abcdefghijklmnop", "d8 00 10" + asciiHex("abcdefghijklmnop")],
    [[], "90"],
    [[1, 2], "92 01 02"],
    [{}, "80"],
    [{ a: 1 }, "81 b1 61 01"],
    [Uint8Array.of(1, 2, 3).buffer, "a3 01 02 03"],
    [new Uint8Array(Uint8Array.of(9, 8, 7, 6).buffer, 1, 2), "a2 08 07"],
    [Int32Array.of(-1), "a4 ff ff ff ff"],
    [{ __peerData: { type: "close" } }, "81 ba 5f5f7065657244617461 81 b4 74797065 b5 636c6f7365"],
    [
      { __peerData: 1, n: 0, data: big, total: 3 },
      `84 ba ${asciiHex("__peerData")} 01 b1 ${asciiHex("n")} 00 b4 ${asciiHex("data")} da 3f ac ${toHex(big)} b5 ${asciiHex("total")} 03`,
    ],
  ];
  test.each(vectors.map(([value, bytes], i) => [i, value, bytes] as const))("vector %i", (_, value, bytes) => {
    expect(toHex(encodeBinaryPack(value))).toBe(hex(bytes));
    expectSameAsLibrary(value);
  });

  test("the chunk vector is 16331 bytes", () => {
    expect(encodeBinaryPack({ __peerData: 1, n: 0, data: new Uint8Array(16300), total: 3 }).byteLength).toBe(16331);
  });
});

describe("peerjs e2e data sets", () => {
  const syncSets = Object.entries(dataSets).filter(([name]) => name !== "blobs" && name !== "files");
  test.each(syncSets)("%s: every value, and the whole set as one array", (name, make) => {
    const values = make();
    values.forEach((value, i) => expectSameAsLibrary(value, `${name}[${i}]`));
    expectSameAsLibrary(values, name);
  });

  test.each(["blobs", "files"] as const)("%s signal NeedsAsync", (name) => {
    for (const value of dataSets[name]()) expect(thrown(() => encodeBinaryPack(value))).toBeInstanceOf(NeedsAsync);
  });
});

describe("numbers", () => {
  const justBelowPowersOfTwo = [1, 10, 20, 30, 40, 50, 52].map((k) => 2 ** k - 2 ** (k - 53));
  const numbers = [
    0,
    -0,
    1,
    -1,
    15,
    16,
    31,
    32,
    -31,
    -32,
    -33,
    127,
    128,
    255,
    256,
    -127,
    -128,
    -129,
    -255,
    -256,
    0x7fff,
    0x8000,
    0xffff,
    0x10000,
    -0x8000,
    -0x8001,
    0x7fffffff,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    -(2 ** 31),
    -(2 ** 31) - 1,
    -(2 ** 32),
    -(2 ** 32) - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    2 ** 60,
    -(2 ** 60),
    2 ** 62,
    2 ** 63,
    -(2 ** 63),
    2 ** 63 + 2 ** 11,
    2 ** 64 - 2 ** 12,
    2 ** 64,
    -(2 ** 63) - 2 ** 11,
    2 ** 64 + 2 ** 12,
    1e20,
    -1e20,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    Infinity,
    -Infinity,
    NaN,
    -NaN,
    0.5,
    -0.5,
    0.1,
    -0.1,
    1.5,
    Math.PI,
    -Math.PI,
    Math.E,
    1e-300,
    -1e-300,
    1e-10,
    123456.789,
    2 ** 52 - 0.5,
    -(2 ** 52) + 0.5,
    Number.EPSILON,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1e-310,
    ...justBelowPowersOfTwo,
    ...justBelowPowersOfTwo.map((x) => -x),
    1 - 2 ** -53,
    0.9999999999999999,
  ];
  test.each(numbers.map((n) => [Object.is(n, -0) ? "-0" : String(n), n] as const))("%s", (_, value) => {
    expectSameAsLibrary(value);
    expectSameAsLibrary([value, { v: value }]);
  });

  test("the library's quirks, reproduced", () => {
    expect(toHex(encodeBinaryPack(-0))).toBe("00");
    expect(toHex(encodeBinaryPack(NaN))).toBe("cb0000000000000000");
    expect(toHex(encodeBinaryPack(2 ** 63))).toBe("d38000000000000000");
    expect(toHex(encodeBinaryPack(2 ** 64))).toBe("cf0000000000000000");
    expect(toHex(encodeBinaryPack(2 ** 31))).toBe("ce80000000");
    expect(toHex(encodeBinaryPack(-(2 ** 31) - 1))).toBe("d3ffffffff7fffffff");
    expect(toHex(encodeBinaryPack(2 ** 53))).toBe("d30020000000000000");
    // Math.log rounds the exponent of the largest double below many powers of two up: 8 + 2^-29 arrives.
    expect(toHex(encodeBinaryPack(7.999999999999999))).toBe("cb40200000ffffffff");
    expect(toHex(encodeBinaryPack(Number.MIN_VALUE))).toBe("cbfcd0000000000000");
  });

  test.each([Infinity, -Infinity, 1e20, -1e20, Number.MAX_VALUE, 2 ** 64 + 2 ** 12, -(2 ** 63) - 2 ** 11])(
    "%d throws Invalid integer, as the library",
    (value) => {
      expect(libraryPack(value).ok).toBe(false);
      const error = thrown(() => encodeBinaryPack(value)) as Error;
      expect(error).toBeInstanceOf(BinaryPackEncodeError);
      expect(error.message).toBe("Invalid integer");
    },
  );
});

describe("strings", () => {
  const strings = [
    "",
    "a",
    "hello",
    "café",
    "中文",
    "😃",
    "broccoli🥦līp𨋢grin😃ok",
    "\u{10ffff}",
    "\u0000",
    "\u007f",
    "\u0080",
    "\u07ff",
    "\u0800",
    "\uffff",
    "\ud800",
    "\udc00",
    "a\ud800b",
    "\udc00\ud800",
    "\ud83d",
    "x\ud83dy\ude03z",
    "\ud800".repeat(6),
    "é".repeat(7),
    "中".repeat(5),
    "中".repeat(6),
    "a".repeat(15),
    "a".repeat(16),
    "a".repeat(63),
    "a".repeat(64),
    "a".repeat(65),
    "a".repeat(255),
    "a".repeat(256),
    "é".repeat(7) + "a",
    "é".repeat(8),
    "a".repeat(62) + "é",
    "a".repeat(63) + "é",
    "é" + "a".repeat(70),
    "a".repeat(0xffff),
    "a".repeat(0x10000),
    "é".repeat(0x7fff) + "a",
    "é".repeat(0x8000),
    "中".repeat(21845),
    "中".repeat(21846),
    "a".repeat(0xfffe) + "é",
    "a".repeat(0xffff) + "é",
    "中".repeat(30000),
    "😃".repeat(20000),
    "a".repeat(65536) + "中",
    "x".repeat(70_000),
    "aé中🥦".repeat(14_000),
    "ThisIsÁTèstString".repeat(5000),
  ];
  test.each(strings.map((s) => [s.length, JSON.stringify(s.slice(0, 12)), s] as const))("length %i %s", (_, __, value) => {
    expectSameAsLibrary(value);
    expect(decodeBinaryPack(encodeBinaryPack(value))).toBe(wellFormed(value));
    expectSameAsLibrary({ [value.slice(0, 40)]: value });
  });

  test("every length up to 70 units, mixing ASCII, 2-, 3- and 4-byte characters and lone surrogates", () => {
    const units = [
      "a",
      "~",
      "\u007f",
      "\u0080",
      "é",
      "\u07ff",
      "\u0800",
      "中",
      "\uffff",
      "😃",
      "\u{10ffff}",
      "\ud800",
      "\udbff",
      "\udc00",
      "\udfff",
    ];
    let seed = 12345;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let length = 0; length <= 70; length++) {
      for (let sample = 0; sample < 40; sample++) {
        let text = "";
        const asciiOnly = sample < 5;
        while (text.length < length) text += asciiOnly ? "x" : (units[next(units.length)] as string);
        text = text.slice(0, length); // may split a surrogate pair: a lone surrogate at the end
        expectSameAsLibrary(text, JSON.stringify(text));
        // And back through our decoder (its short strings are read as ASCII in JavaScript first).
        expect(decodeBinaryPack(encodeBinaryPack(text))).toBe(wellFormed(text));
      }
    }
  });

  test("lone surrogates become U+FFFD, as TextEncoder", () => {
    expect(toHex(encodeBinaryPack("\ud800"))).toBe("b3efbfbd");
  });
});

describe("binary, dates, objects", () => {
  const buffer = Uint8Array.from({ length: 80_000 }, (_, i) => (i * 13) & 0xff).buffer;
  const values: [string, unknown][] = [
    ["empty ArrayBuffer", new ArrayBuffer(0)],
    ["ArrayBuffer 15", buffer.slice(0, 15)],
    ["ArrayBuffer 16", buffer.slice(0, 16)],
    ["ArrayBuffer 65535", buffer.slice(0, 65535)],
    ["ArrayBuffer 65536", buffer.slice(0, 65536)],
    ["ArrayBuffer 80000", buffer],
    ["Uint8Array view at 3", new Uint8Array(buffer, 3, 20)],
    ["Uint8Array view at 70000", new Uint8Array(buffer, 70_000)],
    ["Int16Array view", new Int16Array(buffer, 10, 9)],
    ["Float64Array view", new Float64Array(buffer, 16, 3)],
    ["Float32Array", Float32Array.of(1.5, NaN, -Infinity)],
    ["BigInt64Array", BigInt64Array.of(-1n, 2n ** 62n)],
    ["Uint8ClampedArray", Uint8ClampedArray.of(0, 255)],
    ["Buffer", Buffer.from("hello")],
    ["{BYTES_PER_ELEMENT: 1}", { BYTES_PER_ELEMENT: 1 }],
    ["Date 2024", new Date(Date.UTC(2024, 1, 1, 1, 1, 1, 1))],
    ["Date 0", new Date(0)],
    ["invalid Date", new Date(Number.NaN)],
    ["nested", { a: [1, { b: [2, [3, [4, { c: "deep" }]]] }], d: null, e: undefined, f: true, g: false }],
    ["class instance", new Point(1, 2)],
    ["subclass instance", new Point3(1, 2)],
    ["Array subclass", List.from([1, "two", null])],
    ["holes", [1, , 3]], // eslint-disable-line no-sparse-arrays
    ["integer-like keys", { b: 1, 2: "two", a: 3, 1: "one", "-1": 0 }],
    ["Object.create({})", Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 })],
    ["non-enumerable key", Object.defineProperty({ shown: 1 }, "hidden", { value: 2, enumerable: false })],
    ["symbol key", { [Symbol("s")]: 1, plain: 2 }],
    ["own constructor string starting with class", { constructor: "classy", x: 1 }],
    ["16 keys", Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]))],
    ["70000 keys? no: 5000 keys", Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`, i]))],
    ["16 elements", Array.from({ length: 16 }, (_, i) => i)],
    ["5000 elements", Array.from({ length: 5000 }, (_, i) => i * 1000)],
    ["e2e-like object", { i: 7, s: "hello", a: [1, 2, 3] }],
  ];
  test.each(values)("%s", (_, value) => expectSameAsLibrary(value));

  test.each([
    ["Map", new Map([[1, 2]])],
    ["Set", new Set([1])],
    ["RegExp", /x/],
    ["Error", new Error("x")],
    ["function", () => 1],
    ["bigint", 10n],
    ["symbol", Symbol("s")],
    ["Object.create(null)", Object.create(null) as object],
    ["DataView", new DataView(new ArrayBuffer(4))],
    ["SharedArrayBuffer", new SharedArrayBuffer(4)],
    ["Promise", Promise.resolve(1)],
    ["WeakMap", new WeakMap()],
    ["own constructor number", { constructor: 5 }],
    ["nested Map", { when: new Map() }],
    ["Map in an array before a Blob", [new Map(), new Blob(["x"])]],
    ["function in a class instance", Object.assign(new Point(1, 2), { f: () => 1 })],
  ] as [string, unknown][])("%s throws, as the library", (_, value) => {
    expectSameAsLibrary(value);
    expect(thrown(() => encodeBinaryPack(value))).toBeInstanceOf(BinaryPackEncodeError);
  });

  test("a Blob or File anywhere signals NeedsAsync", () => {
    const blob = new Blob([Uint8Array.of(1, 2, 3)]);
    const file = new File(["x"], "x.txt");
    for (const value of [blob, file, [1, 2, blob], { a: { b: [file] } }]) {
      expect(thrown(() => encodeBinaryPack(value))).toBeInstanceOf(NeedsAsync);
    }
  });

  test("what the library would refuse after a Blob is refused at once, not left to its asynchronous pack", async () => {
    const value = [new Blob(["x"]), new Map()];
    expect(thrown(() => encodeBinaryPack(value))).toBeInstanceOf(BinaryPackEncodeError);
    await expect(pack(value as Packable) as Promise<unknown>).rejects.toThrow(/not yet supported/);
  });

  test("a Date's toString that encodes again (re-entry) gets its own buffer", () => {
    const date = new Date(0);
    date.toString = () => {
      encodeBinaryPack({ inner: "x".repeat(1000) });
      return "outer";
    };
    const value = { before: "a".repeat(300), date, after: [1, 2, 3] };
    expectSameAsLibrary(value);
  });

  test("the scratch buffer grows for a large value and later results are still exact", () => {
    const large = new Uint8Array(3 << 20).fill(7);
    const out = encodeBinaryPack({ large });
    expect(out.byteLength).toBe(1 + 6 + 5 + large.byteLength);
    expect(out[out.byteLength - 1]).toBe(7);
    const small = encodeBinaryPack([1, "x"]);
    expect(toHex(small)).toBe("9201b178");
    expect(small.buffer.byteLength).toBe(4);
    expect(toHex(out.subarray(0, 12))).toBe(`81b5${asciiHex("large")}db00300000`);
  });
});

describe("nesting and size limits", () => {
  function nestedArrays(depth: number): unknown {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }

  test("with a higher maxDepth, nesting 1000 deep encodes as the library does", () => {
    const value = nestedArrays(1000);
    expect(toHex(encodeBinaryPack(value, { maxDepth: 1000 }))).toBe("91".repeat(1000) + "01");
    expect(libraryPack(value)).toMatchObject({ ok: true, bytes: encodeBinaryPack(value, { maxDepth: 1000 }) });
    let object: unknown = "leaf";
    for (let i = 0; i < 1000; i++) object = { k: object };
    expect(libraryPack(object)).toMatchObject({ ok: true, bytes: encodeBinaryPack(object, { maxDepth: 1000 }) });
  });

  test(`the default bound is the decoder's: ${MAX_DEPTH} levels encode and decode, one more is refused by both`, () => {
    const deepest = encodeBinaryPack(nestedArrays(MAX_DEPTH));
    expect(decodeBinaryPack(deepest)).toEqual(nestedArrays(MAX_DEPTH));
    expect(thrown(() => encodeBinaryPack(nestedArrays(MAX_DEPTH + 1)))).toBeInstanceOf(BinaryPackEncodeError);
    const tooDeep = encodeBinaryPack(nestedArrays(MAX_DEPTH + 1), { maxDepth: MAX_DEPTH + 1 });
    expect(() => decodeBinaryPack(tooDeep)).toThrow(`nesting deeper than ${MAX_DEPTH}`);
    // A Blob inside does not let a too-deep value through to the library's asynchronous pack.
    expect(thrown(() => encodeBinaryPack([new Blob(["x"]), nestedArrays(MAX_DEPTH)]))).toBeInstanceOf(BinaryPackEncodeError);
  });

  test("deeper still: encodes or throws BinaryPackEncodeError, never a RangeError", () => {
    for (const depth of [2000, 3000, 5000, 8000, 12000]) {
      const outcome = ourPack(nestedArrays(depth), { maxDepth: 20_000 });
      if (outcome.ok) expect(toHex(outcome.bytes)).toBe("91".repeat(depth) + "01");
      else expect(outcome.error).toBeInstanceOf(BinaryPackEncodeError);
    }
  });

  test(`nesting beyond ${MAX_DEPTH} (and cycles) throw BinaryPackEncodeError, not a RangeError`, () => {
    const error = thrown(() => encodeBinaryPack(nestedArrays(MAX_DEPTH + 5))) as Error;
    expect(error).toBeInstanceOf(BinaryPackEncodeError);
    expect(error.message).toMatch(/nested|cyclic/);
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(thrown(() => encodeBinaryPack(cycle))).toBeInstanceOf(BinaryPackEncodeError);
    const object: Record<string, unknown> = { a: 1 };
    object.self = { back: object };
    expect(thrown(() => encodeBinaryPack(object))).toBeInstanceOf(BinaryPackEncodeError);
    expect(libraryPack(cycle).ok).toBe(false);
  });

  test("arrays and maps past the library's stack limit (~10^4 elements) encode as it would", () => {
    const n = 100_000;
    expect(libraryPack(new Array(n).fill(0)).ok).toBe(false);
    const array = encodeBinaryPack(new Array(n).fill(0));
    expect(toHex(array.subarray(0, 5))).toBe("dd000186a0");
    expect(array.byteLength).toBe(5 + n);
    expect((decodeBinaryPack(array) as unknown[]).length).toBe(n);
    expect((unpack(array.slice().buffer) as unknown[]).length).toBe(n);
    const keys = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i % 100]));
    const map = encodeBinaryPack(keys);
    expect(toHex(map.subarray(0, 3))).toBe("df0001");
    expect(decodeBinaryPack(map)).toEqual(keys);
  });
});

/** Deterministic values of every kind the library accepts, and some it refuses. */
function randomValues(seed: number, count: number): unknown[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const scratch = new DataView(new ArrayBuffer(8));
  const boundaries = [
    0,
    1,
    15,
    16,
    31,
    32,
    127,
    128,
    255,
    256,
    32767,
    32768,
    65535,
    65536,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    2 ** 63,
    2 ** 64,
  ];

  function number(): number {
    switch (int(8)) {
      case 0:
        return int(256) - 128;
      case 1:
        return (pick(boundaries) + int(5) - 2) * (next() < 0.5 ? -1 : 1);
      case 2:
        return Math.floor((next() - 0.5) * 2 ** (int(64) + 1));
      case 3:
        return (next() - 0.5) * 10 ** (int(40) - 20);
      case 4: {
        scratch.setUint32(0, int(2 ** 32));
        scratch.setUint32(4, int(2 ** 32));
        return scratch.getFloat64(0); // any bit pattern: subnormals, NaN, huge
      }
      case 5:
        return 2 ** (int(104) - 52) * (1 - 2 ** -53) * (next() < 0.5 ? -1 : 1);
      case 6:
        return pick([0, -0, NaN, Infinity, -Infinity, 0.5, Math.PI]);
      default:
        return int(2 ** 20) / 8;
    }
  }
  function codeUnit(): string {
    switch (int(6)) {
      case 0:
      case 1:
        return String.fromCharCode(32 + int(95));
      case 2:
        return String.fromCharCode(0x80 + int(0x780));
      case 3:
        return String.fromCharCode(0x800 + int(0xd000));
      case 4:
        return String.fromCodePoint(0x10000 + int(0x100000));
      default:
        return String.fromCharCode(0xd800 + int(0x800)); // lone surrogates
    }
  }
  function string(): string {
    const length = pick([0, 1, 5, 14, 15, 16, 17, 30, 47, 63, 64, 65, 100, int(300)]);
    if (next() < 0.5) return Array.from({ length }, () => String.fromCharCode(32 + int(95))).join("");
    return Array.from({ length }, codeUnit).join("");
  }
  function binary(): unknown {
    const length = pick([0, 1, 15, 16, 17, 100, int(300), next() < 0.2 ? 65_536 + int(4000) : int(3000)]);
    const offset = int(16);
    const bytes = new Uint8Array(length + offset + 8);
    let x = int(2 ** 31) | 1;
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x;
    }
    switch (int(5)) {
      case 0:
        return bytes.buffer.slice(offset, offset + length);
      case 1:
        return new Uint8Array(bytes.buffer, offset, length);
      case 2:
        return new Int16Array(bytes.buffer.slice(0, 2 * (length >> 1) + 8), 2 * int(4), length >> 2);
      case 3:
        return new Float64Array(bytes.buffer.slice(0, 8 * ((length >> 3) + 1)));
      default:
        return new Int32Array(bytes.buffer.slice(0, 4 * ((length >> 2) + 1)), 4, length >> 2);
    }
  }
  function value(depth: number): unknown {
    const roll = int(depth > 3 ? 8 : 11);
    switch (roll) {
      case 0:
      case 1:
        return number();
      case 2:
      case 3:
        return string();
      case 4:
        return pick([true, false, null, undefined]);
      case 5:
        return next() < 0.9 ? binary() : new Date(int(2 ** 42) - 2 ** 41);
      case 6:
        return next() < 0.97 ? new Point(number(), number()) : pick<unknown>([new Map(), new Set(), 10n, () => 0]);
      case 7:
        return int(2 ** 31);
      case 8:
        return Array.from({ length: pick([0, 1, 2, 3, 5, 15, 16, 17, int(20)]) }, () => value(depth + 1));
      default: {
        const out: Record<string, unknown> = {};
        const keys = pick([0, 1, 2, 3, 5, 15, 16, 17, int(20)]);
        for (let i = 0; i < keys; i++) {
          const key = next() < 0.2 ? String(int(1000)) : string();
          if (key === "__proto__") continue;
          out[key] = value(depth + 1);
        }
        return out;
      }
    }
  }
  return Array.from({ length: count }, () => value(0));
}

describe("seeded random values", () => {
  test.each([1, 2, 3, 4, 5])("seed %i: 1200 nested values encode as the library does", (seed) => {
    const values = randomValues(seed * 7919, 1200);
    let refused = 0;
    values.forEach((value, i) => {
      expectSameAsLibrary(value, `seed ${seed} value ${i}`);
      if (!libraryPack(value).ok) refused++;
    });
    expect(refused).toBeLessThan(values.length / 2);
  });
});
