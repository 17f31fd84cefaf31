import { expect, test } from "vitest";
import { pack } from "peerjs-js-binarypack";
import { DecodeError } from "../../worker/codec/binarypack-decoder.js";
import { chunkCount, frameChunks } from "../../worker/codec/chunker.js";
import { Reassembler, ReassemblyError, type ReassemblyLimits } from "../../worker/codec/reassembler.js";
import { codecFor, type Codec, type Decoded } from "../../worker/codec/serialization.js";
import { prng, concat } from "../support/seeded.js";

/**
 * Random and mutated frames through the binary and json decoders and a Reassembler. Reproducible:
 * the seed is fixed and printed in the test name; FUZZ_SEED=0x… explores (or replays) another.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eedc0de) >>> 0;
const ROUNDS = 12_000;
const LIMITS: ReassemblyLimits = { maxMessageBytes: 32 * 1024, maxPendingBytes: 48 * 1024, idleTimeout: 300 };

type Value = null | boolean | number | string | ArrayBuffer | Value[] | { [key: string]: Value };

const next = prng(SEED);
const int = (below: number): number => Math.floor(next() * below);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const chance = (p: number): boolean => next() < p;

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, () => int(256));
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).subarray(0, 200).toString("hex");

// ---- values and their BinaryPack bytes ------------------------------------------------------------

const CHARS = ["a", "z", "0", " ", "é", "中", "🥦", "𨋢", "\u{10ffff}", "\u0000", '"', "\\", "\n"];
/** No integer-like keys: objects reorder those, and the re-encoding check needs the sender's order. */
const KEYS = [
  "a",
  "b",
  "c",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "__peerData",
  "n",
  "data",
  "total",
  "type",
  "é",
  "🥦",
  "",
];

function randomString(): string {
  const length = chance(0.1) ? 16 + int(300) : int(16);
  let out = "";
  for (let i = 0; i < length; i++) out += pick(CHARS);
  return out;
}

function randomNumber(): number {
  switch (int(7)) {
    case 0:
      return int(160) - 32;
    case 1:
      return int(0x100);
    case 2:
      return int(0x10000) - 0x8000;
    case 3:
      return int(2 ** 32) - 2 ** 31;
    case 4:
      return int(2 ** 32) * (chance(0.5) ? 1 : -1) * 2 ** int(20);
    case 5:
      return (next() - 0.5) * 10 ** (int(16) - 5) || 0.5;
    default:
      return pick([0, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -(2 ** 31), Math.PI]);
  }
}

function randomValue(depth = 0): Value {
  const kind = int(depth < 4 ? 9 : 6);
  switch (kind) {
    case 0:
      return randomNumber();
    case 1:
      return randomString();
    case 2:
      return chance(0.5);
    case 3:
      return null;
    case 4:
      return randomBytes(chance(0.1) ? 16 + int(200) : int(16)).buffer;
    case 5:
      return randomNumber();
    case 6:
    case 7:
      return Array.from({ length: int(chance(0.05) ? 20 : 6) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(chance(0.05) ? 20 : 6) }, () => [pick(KEYS), randomValue(depth + 1)]));
  }
}

const packLeaf = (value: Value): Uint8Array => new Uint8Array(pack(value as ArrayBuffer) as ArrayBuffer);

function header(count: number, fix: number, tag16: number, tag32: number): Uint8Array {
  if (count <= 0x0f) return Uint8Array.of(fix | count);
  if (count <= 0xffff) return Uint8Array.of(tag16, count >>> 8, count & 0xff);
  return Uint8Array.of(tag32, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff);
}

/**
 * BinaryPack bytes exactly as pack writes them; arrays and maps are laid out here because pack reads
 * `obj.constructor`/`obj.hasOwnProperty` (so it refuses maps with those keys) and recurses per element.
 */
function encode(value: Value): Uint8Array {
  if (Array.isArray(value)) return concat([header(value.length, 0x90, 0xdc, 0xdd), ...value.map(encode)]);
  if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    const keys = Object.keys(value);
    return concat([header(keys.length, 0x80, 0xde, 0xdf), ...keys.flatMap((key) => [packLeaf(key), encode(value[key] as Value)])]);
  }
  return packLeaf(value);
}

function jsonText(value: Value): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v));
}

// ---- frames ----------------------------------------------------------------------------------------

const INTERESTING = [
  0x00, 0x7f, 0x80, 0x84, 0x8f, 0x91, 0x9f, 0xa0, 0xaf, 0xba, 0xbf, 0xc0, 0xc1, 0xca, 0xcb, 0xcf, 0xd3, 0xd9, 0xdb, 0xdd, 0xdf, 0xff,
];

