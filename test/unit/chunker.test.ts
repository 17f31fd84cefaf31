import { describe, expect, test } from "vitest";
import { pack } from "peerjs-js-binarypack";
import { decodeBinaryPack } from "../../worker/codec/binarypack-decoder.js";
import { CHUNK_SIZE, chunkCount, frameChunks, type FrameBatch } from "../../worker/codec/chunker.js";
import { Reassembler } from "../../worker/codec/reassembler.js";
import { codecFor } from "../../worker/codec/serialization.js";
import { prng } from "../support/seeded.js";

function randomBytes(length: number, seed: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The channel messages of a batch, each a copy in its own ArrayBuffer (as a data channel delivers them). */
function framesOf(batch: FrameBatch): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  for (const size of batch.sizes) {
    frames.push(new Uint8Array(batch.bytes.slice(at, at + size)));
    at += size;
  }
  expect(at).toBe(batch.bytes.byteLength);
  return frames;
}

function allFrames(message: Uint8Array, messageId: number, chunkSize = CHUNK_SIZE): Uint8Array[] {
  return framesOf(frameChunks(message, messageId, 0, chunkCount(message.byteLength, chunkSize), chunkSize));
}

/** What peerjs 1.5.5 sends for chunk n: BinaryPack of the map, built by the reference encoder. */
function peerjsFrame(message: Uint8Array, messageId: number, n: number, total: number, chunkSize = CHUNK_SIZE): Uint8Array {
  const data = message.slice(n * chunkSize, (n + 1) * chunkSize);
  return new Uint8Array(pack({ __peerData: messageId, n, data, total }) as ArrayBuffer);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

function reassemble(frames: readonly Uint8Array[]): Uint8Array | undefined {
  const codec = codecFor("binary");
  const reassembler = new Reassembler();
  let whole: Uint8Array | undefined;
  frames.forEach((frame, i) => {
    const decoded = codec.decode(frame.slice().buffer);
    if (decoded.kind !== "chunk") throw new Error(`frame ${i} decoded as ${decoded.kind}`);
    const out = reassembler.add(decoded.chunk, i);
    if (out) {
      expect(whole).toBeUndefined();
      expect(i).toBe(frames.length - 1);
      whole = out;
    }
  });
  expect(reassembler.size).toBe(0);
  expect(reassembler.bytes).toBe(0);
  return whole;
}

describe("frameChunks", () => {
  test.each([
    [16299, 1],
    [16300, 1],
    [16301, 2],
    [1024 * 1024, 65],
  ])("a %d-byte message becomes %d frames of the peerjs layout", (length, count) => {
    const message = randomBytes(length, length);
    const messageId = 7;
    expect(chunkCount(length)).toBe(count);
    const frames = allFrames(message, messageId);
    expect(frames).toHaveLength(count);
    frames.forEach((frame, n) => {
      const decoded = decodeBinaryPack(frame, { binaryViews: true }) as Record<string, unknown>;
      expect(Object.keys(decoded)).toEqual(["__peerData", "n", "data", "total"]);
      expect(decoded).toMatchObject({ __peerData: messageId, n, total: count });
      const data = decoded.data as Uint8Array;
      expect(data).toBeInstanceOf(Uint8Array);
      expect(data.byteLength).toBe(n < count - 1 ? CHUNK_SIZE : length - CHUNK_SIZE * (count - 1));
      expect(sameBytes(data, message.subarray(n * CHUNK_SIZE, n * CHUNK_SIZE + data.byteLength))).toBe(true);
      expect(sameBytes(frame, peerjsFrame(message, messageId, n, count))).toBe(true);
    });
  });

  test("a full-size frame is the 16331 bytes of protocol.md §3.6's chunk vector", () => {
    const frames = allFrames(randomBytes(3 * CHUNK_SIZE - 5, 1), 1);
    expect(frames.map((f) => f.byteLength)).toEqual([16331, 16331, 16326]);
    expect([...(frames[0] as Uint8Array).subarray(0, 13)]).toEqual([0x84, 0xba, ...Buffer.from("__peerData"), 0x01]);
  });

  test.each([1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1])("message id %d is written as pack writes it", (messageId) => {
    const message = randomBytes(16301, messageId);
    const frames = allFrames(message, messageId);
    frames.forEach((frame, n) => expect(sameBytes(frame, peerjsFrame(message, messageId, n, 2))).toBe(true));
  });

  test("indexes and totals from fixint to uint16, and fixraw data, match pack (chunk size 10)", () => {
    const message = randomBytes(2995, 3);
    const frames = allFrames(message, 3, 10);
    expect(frames).toHaveLength(300);
    frames.forEach((frame, n) => expect(sameBytes(frame, peerjsFrame(message, 3, n, 300, 10))).toBe(true));
  });

  test("uint32 indexes and totals match pack (chunk size 1, chunks 65530–65539 of 70000)", () => {
    const message = randomBytes(70_000, 4);
    const batch = frameChunks(message, 9, 65_530, 10, 1);
    const frames = framesOf(batch);
    expect(frames).toHaveLength(10);
    frames.forEach((frame, i) => expect(sameBytes(frame, peerjsFrame(message, 9, 65_530 + i, 70_000, 1))).toBe(true));
  });

  test("raw32 data headers match pack (chunk size 70000)", () => {
    const message = randomBytes(150_000, 5);
    const frames = allFrames(message, 2, 70_000);
    expect(frames).toHaveLength(3);
    frames.forEach((frame, n) => expect(sameBytes(frame, peerjsFrame(message, 2, n, 3, 70_000))).toBe(true));
    expect((frames[0] as Uint8Array)[21]).toBe(0xdb);
  });

  test("batches of any size give the same frames as one call", () => {
    const message = randomBytes(1024 * 1024, 6);
    const whole = frameChunks(message, 11, 0, 65);
    for (const step of [1, 7, 64, 100]) {
      const parts: FrameBatch[] = [];
      for (let first = 0; first < 65; first += step) parts.push(frameChunks(message, 11, first, step));
      expect(parts.flatMap((p) => p.sizes)).toEqual(whole.sizes);
      const joined = Buffer.concat(parts.map((p) => new Uint8Array(p.bytes)));
      expect(joined.equals(new Uint8Array(whole.bytes))).toBe(true);
    }
  });

  test("a batch past the last chunk is empty", () => {
    const batch = frameChunks(randomBytes(100, 7), 1, 1, 5);
    expect(batch.sizes).toEqual([]);
    expect(batch.bytes.byteLength).toBe(0);
  });
});

describe("frames put back together by the Reassembler", () => {
  const message = randomBytes(1024 * 1024 + 123, 8);
  const frames = allFrames(message, 42);

  test.each([
    ["in order", frames],
    ["reversed", [...frames].reverse()],
    ["shuffled (seed 1234)", shuffled(frames, 1234)],
    ["shuffled (seed 99)", shuffled(frames, 99)],
  ])("%s → the exact original bytes", (_order, ordered) => {
    const whole = reassemble(ordered);
    expect(whole).toBeDefined();
    expect(sameBytes(whole as Uint8Array, message)).toBe(true);
  });

  test("a chunked BinaryPack value decodes, after reassembly, to the value sent", () => {
    const payload = randomBytes(100_000, 9);
    const sent = { name: "file.bin", size: payload.byteLength, data: payload };
    const packed = new Uint8Array(pack(sent) as ArrayBuffer);
    const whole = reassemble(shuffled(allFrames(packed, 1), 5)) as Uint8Array;
    const value = codecFor("binary").decodeAssembled(whole) as { name: string; size: number; data: ArrayBuffer };
    expect(value.name).toBe("file.bin");
    expect(value.size).toBe(100_000);
    expect(value.data).toBeInstanceOf(ArrayBuffer);
    expect(sameBytes(new Uint8Array(value.data), payload)).toBe(true);
  });

  test("two messages interleaved reassemble independently", () => {
    const other = randomBytes(40_000, 10);
    const a = allFrames(message, 1);
    const b = allFrames(other, 2);
    const reassembler = new Reassembler();
    const codec = codecFor("binary");
    const done: Uint8Array[] = [];
    const mixed = shuffled([...a, ...b], 77);
    for (const frame of mixed) {
      const decoded = codec.decode(frame.slice().buffer);
      const out = decoded.kind === "chunk" ? reassembler.add(decoded.chunk, 0) : undefined;
      if (out) done.push(out);
    }
    expect(done).toHaveLength(2);
    const [first, second] = done.sort((x, y) => x.byteLength - y.byteLength) as [Uint8Array, Uint8Array];
    expect(sameBytes(first, other)).toBe(true);
    expect(sameBytes(second, message)).toBe(true);
  });
});
