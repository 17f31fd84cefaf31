import { describe, expect, test } from "vitest";
import { pack, type Packable } from "peerjs-js-binarypack";
import { DecodeError } from "../../worker/codec/binarypack-decoder.js";
import { frameChunks } from "../../worker/codec/chunker.js";
import { codecFor, EncodeError, type Decoded, type Encoded } from "../../worker/codec/serialization.js";

const binary = codecFor("binary");
const json = codecFor("json");
const raw = codecFor("raw");

const utf8 = new TextEncoder();
const CLOSE = { __peerData: { type: "close" } };

/** A channel message as the data channel hands it over: its own ArrayBuffer. */
function wire(encoded: Encoded): ArrayBuffer {
  if (typeof encoded === "string") throw new Error("expected bytes, got text");
  return encoded.slice().buffer;
}

function sync(encoded: Encoded | Promise<Encoded>): Encoded {
  if (encoded instanceof Promise) throw new Error("expected a synchronous encoding");
  return encoded;
}

function dataOf(frame: Decoded): unknown {
  if (frame.kind !== "data") throw new Error(`expected a data frame, got ${frame.kind}`);
  return frame.value;
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
}

const structured: unknown[] = [
  "hello",
  "",
  "café 中文 🥦 broccoli🥦līp𨋢grin😃ok",
  0,
  -1,
  3.14159,
  2147483647,
  -(2 ** 31),
  true,
  false,
  null,
  [1, "two", [3, { four: 4 }]],
  { nested: { deep: { list: [1, 2, 3], flag: true, none: null } }, text: "x" },
];

