/** The wire extension between two sharedpeers: its frame codec, its handshake, and a send queue talking to a receive path. */
import { describe, expect, test } from "vitest";
import { DEFAULT_RECEIVE_LIMITS } from "../../contract/options.js";
import { PART_HEADER_BYTES, WIRE_KIND, WIRE_TAG, type WireEntry } from "../../contract/wire-frames.js";
import { BatchPacker, frameBounds, frameParts } from "../../worker/codec/frame-packer.js";
import { reassemblyLimits } from "../../worker/codec/reassembler.js";
import { codecFor } from "../../worker/codec/serialization.js";
import { CLOSE_FRAME, readWireFrame, WireFrameError, writeBatch, batchSize, entrySize } from "../../worker/codec/wire-frame.js";
import { ReceivePath } from "../../worker/receive-path.js";
import { agreeWire, OUR_WIRE, readWireHello, wireOffered } from "../../worker/wire-handshake.js";
import { FakeClock } from "./support/fake-clock.js";
import { BOUNDS, pair, turn } from "./support/wire-pair.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const bytesOf = (...values: number[]) => new Uint8Array(values);
const filled = (size: number, byte: number) => new Uint8Array(size).fill(byte);

function batch(entries: WireEntry[]): Uint8Array {
  const out = new Uint8Array(
    batchSize(
      entries.length,
      entries.reduce((n, e) => n + entrySize(e.bytes.byteLength), 0),
    ),
  );
  expect(writeBatch(out, 0, entries)).toBe(out.byteLength);
  return out;
}

describe("the frame codec", () => {
  test("a batch reads back as its entries, lengths across the 1- and 2-byte varuint boundary included", () => {
    const entries = [0, 1, 127, 128, 16383, 16384, 16300].map((n, i) => ({
      tag: i % 2 === 0 ? WIRE_TAG.encoded : WIRE_TAG.bytes,
      bytes: filled(n, i),
    }));
    const read = readWireFrame(batch(entries));
    expect(read).toEqual({ kind: "batch", entries });
  });

  test("parts carry their slice raw behind an 18-byte header and read back with id, index, count and length", () => {
    const message = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const { bytes, sizes } = frameParts(message, WIRE_TAG.bytes, 7, 0, 10, 300);
    expect(sizes).toEqual([318, 318, 318, 118]);
    let at = 0;
    const slices: Uint8Array[] = [];
    sizes.forEach((size, n) => {
      const read = readWireFrame(new Uint8Array(bytes, at, size));
      at += size;
      expect(read).toMatchObject({ kind: "part", tag: WIRE_TAG.bytes, messageId: 7, n, total: 4, length: 1000 });
      if (read.kind === "part") slices.push(read.data);
    });
    expect(Uint8Array.from(slices.flatMap((s) => [...s]))).toEqual(message);
  });

  test("the close frame is one byte", () => {
    expect(readWireFrame(CLOSE_FRAME)).toEqual({ kind: "close" });
  });

  test.each([
    ["an empty message", bytesOf(), /empty channel message/],
    ["an unknown kind", bytesOf(0x7f, 1), /kind 0x7f/],
    ["the reserved kind (pong)", bytesOf(WIRE_KIND.pong), /kind 0x13 is not part of wire version 1/],
    ["a sequence number 0", bytesOf(WIRE_KIND.seq, 0, WIRE_KIND.close), /sequence number 0/],
    ["a seq prefix before an ack", bytesOf(WIRE_KIND.seq, 1, WIRE_KIND.ack, 1), /seq prefix before a ack frame/],
    ["a seq prefix before nothing", bytesOf(WIRE_KIND.seq, 1), /empty channel message/],
    ["an ack with trailing bytes", bytesOf(WIRE_KIND.ack, 1, 0), /1 bytes after an acknowledgement/],
    ["a ping with a body", bytesOf(WIRE_KIND.ping, 0), /ping with a body/],
    ["a truncated count", bytesOf(WIRE_KIND.batch, 0x80), /truncated message count/],
    ["a count of none", bytesOf(WIRE_KIND.batch, 0), /announces 0 messages/],
    ["an oversize count", bytesOf(WIRE_KIND.batch, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0), /announces 4294967295 messages in 2 bytes/],
    ["a varuint of six bytes", bytesOf(WIRE_KIND.batch, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00), /longer than 5 bytes/],
    ["a length that lies", bytesOf(WIRE_KIND.batch, 1, WIRE_TAG.encoded, 0x90, 0x4e, 1, 2, 3), /announces 10000 bytes, 3 are left/],
    ["a truncated entry", bytesOf(WIRE_KIND.batch, 2, WIRE_TAG.encoded, 1, 9), /truncated message length|announces/],
    ["bytes after the last entry", bytesOf(WIRE_KIND.batch, 1, WIRE_TAG.encoded, 1, 9, 9), /1 bytes after the last message/],
    ["an unknown tag", bytesOf(WIRE_KIND.batch, 1, 9, 0), /unknown message tag 9/],
    ["a part with no data", header(0, 1, 0, 1, 1).subarray(0, PART_HEADER_BYTES), /has no data/],
    ["a part whose header is cut", bytesOf(WIRE_KIND.part, 0, 0, 0), /has no data/],
    ["a part beyond its count", header(0, 1, 3, 3, 10), /part 3 of 3 is out of range/],
    ["a part count of none", header(0, 1, 0, 0, 10), /part 0 of 0/],
    ["a part length below its count", header(0, 1, 0, 5, 4), /4 bytes cannot come in 5 parts/],
    ["a close with a body", bytesOf(WIRE_KIND.close, 0), /close frame with a body/],
  ])("refuses %s", (_, bytes, message) => {
    expect(() => readWireFrame(bytes)).toThrow(WireFrameError);
    expect(() => readWireFrame(bytes)).toThrow(message);
  });
});

