import { beforeEach, describe, expect, test } from "vitest";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import { CHUNK_SIZE, chunkCount, frameChunks } from "../../worker/codec/chunker.js";
import { encodeBinaryPack } from "../../worker/codec/binarypack-encoder.js";
import { useHubEnv, type TestTab } from "./support/hub-harness.js";

const MiB = 1024 * 1024;
const env = useHubEnv();
/** Tab `host` owns the channel; tab `other` shares the peer and sees the same connection. */
let host: TestTab;
let other: TestTab;
let hostMember: MemberId;
let otherMember: MemberId;
let ref: ConnRef;
beforeEach(async () => {
  [host, other] = [await env.harness.openTab(), await env.harness.openTab()];
  const id = `rx-${Math.random().toString(36).slice(2, 8)}`;
  hostMember = await host.attach(id, { limits: { maxMessageBytes: 2 * MiB, maxPendingBytes: 4 * MiB, chunkTimeout: 4000 } });
  otherMember = await other.attach(id);
  ref = await host.openConnection(hostMember, "bob");
  await other.next("conn-open", (f) => f.ref === ref);
});

/** Messages as the host's channel would report them: laid end to end in one buffer. */
function receivedFrame(messages: Uint8Array[]) {
  const bytes = new Uint8Array(messages.reduce((n, m) => n + m.byteLength, 0));
  let at = 0;
  for (const m of messages) {
    bytes.set(m, at);
    at += m.byteLength;
  }
  return { t: "rtc-received" as const, ref, bytes: bytes.buffer, sizes: messages.map((m) => m.byteLength) };
}

describe("receiving on a data connection", () => {
  test("each message reaches every tab that listens, in order; a tab that unsubscribed gets none", async () => {
    host.post(receivedFrame([encodeBinaryPack({ n: 1 }), encodeBinaryPack("two")]));
    expect((await other.next("conn-data", (f) => f.ref === ref)).data).toEqual({ n: 1 });
    await other.next("conn-data", (f) => f.ref === ref && f.data === "two");
    await host.next("conn-data", (f) => f.ref === ref && f.data === "two");
    expect(host.all("conn-data", (f) => f.ref === ref).map((f) => f.data)).toEqual([{ n: 1 }, "two"]);

    other.post({ t: "subscribe", member: otherMember, ref, on: false });
    // The hub handles the tabs' frames in the order they reach it: settle the other tab's first.
    await other.settle(otherMember);
    host.post(receivedFrame([encodeBinaryPack("three")]));
    await host.next("conn-data", (f) => f.ref === ref && f.data === "three");
    expect(other.all("conn-data", (f) => f.ref === ref).map((f) => f.data)).toEqual([{ n: 1 }, "two"]);
  });

  test("a chunked message is put back together, with receive progress every 64 chunks", async () => {
    const value = new Uint8Array(100 * CHUNK_SIZE).fill(3);
    const packed = encodeBinaryPack(value.buffer);
    const total = chunkCount(packed.byteLength);
    const { bytes, sizes } = frameChunks(packed, 1, 0, total);
    host.post({ t: "rtc-received", ref, bytes, sizes }, [bytes]);
    const data = (await host.next("conn-data", (f) => f.ref === ref)).data as ArrayBuffer;
    expect(data.byteLength).toBe(value.byteLength);
    expect(new Uint8Array(data).every((b) => b === 3)).toBe(true);
    const progress = host.all("conn-progress", (f) => f.ref === ref).map((f) => f.progress);
    expect(progress).toEqual([
      { direction: "receive", id: 1, bytes: 64 * CHUNK_SIZE, total: total * CHUNK_SIZE, done: false },
      { direction: "receive", id: 1, bytes: packed.byteLength, total: packed.byteLength, done: true },
    ]);
  });

  test("a chunked message whose chunks stop coming closes the connection after the chunk timeout", async () => {
    const packed = encodeBinaryPack(new Uint8Array(5 * CHUNK_SIZE).buffer);
    const { bytes, sizes } = frameChunks(packed, 9, 0, 2);
    host.post({ t: "rtc-received", ref, bytes, sizes });
    await host.settle(hostMember);
    // Checked every half timeout; idle for the whole timeout is too long.
    env.harness.clock.advance(3999);
    expect(other.all("conn-closed", (f) => f.ref === ref)).toEqual([]);
    env.harness.clock.advance(2000);
    const error = await other.next("conn-error", (f) => f.ref === ref);
    expect(error.error).toEqual({ type: "connection-closed", message: "Message 9 from bob stopped arriving: no chunk for 4000 ms." });
    await other.next("conn-closed", (f) => f.ref === ref);
    expect(host.all("rtc-close", (f) => f.ref === ref)).toHaveLength(1);
  });

  test("a message beyond maxMessageBytes closes the connection with the reason", async () => {
    const packed = encodeBinaryPack(new Uint8Array(3 * MiB).buffer);
    const { bytes, sizes } = frameChunks(packed, 4, 0, 1);
    host.post({ t: "rtc-received", ref, bytes, sizes });
    const error = await other.next("conn-error", (f) => f.ref === ref);
    // 3 MiB announces 193 chunks; 2 MiB allows 129.
    expect(error.error).toEqual({
      type: "connection-closed",
      message: "Undecodable data from bob: chunk total 193 is out of range (1 to 129)",
      cause: "ReassemblyError: chunk total 193 is out of range (1 to 129)",
    });
    await other.next("conn-closed", (f) => f.ref === ref);
  });

  test("bytes that are not BinaryPack close the connection with the decoder's reason; other connections go on", async () => {
    const second = await host.openConnection(hostMember, "carol");
    host.post(receivedFrame([new Uint8Array([0xc1, 0xc1])]));
    const error = await other.next("conn-error", (f) => f.ref === ref);
    expect(error.error).toEqual({
      type: "connection-closed",
      message: "Undecodable data from bob: 1 trailing bytes after the value",
      cause: "DecodeError: 1 trailing bytes after the value",
    });
    host.post({ ...receivedFrame([encodeBinaryPack("still here")]), ref: second });
    expect((await other.next("conn-data", (f) => f.ref === second)).data).toBe("still here");
  });
});
