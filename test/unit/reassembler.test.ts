import { describe, expect, test } from "vitest";
import {
  DEFAULT_REASSEMBLY_LIMITS,
  Reassembler,
  ReassemblyError,
  type Chunk,
  type ReassemblyLimits,
} from "../../worker/codec/reassembler.js";

const LIMITS: ReassemblyLimits = { maxMessageBytes: 120, maxPendingBytes: 150, idleTimeout: 1000 };

function chunk(messageId: number, n: number, total: number, length: number, fill = n + 1): Chunk {
  return { messageId, n, total, data: new Uint8Array(length).fill(fill) };
}

function rejection(reassembler: Reassembler, piece: Chunk, now = 0): ReassemblyError {
  try {
    reassembler.add(piece, now);
  } catch (error) {
    expect(error).toBeInstanceOf(ReassemblyError);
    expect((error as Error).name).toBe("ReassemblyError");
    return error as ReassemblyError;
  }
  throw new Error(`chunk ${piece.n}/${piece.total} of message ${piece.messageId} was accepted`);
}

describe("Reassembler", () => {
  test("completes a message from chunks in any order and frees what it held", () => {
    const r = new Reassembler(LIMITS);
    expect(r.add(chunk(1, 2, 3, 10), 0)).toBeUndefined();
    expect(r.add(chunk(1, 0, 3, 40), 1)).toBeUndefined();
    expect(r.size).toBe(1);
    expect(r.bytes).toBe(50);
    const whole = r.add(chunk(1, 1, 3, 40), 2);
    expect(whole).toEqual(new Uint8Array([...Array(40).fill(1), ...Array(40).fill(2), ...Array(10).fill(3)]));
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
  });

  test("a one-chunk message comes back at once, as a copy", () => {
    const r = new Reassembler(LIMITS);
    const piece = chunk(5, 0, 1, 4, 7);
    const whole = r.add(piece, 0) as Uint8Array;
    expect([...whole]).toEqual([7, 7, 7, 7]);
    piece.data[0] = 0;
    expect(whole[0]).toBe(7);
    expect(r.bytes).toBe(0);
  });

  test("the default limits are 256 MiB and 30 s", () => {
    // Chunk counts follow from the bytes at 16300 bytes a chunk (limits.ts), plus 1024 spare pending chunks.
    expect(DEFAULT_REASSEMBLY_LIMITS).toEqual({
      maxMessageBytes: 256 * 2 ** 20,
      maxPendingBytes: 256 * 2 ** 20,
      idleTimeout: 30_000,
      maxChunks: 16469,
      maxPendingChunks: 16469 + 1024,
    });
  });

  test("n >= total is rejected", () => {
    const r = new Reassembler(LIMITS);
    expect(rejection(r, chunk(1, 2, 2, 5)).message).toMatch(/index 2 is not below its total 2/);
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
    r.add(chunk(2, 0, 2, 5), 0);
    expect(rejection(r, chunk(2, 7, 2, 5)).message).toMatch(/index 7/);
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
  });

  test("a duplicate chunk is rejected and its message dropped", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 3, 30), 0);
    r.add(chunk(1, 1, 3, 30), 0);
    expect(r.bytes).toBe(60);
    expect(rejection(r, chunk(1, 1, 3, 30)).message).toMatch(/chunk 1 of message 1 arrived twice/);
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
    // The dropped message's earlier chunks are gone: the last one alone completes nothing.
    expect(r.add(chunk(1, 2, 3, 30), 0)).toBeUndefined();
    expect(r.bytes).toBe(30);
  });

  test("a total that changes between chunks is rejected", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 3, 20), 0);
    expect(rejection(r, chunk(1, 1, 4, 20)).message).toMatch(/total changed from 3 to 4/);
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
  });

  test("a total of zero or above maxMessageBytes is rejected before anything is held", () => {
    const r = new Reassembler(LIMITS);
    expect(rejection(r, chunk(1, 0, 121, 1)).message).toMatch(/total 121 is out of range/);
    expect(rejection(r, chunk(1, 0, 0, 1)).message).toMatch(/total 0 is out of range/);
    expect(rejection(r, chunk(1, 0, 2 ** 32, 1)).message).toMatch(/out of range/);
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
    expect(r.add(chunk(1, 0, 120, 1), 0)).toBeUndefined();
    expect(r.size).toBe(1);
  });

  test("with maxChunks, a total above it is rejected before anything is held", () => {
    const r = new Reassembler({ ...LIMITS, maxChunks: 8 });
    expect(rejection(r, chunk(1, 0, 9, 10)).message).toMatch(/total 9 is out of range \(1 to 8\)/);
    expect(rejection(r, chunk(1, 0, 5_000_000, 10)).message).toMatch(/total 5000000 is out of range/);
    expect(r.size).toBe(0);
    expect(r.add(chunk(1, 0, 8, 10), 0)).toBeUndefined();
    expect(r.size).toBe(1);
  });

  test("a message growing beyond maxMessageBytes is rejected and freed", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 3, 60), 0);
    r.add(chunk(1, 1, 3, 60), 0);
    expect(r.bytes).toBe(120);
    expect(rejection(r, chunk(1, 2, 3, 1)).message).toMatch(/grows beyond 120 bytes/);
    expect(r.bytes).toBe(0);
    expect(r.size).toBe(0);
  });

  test("a message of exactly maxMessageBytes is accepted", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 2, 60), 0);
    expect(r.add(chunk(1, 1, 2, 60), 0)?.byteLength).toBe(120);
  });

  test("with maxPendingChunks, tiny chunks cannot pile up: the chunk over the cap is rejected and its message freed", () => {
    const r = new Reassembler({ ...LIMITS, maxPendingChunks: 3 });
    const byte = new Uint8Array([1]);
    for (let id = 1; id <= 3; id++) expect(r.add({ messageId: id, n: 0, total: 5, data: byte }, 0)).toBeUndefined();
    expect(() => r.add({ messageId: 4, n: 0, total: 5, data: byte }, 0)).toThrow(/more than 3 chunks/);
    expect(r.size).toBe(3);
    expect(r.bytes).toBe(3);
  });

  test("pending bytes over maxPendingBytes are rejected; other messages keep theirs", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 3, 40), 0);
    r.add(chunk(1, 1, 3, 40), 0);
    r.add(chunk(2, 0, 3, 70), 0);
    expect(r.bytes).toBe(150);
    expect(rejection(r, chunk(3, 0, 2, 1)).message).toMatch(/more than 150 bytes/);
    expect(r.bytes).toBe(150);
    expect(r.size).toBe(2);
    expect(rejection(r, chunk(2, 1, 3, 1)).message).toMatch(/more than 150 bytes/);
    expect(r.bytes).toBe(80);
    expect(r.size).toBe(1);
    expect(r.add(chunk(1, 2, 3, 40), 0)?.byteLength).toBe(120);
    expect(r.bytes).toBe(0);
  });

  test("pending bytes never exceed the limit however the chunks come", () => {
    const r = new Reassembler(LIMITS);
    let rejected = 0;
    for (let i = 0; i < 200; i++) {
      try {
        r.add(chunk(i % 7, (i * 5) % 4, 4, (i * 13) % 37), i);
      } catch (error) {
        expect(error).toBeInstanceOf(ReassemblyError);
        rejected++;
      }
      expect(r.bytes).toBeLessThanOrEqual(LIMITS.maxPendingBytes);
      expect(r.bytes).toBeGreaterThanOrEqual(0);
    }
    expect(rejected).toBeGreaterThan(0);
  });

  test("expire(now) drops messages idle for idleTimeout, returns their ids and frees their bytes", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 2, 10), 0);
    r.add(chunk(2, 0, 2, 20), 500);
    r.add(chunk(3, 0, 3, 30), 0);
    r.add(chunk(3, 1, 3, 30), 900);
    expect(r.bytes).toBe(90);
    expect(r.expire(999)).toEqual([]);
    expect(r.bytes).toBe(90);
    expect(r.expire(1000)).toEqual([1]);
    expect(r.bytes).toBe(80);
    expect(r.expire(1500)).toEqual([2]);
    expect(r.bytes).toBe(60);
    expect(r.expire(1900)).toEqual([3]);
    expect(r.bytes).toBe(0);
    expect(r.size).toBe(0);
    expect(r.expire(10_000)).toEqual([]);
  });

  test("a chunk arriving after its message expired starts over rather than completing it", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 2, 10), 0);
    expect(r.expire(5000)).toEqual([1]);
    expect(r.add(chunk(1, 1, 2, 10), 5001)).toBeUndefined();
    expect(r.bytes).toBe(10);
  });

  test("clear() forgets everything", () => {
    const r = new Reassembler(LIMITS);
    r.add(chunk(1, 0, 2, 10), 0);
    r.add(chunk(2, 0, 2, 10), 0);
    r.clear();
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
    expect(r.add(chunk(1, 1, 2, 10), 0)).toBeUndefined();
  });
});