describe("binary", () => {
  test.each(structured.map((value) => [value]))("%j round trips, as the bytes pack writes", (value) => {
    const encoded = sync(binary.encode(value));
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect(encoded).toEqual(new Uint8Array(pack(value as Packable) as ArrayBuffer));
    expect(binary.decode(wire(encoded))).toEqual({ kind: "data", value });
  });

  test("binary values come back as ArrayBuffers holding the view's bytes", () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i);
    const value = dataOf(binary.decode(wire(sync(binary.encode({ whole: bytes.buffer, view: bytes.subarray(3, 9) })))));
    const { whole, view } = value as { whole: unknown; view: unknown };
    expect(whole).toBeInstanceOf(ArrayBuffer);
    expect(view).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(whole as ArrayBuffer)]).toEqual([...bytes]);
    expect([...new Uint8Array(view as ArrayBuffer)]).toEqual([3, 4, 5, 6, 7, 8]);
  });

  test("a user map that starts like a chunk (4 keys, 10-char first key) still gets ArrayBuffers", () => {
    for (const first of ["__metadata", "__peerData"]) {
      const sent = { [first]: 0, bin: Uint8Array.of(1, 2), b: 2, c: 3 };
      const value = dataOf(binary.decode(wire(sync(binary.encode(sent))))) as Record<string, unknown>;
      expect(value[first]).toBe(0);
      expect(value.bin).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(value.bin as ArrayBuffer)]).toEqual([1, 2]);
    }
    const tricky = { __metadata: Uint8Array.of(9), a: 1, b: 2, c: 3 };
    const value = dataOf(binary.decode(wire(sync(binary.encode(tricky))))) as Record<string, unknown>;
    expect(value.__metadata).toBeInstanceOf(ArrayBuffer);
  });

  test("a chunk frame decodes to kind chunk, its data a view of the frame", () => {
    const message = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 31) & 0xff);
    const batch = frameChunks(message, 12, 1, 1);
    const frame = binary.decode(batch.bytes);
    expect(frame.kind).toBe("chunk");
    if (frame.kind !== "chunk") return;
    expect(frame.chunk).toMatchObject({ messageId: 12, n: 1, total: 3 });
    expect(frame.chunk.data).toBeInstanceOf(Uint8Array);
    expect(frame.chunk.data.buffer).toBe(batch.bytes);
    expect(Buffer.from(frame.chunk.data).equals(message.subarray(16300, 32600))).toBe(true);
  });

  test("a __peerData frame that is neither close nor a well-formed chunk throws DecodeError", () => {
    const bad: Packable[] = [
      { __peerData: "x" },
      { __peerData: { type: "open" } },
      { __peerData: 1, n: 0, data: Uint8Array.of(1), total: -1 },
      { __peerData: 1, n: 0.5, data: Uint8Array.of(1), total: 2 },
      { __peerData: 1, n: 0, data: "not binary", total: 1 },
      { __peerData: 1, n: 0, data: Uint8Array.of(1) },
      { __peerData: [1], n: 0, data: Uint8Array.of(1), total: 1 },
    ];
    for (const value of bad) {
      const error = thrown(() => binary.decode(pack(value) as ArrayBuffer));
      expect(error).toBeInstanceOf(DecodeError);
      expect(error.message).toMatch(/neither a close nor a well-formed chunk/);
    }
  });

  test("a falsy __peerData is plain data, as in peerjs", () => {
    expect(binary.decode(pack({ __peerData: 0, x: 1 }) as ArrayBuffer)).toEqual({ kind: "data", value: { __peerData: 0, x: 1 } });
  });

  test("a top-level undefined encodes as the single byte 0xc1 and decodes as undefined", () => {
    const encoded = sync(binary.encode(undefined));
    expect(encoded).toEqual(Uint8Array.of(0xc1));
    expect(binary.decode(wire(encoded))).toEqual({ kind: "data", value: undefined });
    expect(dataOf(binary.decode(wire(sync(binary.encode([undefined])))))).toEqual([null]);
  });

  test("a Blob anywhere inside makes encode return a Promise of the packed bytes", async () => {
    const blob = new Blob([Uint8Array.of(4, 5, 6)]);
    const encoded = binary.encode({ name: "b", blob });
    expect(encoded).toBeInstanceOf(Promise);
    const bytes = await encoded;
    const value = dataOf(binary.decode(wire(bytes))) as { name: string; blob: ArrayBuffer };
    expect(value.name).toBe("b");
    expect([...new Uint8Array(value.blob)]).toEqual([4, 5, 6]);
    const top = await binary.encode(blob);
    expect(top).toEqual(Uint8Array.of(0xa3, 4, 5, 6));
  });

  test("values BinaryPack cannot carry throw EncodeError", () => {
    const refused: unknown[] = [new Map(), new Set([1]), () => 1, Symbol("s"), 10n, Infinity, { when: new Map() }];
    for (const value of refused) expect(thrown(() => binary.encode(value))).toBeInstanceOf(EncodeError);
  });

  test("a 100000-element array encodes (the library's pack recurses per element and overflows on it)", () => {
    const encoded = sync(binary.encode(new Array(100_000).fill(0)));
    expect(wire(encoded).byteLength).toBe(5 + 100_000);
    expect(dataOf(binary.decode(wire(encoded)))).toEqual(new Array(100_000).fill(0));
  });

  test("a cyclic value is an EncodeError, not a crash", () => {
    const cycle: unknown[] = [1];
    cycle.push({ back: cycle });
    const error = thrown(() => binary.encode(cycle));
    expect(error).toBeInstanceOf(EncodeError);
    expect(error.message).toMatch(/cannot encode.*(nested|cyclic)/);
  });

  test("a text frame on a binary connection throws DecodeError", () => {
    expect(thrown(() => binary.decode("hello"))).toBeInstanceOf(DecodeError);
  });

  test("garbage throws DecodeError", () => {
    expect(thrown(() => binary.decode(Uint8Array.of(0xd9, 0, 0, 0, 9).buffer))).toBeInstanceOf(DecodeError);
    expect(thrown(() => binary.decode(new ArrayBuffer(0)))).toBeInstanceOf(DecodeError);
  });

  test("decodeAssembled reads a whole message with ArrayBuffer binaries", () => {
    const bytes = new Uint8Array(pack({ data: Uint8Array.of(1, 2, 3) }) as ArrayBuffer);
    const value = binary.decodeAssembled(bytes) as { data: unknown };
    expect(value.data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(value.data as ArrayBuffer)]).toEqual([1, 2, 3]);
  });
});

describe("close frames", () => {
  test("binary: equals pack({__peerData:{type:'close'}}) and decodes as close", () => {
    const frame = binary.closeFrame as Uint8Array;
    expect(frame).toEqual(new Uint8Array(pack(CLOSE) as ArrayBuffer));
    expect(Buffer.from(frame).toString("hex")).toBe("81ba5f5f706565724461746181b474797065b5636c6f7365");
    expect(binary.decode(frame.slice().buffer)).toEqual({ kind: "close" });
  });

  test("json: equals the JSON text's UTF-8 bytes and decodes as close, as bytes or text", () => {
    const frame = json.closeFrame as Uint8Array;
    expect(frame).toEqual(utf8.encode('{"__peerData":{"type":"close"}}'));
    expect(json.decode(frame.slice().buffer)).toEqual({ kind: "close" });
    expect(json.decode('{"__peerData":{"type":"close"}}')).toEqual({ kind: "close" });
  });

  test("raw has none (peerjs sends '[object Object]')", () => {
    expect(raw.closeFrame).toBeUndefined();
  });
});