describe("coalescing", () => {
  test("a packer never writes a channel message above its bound, and keeps the order", () => {
    const packer = new BatchPacker(1000);
    const sent = Array.from({ length: 300 }, (_, i) => filled(1 + (i % 37), i & 0xff));
    for (const m of sent) packer.add(WIRE_TAG.encoded, m);
    const { bytes, sizes } = packer.take();
    expect(packer.empty).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
    expect(sizes.length).toBeLessThan(10);
    const got: Uint8Array[] = [];
    let at = 0;
    for (const size of sizes) {
      const read = readWireFrame(new Uint8Array(bytes, at, size));
      at += size;
      if (read.kind === "batch") got.push(...read.entries.map((e) => e.bytes));
    }
    expect(got).toEqual(sent);
  });

  test("bounds follow the path's max-message-size, up to 256 KiB", () => {
    expect(frameBounds(65536)).toEqual({ bound: 65536, partData: 65536 - PART_HEADER_BYTES, prefix: 0 });
    expect(frameBounds(1073741823).bound).toBe(256 * KiB);
    expect(frameBounds(Infinity).bound).toBe(256 * KiB);
    expect(frameBounds(10).partData).toBe(1024 - PART_HEADER_BYTES);
  });
});

describe("the handshake", () => {
  test("the extension is used only when both payloads carry it", () => {
    expect(agreeWire(OUR_WIRE, OUR_WIRE)).toEqual({ version: 1, features: ["frames", "resume"] });
    expect(agreeWire(OUR_WIRE, undefined)).toBeUndefined();
    expect(agreeWire(undefined, OUR_WIRE)).toBeUndefined();
    // A later version talks version 1 with us; features only one side has are not used.
    expect(agreeWire(OUR_WIRE, { version: 3, features: ["frames", "resume"] })).toEqual({ version: 1, features: ["frames", "resume"] });
    // An earlier sharedpeer that speaks frames but does not resume: frames only.
    expect(agreeWire(OUR_WIRE, { version: 1, features: ["frames"] })).toEqual({ version: 1, features: ["frames"] });
    expect(agreeWire(OUR_WIRE, { version: 2, features: ["resume"] })).toBeUndefined();
  });

  test("a side switched off, or a MsgPack connection, offers nothing", () => {
    expect(wireOffered(true, "binary")).toBe(OUR_WIRE);
    expect(wireOffered(false, "binary")).toBeUndefined();
    expect(wireOffered(true, "MsgPack")).toBeUndefined();
  });

  test.each([
    undefined,
    null,
    1,
    "frames",
    {},
    { version: 0, features: [] },
    { version: 1.5, features: [] },
    { version: 1, features: "frames" },
  ])("a malformed field %j reads as absent", (field) => expect(readWireHello(field)).toBeUndefined());

  test("unknown features are dropped, known ones kept", () => {
    expect(readWireHello({ version: 2, features: ["frames", "zstd", 7] })).toEqual({ version: 2, features: ["frames"] });
  });
});

