import { beforeEach, describe, expect, test } from "vitest";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import type { WireSerialization } from "../../contract/options.js";
import { CHUNK_SIZE } from "../../worker/codec/chunker.js";
import { Reassembler } from "../../worker/codec/reassembler.js";
import { codecFor } from "../../worker/codec/serialization.js";
import { useHubEnv, type TestTab } from "./support/hub-harness.js";

const MiB = 1024 * 1024;

const env = useHubEnv();
let tab: TestTab;
let member: MemberId;
beforeEach(async () => {
  tab = await env.harness.openTab();
  member = await tab.attach(`sq-${Math.random().toString(36).slice(2, 8)}`);
});

/** An open connection whose channel is this test tab, playing the RTC host. */
const openConnection = (serialization: WireSerialization) => tab.openConnection(member, "nobody", { serialization });
const settle = () => tab.settle(member);
const sends = (ref: ConnRef) => tab.all("rtc-send", (f) => f.ref === ref);
const bytesPosted = (ref: ConnRef) => sends(ref).reduce((sum, f) => sum + f.bytes.byteLength, 0);

/** What the far end of the channel would read: every message of every rtc-send so far, decoded, chunks put together. */
function received(ref: ConnRef, serialization: WireSerialization): unknown[] {
  const codec = codecFor(serialization);
  const reassembler = new Reassembler();
  const out: unknown[] = [];
  for (const frame of sends(ref)) {
    let at = 0;
    for (const size of frame.sizes) {
      const read = codec.decode(new Uint8Array(frame.bytes, at, size));
      at += size;
      for (const one of read.kind === "many" ? read.frames : [read]) {
        if (one.kind === "data") out.push(one.value);
        else if (one.kind === "close") out.push("<close>");
        else {
          const whole = reassembler.add(one.chunk, 0);
          if (whole) out.push(codec.decodeAssembled(whole));
        }
      }
    }
  }
  return out;
}

const filled = (size: number, byte: number) => new Uint8Array(size).fill(byte).buffer;

describe("the send queue of a data connection", () => {
  test("messages go out in the order sent", async () => {
    const ref = await openConnection("json");
    for (let n = 0; n < 50; n++) tab.post({ t: "send", member, ref, value: { n }, sendId: n });
    await settle();
    for (let n = 50; n < 100; n++) tab.post({ t: "send", member, ref, value: { n }, sendId: n });
    await settle();
    expect(received(ref, "json")).toEqual(Array.from({ length: 100 }, (_, n) => ({ n })));
  });

  test("at most 8 MiB wait in the channel; the host's drained report lets the rest go", async () => {
    const ref = await openConnection("raw");
    for (let i = 0; i < 12; i++) tab.post({ t: "send", member, ref, value: filled(MiB, i), sendId: i });
    await settle();
    expect(bytesPosted(ref)).toBe(8 * MiB);

    tab.post({ t: "rtc-drained", ref, accepted: 8 * MiB, buffered: 2 * MiB });
    await settle();
    expect(bytesPosted(ref)).toBe(12 * MiB);
    // Posted with more queued behind them, the host is asked to report at 2 MiB left, early enough
    // to refill; the last asks for the report at empty, which ends progress.
    expect(
      sends(ref)
        .slice(8)
        .map((f) => f.lowWater),
    ).toEqual([2 * MiB, 2 * MiB, 2 * MiB, 0]);
    const bytes = received(ref, "raw").map((v) => new Uint8Array(v as ArrayBuffer));
    expect(bytes.map((b) => [b.byteLength, b[0], b[MiB - 1]])).toEqual(Array.from({ length: 12 }, (_, i) => [MiB, i, i]));
  });

  test("a chunked message reports progress as the channel sends it, done when all is out", async () => {
    const ref = await openConnection("binary");
    tab.post({ t: "send", member, ref, value: filled(3 * MiB, 7), sendId: 42 });
    await settle();
    // All of it fits under the high water, and none has left the channel yet: no progress.
    const frames = sends(ref);
    expect(frames.length).toBeGreaterThan(2);
    expect(tab.all("conn-progress")).toEqual([]);

    const firstEnd = (frames[0] as (typeof frames)[number]).bytes.byteLength;
    tab.post({ t: "rtc-drained", ref, accepted: firstEnd, buffered: 0 });
    await settle();
    const [first] = tab.all("conn-progress", (f) => f.ref === ref);
    expect(first?.progress).toMatchObject({ direction: "send", id: 42, done: false });
    expect(first?.progress.bytes).toBe((frames[0] as (typeof frames)[number]).sizes.length * CHUNK_SIZE);

    tab.post({ t: "rtc-drained", ref, accepted: bytesPosted(ref), buffered: 0 });
    await settle();
    const last = tab.all("conn-progress", (f) => f.ref === ref).at(-1);
    expect(last?.progress).toMatchObject({ direction: "send", id: 42, done: true });
    expect(last?.progress.bytes).toBe(last?.progress.total);
    const [value] = received(ref, "binary");
    const bytes = new Uint8Array(value as ArrayBuffer);
    expect(bytes.byteLength).toBe(3 * MiB);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });

  test("a value its serialization cannot encode is refused on its own; the queue goes on", async () => {
    const ref = await openConnection("json");
    tab.post({ t: "send", member, ref, value: "before", sendId: 1 });
    tab.post({ t: "send", member, ref, value: { big: 10n }, sendId: 2 });
    tab.post({ t: "send", member, ref, value: "after", sendId: 3 });
    const error = await tab.next("conn-error", (f) => f.ref === ref);
    expect(error.error).toEqual({
      type: "socket-error",
      message: "json serialization cannot encode this value: TypeError: Do not know how to serialize a BigInt",
      cause: "EncodeError: json serialization cannot encode this value: TypeError: Do not know how to serialize a BigInt",
    });
    await settle();
    expect(received(ref, "json")).toEqual(["before", "after"]);
  });

  test("json too big for a peer that cannot reassemble it is refused with message-too-big", async () => {
    const ref = await openConnection("json");
    tab.post({ t: "send", member, ref, value: "a".repeat(20_000), sendId: 1 });
    const error = await tab.next("conn-error", (f) => f.ref === ref);
    expect(error.error).toEqual({
      type: "message-too-big",
      message: `Message of 20002 bytes is too big for a json connection to a peer that cannot reassemble it (limit ${CHUNK_SIZE}).`,
    });
    expect(tab.all("conn-closed", (f) => f.ref === ref)).toEqual([]);
  });

  test("close with flush travels behind what is queued: in band for binary, after the data for raw", async () => {
    const binary = await openConnection("binary");
    const raw = await openConnection("raw");
    for (const ref of [binary, raw]) {
      tab.post({ t: "send", member, ref, value: "one", sendId: 1 });
      tab.post({ t: "send", member, ref, value: "two", sendId: 2 });
      tab.post({ t: "close", member, ref, flush: true });
    }
    await tab.next("conn-closed", (f) => f.ref === raw);
    expect(received(binary, "binary")).toEqual(["one", "two", "<close>"]);
    // raw has no in-band close: the channel closes once the data is handed to it.
    const rawFrames = tab.frames.filter((f) => (f.t === "rtc-send-text" || f.t === "rtc-close") && f.ref === raw).map((f) => f.t);
    expect(rawFrames).toEqual(["rtc-send-text", "rtc-send-text", "rtc-close"]);
  });
});
