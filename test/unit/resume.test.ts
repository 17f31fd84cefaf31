/** Resuming (README, "Resuming"): sequence numbers, acknowledgements and re-sends, without a browser. */
import { describe, expect, test } from "vitest";
import { WIRE_KIND, WIRE_TAG } from "../../contract/wire-frames.js";
import { ackFrame, PING_FRAME, readWireFrame } from "../../worker/codec/wire-frame.js";
import { BatchPacker, frameParts } from "../../worker/codec/frame-packer.js";
import { DeliveryLog } from "../../worker/resume/delivery-log.js";
import { ReplayBuffer } from "../../worker/resume/replay-buffer.js";
import { pair, turn } from "./support/wire-pair.js";

const MiB = 1024 * 1024;
const numbered = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ n: from + i }));

describe("frames", () => {
  test("a sequenced batch, part and close, an ack and a ping read back as written", () => {
    const packer = new BatchPacker(1000);
    packer.add(WIRE_TAG.bytes, new Uint8Array([1]), 41);
    packer.add(WIRE_TAG.bytes, new Uint8Array([2]), 42);
    // Not consecutive: a new channel message, with its own number.
    packer.add(WIRE_TAG.bytes, new Uint8Array([3]), 50);
    const { bytes, sizes } = packer.take();
    expect(sizes).toHaveLength(2);
    const first = readWireFrame(new Uint8Array(bytes, 0, sizes[0]));
    expect(first).toMatchObject({
      kind: "seq",
      seq: 41,
      frame: { kind: "batch", entries: [{ bytes: new Uint8Array([1]) }, { bytes: new Uint8Array([2]) }] },
    });
    expect(readWireFrame(new Uint8Array(bytes, sizes[0]))).toMatchObject({ kind: "seq", seq: 50, frame: { kind: "batch" } });

    const parts = frameParts(new Uint8Array(3000).fill(9), WIRE_TAG.bytes, 7, 0, 10, 1000, 300_000);
    expect(readWireFrame(new Uint8Array(parts.bytes, 0, parts.sizes[0]))).toMatchObject({
      kind: "seq",
      seq: 300_000,
      frame: { kind: "part", messageId: 7, n: 0, total: 3, length: 3000 },
    });
    expect(readWireFrame(ackFrame(123_456))).toEqual({ kind: "ack", delivered: 123_456 });
    expect(readWireFrame(PING_FRAME)).toEqual({ kind: "ping" });
  });
});

describe("the delivery log and the replay buffer", () => {
  test("the log delivers each number once, whatever the order; its mark is the highest with nothing missing below", () => {
    const log = new DeliveryLog();
    for (const n of [1, 2, 4, 5]) log.record(n);
    expect(log.delivered).toBe(2);
    expect([1, 2, 3, 4, 5, 6].map((n) => log.fresh(n))).toEqual([false, false, true, false, false, true]);
    log.record(3);
    expect(log.delivered).toBe(5);
  });

  test("the buffer drops what is acknowledged and says when it would hold more than its bound", () => {
    const buffer = new ReplayBuffer<{ seq: number; size: number }>(100);
    expect([1, 2, 3].map((seq) => buffer.keep({ seq, size: 40 }))).toEqual([true, true, false]);
    buffer.acked(2);
    expect(buffer.pending().map((e) => e.seq)).toEqual([3]);
    expect(buffer.bytes).toBe(40);
  });
});

describe("a resumed channel", () => {
  test("messages lost with a channel, and a large one cut off between its parts, arrive once, in order, whole", async () => {
    const { queue, member, incoming, delivered, broken, pass } = pair("binary", { replayMax: 256 * MiB });
    const big = new Uint8Array(3 * MiB).map((_, i) => (i * 31 + 7) & 0xff).buffer;
    const values = [...numbered(0, 2500), big, ...numbered(2500, 5000)];
    values.forEach((v, i) => queue.push(v, { member, sendId: i }));
    await turn();
    // The channel dies after its first batch and three parts of the large message: the rest of what was posted is lost.
    const before = pass(4).length;
    expect(delivered).toEqual(numbered(0, 2500));
    queue.pause();
    incoming.restart();
    queue.resend(incoming.delivered);
    queue.start();
    await turn();
    for (let i = 0; i < 50 && delivered.length < values.length; i++) {
      // What the new channel took: its counts start from 0.
      const sizes = pass().slice(before);
      queue.drained(
        sizes.reduce((n, s) => n + s, 0),
        0,
      );
      await turn();
    }
    expect(broken).toEqual([]);
    expect(delivered.filter((v) => !(v instanceof ArrayBuffer))).toEqual([...numbered(0, 2500), ...numbered(2500, 5000)]);
    expect(delivered.findIndex((v) => v instanceof ArrayBuffer)).toBe(2500);
    const got = new Uint8Array(delivered[2500] as ArrayBuffer);
    expect(got.byteLength).toBe(big.byteLength);
    expect(got.every((b, i) => b === ((i * 31 + 7) & 0xff))).toBe(true);
  });

  test("what the remote acknowledged is not sent again; the in-band close is sent again if it was lost", async () => {
    const { queue, member, incoming, delivered, pass, closed } = pair("json", { replayMax: 256 * MiB });
    numbered(0, 10).forEach((v, i) => queue.push(v, { member, sendId: i }));
    await turn();
    pass();
    queue.acked(incoming.delivered);
    expect(queue.unacknowledged).toBe(0);
    numbered(10, 20).forEach((v, i) => queue.push(v, { member, sendId: i }));
    queue.pushClose(undefined);
    await turn();
    pass(0);
    queue.pause();
    queue.resend(incoming.delivered);
    queue.start();
    await turn();
    pass();
    expect(delivered).toEqual(numbered(0, 20));
    expect(closed()).toBe(1);
  });

  test("frames the remote sees twice (it had them, but had not acknowledged them) are delivered once", async () => {
    const { queue, member, delivered, pass } = pair("binary", { replayMax: 256 * MiB });
    numbered(0, 100).forEach((v, i) => queue.push(v, { member, sendId: i }));
    await turn();
    pass();
    queue.pause();
    // As if no acknowledgement had come: everything goes again.
    queue.resend(0);
    queue.start();
    await turn();
    pass();
    expect(delivered).toEqual(numbered(0, 100));
  });

  test("more unacknowledged than the bound: the owner hears of it", async () => {
    const overflows: number[] = [];
    const { queue, member } = pair("binary", { replayMax: 1000, overflow: (bytes) => overflows.push(bytes) });
    queue.push(new Uint8Array(2000).buffer, { member, sendId: 1 });
    await turn();
    expect(overflows).toEqual([2000]);
  });

  test("a connection that resumes refuses unnumbered frames, and one that does not refuses numbered ones", () => {
    const resuming = pair("binary", { replayMax: 1000 });
    resuming.incoming.received(new Uint8Array([WIRE_KIND.close]));
    expect(resuming.broken).toEqual([expect.stringMatching(/unnumbered frame on a connection that resumes/)]);
    const plain = pair("binary");
    plain.incoming.received(ackFrame(1));
    expect(plain.broken).toEqual([expect.stringMatching(/a ack frame on a connection that does not resume/)]);
  });
});