describe("json", () => {
  test.each(structured.map((value) => [value]))("%j round trips as UTF-8 JSON bytes", (value) => {
    const encoded = sync(json.encode(value));
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(encoded as Uint8Array)).toBe(JSON.stringify(value));
    expect(json.decode(wire(encoded))).toEqual({ kind: "data", value });
  });

  test("accepts a text frame (peerjs ≤ 1.4) as well as a binary one (1.5)", () => {
    const value = { a: [1, "é"], b: null };
    expect(json.decode(JSON.stringify(value))).toEqual({ kind: "data", value });
    expect(json.decode(utf8.encode(JSON.stringify(value)).buffer)).toEqual({ kind: "data", value });
  });

  test("plain JSON semantics: undefined travels as null, Dates as ISO strings", () => {
    expect(json.decode(wire(sync(json.encode(undefined))))).toEqual({ kind: "data", value: null });
    const when = new Date(Date.UTC(2024, 1, 1, 1, 1, 1));
    expect(dataOf(json.decode(wire(sync(json.encode({ when })))))).toEqual({ when: "2024-02-01T01:01:01.000Z" });
  });

  test("an empty frame is peerjs 1.5.5's `undefined` and decodes as undefined", () => {
    expect(json.decode("")).toEqual({ kind: "data", value: undefined });
    expect(json.decode(new ArrayBuffer(0))).toEqual({ kind: "data", value: undefined });
  });

  test("invalid JSON throws DecodeError", () => {
    for (const text of ["{", "undefined", "{'a':1}", "[1,]"]) {
      const fromText = thrown(() => json.decode(text));
      expect(fromText).toBeInstanceOf(DecodeError);
      expect(fromText.message).toMatch(/not JSON/);
      expect(thrown(() => json.decode(utf8.encode(text).buffer))).toBeInstanceOf(DecodeError);
    }
    expect(thrown(() => json.decode(Uint8Array.of(0xff, 0xfe, 0x00).buffer))).toBeInstanceOf(DecodeError);
  });

  test("a __proto__ key stays an own property", () => {
    const value = dataOf(json.decode('{"__proto__":{"polluted":1}}')) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a BinaryPack chunk frame is read as a chunk", () => {
    const frame = json.decode(frameChunks(utf8.encode("x".repeat(20_000)), 3, 0, 1).bytes);
    expect(frame.kind).toBe("chunk");
    if (frame.kind === "chunk") expect(frame.chunk).toMatchObject({ messageId: 3, n: 0, total: 2 });
  });

  test("decodeAssembled parses the whole text", () => {
    expect(json.decodeAssembled(utf8.encode('{"big":"yes"}'))).toEqual({ big: "yes" });
    expect(thrown(() => json.decodeAssembled(utf8.encode("{")))).toBeInstanceOf(DecodeError);
  });
});

describe("raw", () => {
  test("strings pass as text, binary as bytes", () => {
    expect(raw.encode("héllo")).toBe("héllo");
    const buffer = Uint8Array.of(1, 2, 3, 4).buffer;
    expect(raw.encode(buffer)).toEqual(Uint8Array.of(1, 2, 3, 4));
    const view = new Uint16Array(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7).buffer, 2, 2);
    expect(raw.encode(view)).toEqual(Uint8Array.of(2, 3, 4, 5));
  });

  test("decode hands the frame over unchanged", () => {
    const buffer = new ArrayBuffer(3);
    expect(raw.decode(buffer)).toEqual({ kind: "data", value: buffer });
    expect(dataOf(raw.decode(buffer))).toBe(buffer);
    expect(raw.decode("text")).toEqual({ kind: "data", value: "text" });
  });

  test("a Blob is read asynchronously", async () => {
    const encoded = raw.encode(new Blob(["ab"]));
    expect(encoded).toBeInstanceOf(Promise);
    expect(await encoded).toEqual(Uint8Array.of(0x61, 0x62));
  });

  test("objects, numbers, null and arrays are rejected with EncodeError", () => {
    for (const value of [{ a: 1 }, 1, null, undefined, [1], true]) {
      const error = thrown(() => raw.encode(value));
      expect(error).toBeInstanceOf(EncodeError);
      expect(error.name).toBe("EncodeError");
    }
  });

  test("decodeAssembled gives an ArrayBuffer copy", () => {
    const bytes = Uint8Array.of(7, 8, 9);
    const out = raw.decodeAssembled(bytes) as ArrayBuffer;
    expect(out).toBeInstanceOf(ArrayBuffer);
    bytes[0] = 0;
    expect([...new Uint8Array(out)]).toEqual([7, 8, 9]);
  });
});