function mutate(frame: Uint8Array): Uint8Array {
  let out = frame;
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    const at = int(out.byteLength + 1);
    switch (int(8)) {
      case 0: {
        if (out.byteLength === 0) break;
        out = out.slice();
        const i = Math.min(at, out.byteLength - 1);
        out[i] = (out[i] as number) ^ (1 << int(8));
        break;
      }
      case 1: {
        if (out.byteLength === 0) break;
        out = out.slice();
        out[Math.min(at, out.byteLength - 1)] = pick(INTERESTING);
        break;
      }
      case 2:
        out = concat([out.subarray(0, at), randomBytes(1 + int(4)), out.subarray(at)]);
        break;
      case 3:
        out = concat([out.subarray(0, at), out.subarray(Math.min(out.byteLength, at + 1 + int(8)))]);
        break;
      case 4:
        out = out.slice(0, int(out.byteLength + 1));
        break;
      case 5:
        out = concat([out.subarray(0, at), out.subarray(int(out.byteLength + 1), at)]);
        break;
      case 6:
        out = concat([new Uint8Array(1 + int(3000)).fill(pick([0x91, 0x81, 0xdc])), out]);
        break;
      default:
        out = concat([out.subarray(0, at), Uint8Array.of(pick([0xd9, 0xdb, 0xdd, 0xdf]), 0xff, 0xff, 0xff, int(256)), out.subarray(at)]);
    }
  }
  return out;
}

/** A chunk map with hostile fields, laid out as peerjs does so that it is read as a chunk. */
function hostileChunk(): Uint8Array {
  const field = (): Value => pick<Value>([0, 1, 2, 3, 100, 2 ** 32 - 1, 2 ** 32, -1, 0.5, "1", null, true, int(10)]);
  const data: Value = chance(0.8) ? randomBytes(int(40)).buffer : pick<Value>(["x", 5, null, [1]]);
  return encode(
    Object.fromEntries([
      ["__peerData", field()],
      ["n", field()],
      ["data", data],
      ["total", field()],
    ]),
  );
}

interface Frame {
  readonly bytes: Uint8Array;
  /** Unmutated: decoding must succeed and give back the value. */
  readonly clean: Value | undefined;
  readonly json: boolean;
}

let nextCleanId = 1000;
let cleanBursts = 0;
const cleanMessages = new Map<number, Uint8Array>();

/** A message cut in chunks, most frames intact; clean bursts get ids no garbage reuses (almost). */
function chunkBurst(): Frame[] {
  const message = chance(0.5) ? encode(randomValue()) : randomBytes(int(4000));
  const chunkSize = Math.max(pick([1, 7, 64, 500, 16300]), Math.ceil(message.byteLength / 40));
  const clean = chance(0.5);
  const messageId = clean ? nextCleanId++ : int(8);
  if (clean) {
    cleanMessages.set(messageId, message);
    cleanBursts++;
  }
  const batch = frameChunks(message, messageId, 0, chunkCount(message.byteLength, chunkSize), chunkSize);
  const frames: Frame[] = [];
  let at = 0;
  for (const size of batch.sizes) {
    const bytes = new Uint8Array(batch.bytes, at, size);
    at += size;
    frames.push({ bytes: !clean && chance(0.3) ? mutate(bytes) : bytes.slice(), clean: undefined, json: false });
  }
  return clean ? frames : frames.filter(() => chance(0.7));
}

function randomFrames(): Frame[] {
  switch (int(8)) {
    case 0:
    case 6: {
      const value = randomValue();
      return [{ bytes: encode(value), clean: value, json: false }];
    }
    case 7: {
      const close = (chance(0.5) ? codecFor("binary") : codecFor("json")).closeFrame as Uint8Array;
      return [{ bytes: chance(0.5) ? close.slice() : mutate(close), clean: undefined, json: false }];
    }
    case 1:
      return [{ bytes: mutate(encode(randomValue())), clean: undefined, json: false }];
    case 2:
      return chunkBurst();
    case 3:
      return [{ bytes: chance(0.5) ? hostileChunk() : mutate(hostileChunk()), clean: undefined, json: false }];
    case 4: {
      const value = randomValue();
      const text = new TextEncoder().encode(jsonText(value));
      return chance(0.5) ? [{ bytes: text, clean: value, json: true }] : [{ bytes: mutate(text), clean: undefined, json: true }];
    }
    default: {
      const bytes = randomBytes(int(64));
      return [
        {
          bytes: chance(0.2)
            ? concat([frameChunks(Uint8Array.of(1), 1, 0, 1).bytes, bytes].map((b) => new Uint8Array(b))).subarray(0, 12 + int(20))
            : bytes,
          clean: undefined,
          json: false,
        },
      ];
    }
  }
}

// ---- the run ---------------------------------------------------------------------------------------

function hasControlKey(value: Value): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof ArrayBuffer) return false;
  return Boolean(Object.getOwnPropertyDescriptor(value, "__peerData")?.value);
}

function ownKeys(target: object): string[] {
  return Reflect.ownKeys(target).map(String).sort();
}

/** Every object reachable from a decoded value has an ordinary prototype. */
function expectPlain(value: unknown, depth = 0): void {
  if (typeof value !== "object" || value === null || depth > 10) return;
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) return;
  const proto: unknown = Object.getPrototypeOf(value);
  expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
  for (const key of Object.keys(value)) expectPlain(Object.getOwnPropertyDescriptor(value, key)?.value, depth + 1);
}