describe("a send queue and a receive path speaking the extension", () => {
  test("10,000 messages of one turn travel in a few channel messages, each within the bound, and arrive in order", async () => {
    const { queue, member, delivered, pass } = pair("binary");
    for (let i = 0; i < 10_000; i++) queue.push({ i, s: "x" }, { member, sendId: i });
    await turn();
    const sizes = pass();
    expect(sizes.length).toBeLessThanOrEqual(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BOUNDS.bound);
    expect(delivered).toEqual(Array.from({ length: 10_000 }, (_, i) => ({ i, s: "x" })));
  });

  test("a lone message goes out at the end of its turn, with no timer", async () => {
    const { queue, member, delivered, pass } = pair("json");
    queue.push({ hello: 1 }, { member, sendId: 1 });
    await turn();
    expect(pass()).toHaveLength(1);
    expect(delivered).toEqual([{ hello: 1 }]);
  });

  test("tiny and 5 MiB messages keep their order; the large one comes as raw parts and reports progress", async () => {
    const { queue, member, delivered, progress, pass } = pair("binary");
    const big = filled(5 * MiB, 3).buffer;
    const values = ["a", big, "b", { c: 1 }, big, "d"];
    values.forEach((v, i) => queue.push(v, { member, sendId: i }));
    await turn();
    const sizes = pass();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BOUNDS.bound);
    // 8 MiB may wait in the channel: the host's drain report lets the rest go.
    queue.drained(
      sizes.reduce((n, s) => n + s, 0),
      0,
    );
    await turn();
    pass();
    expect(delivered.map((v) => (v instanceof ArrayBuffer ? v.byteLength : v))).toEqual(["a", 5 * MiB, "b", { c: 1 }, 5 * MiB, "d"]);
    expect(new Uint8Array(delivered[1] as ArrayBuffer).every((b) => b === 3)).toBe(true);
    expect(progress.filter((p) => p.done).map((p) => p.total)).toEqual([5 * MiB, 5 * MiB]);
    expect(progress.some((p) => !p.done)).toBe(true);
  });

  test("json keeps JSON semantics (undefined travels as null), raw strings stay strings, the close follows the data", async () => {
    const json = pair("json");
    [undefined, { a: [1, "x"] }, "y".repeat(20_000)].forEach((v, i) => json.queue.push(v, { member: json.member, sendId: i }));
    json.queue.pushClose(undefined);
    await turn();
    json.pass();
    expect(json.delivered).toEqual([null, { a: [1, "x"] }, "y".repeat(20_000)]);
    expect(json.closed()).toBe(1);

    const raw = pair("raw");
    ["héllo", filled(3, 1).buffer, "z".repeat(300 * KiB)].forEach((v, i) => raw.queue.push(v, { member: raw.member, sendId: i }));
    await turn();
    raw.pass();
    expect(raw.delivered[0]).toBe("héllo");
    expect(new Uint8Array(raw.delivered[1] as ArrayBuffer)).toEqual(filled(3, 1));
    expect(raw.delivered[2]).toBe("z".repeat(300 * KiB));
  });

  test("a hostile frame breaks only its own connection, with a reason", () => {
    const victim = pair("binary");
    const bystander = pair("binary");
    victim.incoming.received(bytesOf(WIRE_KIND.batch, 0xff, 0xff, 0xff, 0xff, 0x0f, 0));
    expect(victim.broken).toEqual([expect.stringMatching(/^Unreadable frame from remote: .*announces 4294967295 messages/)]);
    bystander.incoming.received(batch([{ tag: WIRE_TAG.bytes, bytes: filled(4, 1) }]));
    expect(bystander.broken).toEqual([]);
    expect(bystander.delivered).toHaveLength(1);
  });

  test.each([
    ["text on a binary-only path", "binary", (): Uint8Array | string => "plain text", /text channel message/],
    [
      "bare bytes on json",
      "json",
      () => batch([{ tag: WIRE_TAG.bytes, bytes: filled(2, 0) }]),
      /tag 2 on a connection whose serialization cannot carry it/,
    ],
    ["a part announcing more than the message limit", "binary", () => header(WIRE_TAG.bytes, 1, 0, 2, 300 * MiB), /beyond the limit/],
    ["parts whose sum belies their length", "binary", () => header(WIRE_TAG.bytes, 1, 0, 1, 5), /announced 5 bytes and brought 1/],
  ] as const)("refuses %s", (_, serialization, make, message) => {
    const broken: string[] = [];
    const incoming = new ReceivePath(codecFor(serialization), reassemblyLimits(DEFAULT_RECEIVE_LIMITS), "remote", new FakeClock(), {
      deliver: () => {},
      progress: () => {},
      closed: () => {},
      broken: (m) => broken.push(m),
    });
    incoming.useFrames(new Set(serialization === "json" ? [WIRE_TAG.encoded] : [WIRE_TAG.encoded, WIRE_TAG.bytes]));
    incoming.received(make());
    expect(broken).toEqual([expect.stringMatching(message)]);
  });
});

function header(tag: number, id: number, n: number, total: number, length: number): Uint8Array {
  const out = new Uint8Array(PART_HEADER_BYTES + 1);
  const view = new DataView(out.buffer);
  view.setUint8(0, WIRE_KIND.part);
  view.setUint8(1, tag);
  view.setUint32(2, id);
  view.setUint32(6, n);
  view.setUint32(10, total);
  view.setUint32(14, length);
  return out;
}