test(`fuzz (seed 0x${SEED.toString(16)}): ${ROUNDS} random and mutated frames through binary, json and a Reassembler`, () => {
  const objectKeys = ownKeys(Object.prototype);
  const arrayKeys = ownKeys(Array.prototype);
  const codecs: [string, Codec, Reassembler][] = [
    ["binary", codecFor("binary"), new Reassembler(LIMITS)],
    ["json", codecFor("json"), new Reassembler(LIMITS)],
  ];
  const stats = {
    frames: 0,
    calls: 0,
    decodeErrors: 0,
    reassemblyErrors: 0,
    data: 0,
    chunks: 0,
    closes: 0,
    assembled: 0,
    cleanAssembled: 0,
    expired: 0,
  };
  let slowest = 0;
  let round = 0;

  /** Runs one call; only DecodeError and ReassemblyError may escape it. */
  function attempt<T>(what: string, bytes: Uint8Array, run: () => T): T | undefined {
    stats.calls++;
    const started = performance.now();
    try {
      return run();
    } catch (error) {
      if (error instanceof DecodeError) stats.decodeErrors++;
      else if (error instanceof ReassemblyError) stats.reassemblyErrors++;
      else
        throw new Error(`${what} threw ${String(error)} in round ${round} (seed 0x${SEED.toString(16)}) on ${hex(bytes)}`, {
          cause: error,
        });
      return undefined;
    } finally {
      slowest = Math.max(slowest, performance.now() - started);
    }
  }

  function feed(name: string, codec: Codec, reassembler: Reassembler, frame: Frame, input: ArrayBuffer | string): Decoded | undefined {
    const decoded = attempt(`${name}.decode`, frame.bytes, () => codec.decode(input));
    if (!decoded) return undefined;
    if (decoded.kind === "data") {
      stats.data++;
      expectPlain(decoded.value);
    } else if (decoded.kind === "close") {
      stats.closes++;
    } else if (decoded.kind === "chunk") {
      stats.chunks++;
      const whole = attempt(`${name} reassembler.add`, frame.bytes, () => reassembler.add(decoded.chunk, round));
      expect(reassembler.bytes).toBeLessThanOrEqual(LIMITS.maxPendingBytes);
      expect(reassembler.bytes).toBeGreaterThanOrEqual(0);
      if (whole) {
        stats.assembled++;
        if (name === "binary") expect(whole.byteLength).toBeLessThanOrEqual(LIMITS.maxMessageBytes);
        const expected = cleanMessages.get(decoded.chunk.messageId);
        if (name === "binary" && expected && Buffer.from(whole).equals(expected)) stats.cleanAssembled++;
        const value = attempt(`${name}.decodeAssembled`, whole, () => codec.decodeAssembled(whole));
        expectPlain(value);
      }
    }
    return decoded;
  }

  while (round < ROUNDS) {
    for (const frame of randomFrames()) {
      round++;
      stats.frames++;
      const buffer = frame.bytes.slice().buffer;
      for (const [name, codec, reassembler] of codecs) {
        const decoded = feed(name, codec, reassembler, frame, buffer);
        if (frame.clean !== undefined && frame.json && name === "json" && !hasControlKey(frame.clean)) {
          expect(decoded?.kind, `round ${round}`).toBe("data");
          if (decoded?.kind === "data") expect(JSON.stringify(decoded.value)).toBe(jsonText(frame.clean));
        }
        if (frame.clean !== undefined && !frame.json && name === "binary") {
          // An intact frame decodes, and the value it gives re-encodes to the very same bytes; only a
          // truthy __peerData at the top (reserved by peerjs) may make it a control frame or an error.
          if (!hasControlKey(frame.clean)) expect(decoded?.kind, `round ${round}: ${hex(frame.bytes)}`).toBe("data");
          if (decoded?.kind === "data") expect(Buffer.from(encode(decoded.value as Value)).equals(frame.bytes)).toBe(true);
        }
        if (frame.json && name === "json" && chance(0.5)) feed(name, codec, reassembler, frame, new TextDecoder().decode(frame.bytes));
      }
      if (round % 50 === 0) {
        for (const [, , reassembler] of codecs) {
          const before = reassembler.size;
          stats.expired += reassembler.expire(round).length;
          expect(reassembler.size).toBeLessThanOrEqual(before);
        }
      }
    }
  }

  console.log(`fuzz seed 0x${SEED.toString(16)}:`, { ...stats, cleanBursts }, `slowest call ${slowest.toFixed(1)} ms`);
  expect(ownKeys(Object.prototype)).toEqual(objectKeys);
  expect(ownKeys(Array.prototype)).toEqual(arrayKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(stats.frames).toBeGreaterThanOrEqual(ROUNDS);
  expect(slowest).toBeLessThan(1000);
  // The run exercised every path, not only the error ones.
  expect(stats.decodeErrors).toBeGreaterThan(1000);
  expect(stats.reassemblyErrors).toBeGreaterThan(10);
  expect(stats.data).toBeGreaterThan(1000);
  expect(stats.chunks).toBeGreaterThan(1000);
  expect(stats.cleanAssembled).toBeGreaterThan(0.9 * cleanBursts);
  expect(stats.closes).toBeGreaterThan(0);
  expect(stats.expired).toBeGreaterThan(0);
});
