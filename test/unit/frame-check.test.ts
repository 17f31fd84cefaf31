import { MessageChannel } from "node:worker_threads";
import { describe, expect, test } from "vitest";
import type { ToWorker } from "../../contract/tab-frames.js";
import { checkFrame } from "../../worker/frame-check.js";
import { useHubEnv } from "./support/hub-harness.js";

const ref = 7;
const member = "tab_x-m1";

/** One well-formed frame of every kind a tab posts. */
const valid: ToWorker[] = [
  { t: "visibility", visible: false },
  { t: "send", member, ref, value: { any: ["thing"] }, sendId: 3 },
  { t: "close", member, ref, flush: true },
  { t: "subscribe", member, ref, on: false },
  { t: "rtc-local-description", ref, sdp: { type: "offer", sdp: "v=0" } },
  { t: "rtc-local-candidate", ref, candidate: { candidate: "candidate:1", sdpMid: "0" } },
  { t: "rtc-channel-open", ref },
  { t: "rtc-channel-closed", ref },
  { t: "rtc-ice-state", ref, state: "disconnected" },
  { t: "rtc-received", ref, bytes: new ArrayBuffer(10), sizes: [4, 0, 6] },
  { t: "rtc-received-text", ref, text: "hi" },
  { t: "rtc-drained", ref, accepted: 100, buffered: 20 },
  { t: "rtc-failed", ref, message: "ICE failed" },
  { t: "channel-plane", port: new MessageChannel().port1 },
] as ToWorker[];

describe("frames from a tab", () => {
  test.each(valid.map((f) => [f.t, f] as const))("a well-formed %s frame passes", (_, frame) => {
    expect(checkFrame(frame)).toBeUndefined();
  });

  test.each([
    ["null", null, "not an object"],
    ["a string", "send", "not an object"],
    ["an object without tag", { ref }, "no tag"],
    ["a numeric tag", { t: 5, ref }, "no tag"],
    ["an unknown tag", { t: "rtc-telepathy", ref }, "unknown tag rtc-telepathy"],
    ["an inherited name as tag", { t: "toString", ref }, "unknown tag toString"],
    ["a long unknown tag, cut", { t: "x".repeat(100) }, `unknown tag ${"x".repeat(40)}`],
    ["visibility as text", { t: "visibility", visible: "yes" }, "malformed visibility frame"],
    ["send without member", { t: "send", ref, value: 1, sendId: 1 }, "malformed send frame"],
    ["send with ref 0", { t: "send", member, ref: 0, value: 1, sendId: 1 }, "malformed send frame"],
    ["send with a fractional ref", { t: "send", member, ref: 1.5, value: 1, sendId: 1 }, "malformed send frame"],
    ["send without sendId", { t: "send", member, ref, value: 1 }, "malformed send frame"],
    ["close without flush", { t: "close", member, ref }, "malformed close frame"],
    ["subscribe with on as 1", { t: "subscribe", member, ref, on: 1 }, "malformed subscribe frame"],
    ["a description without sdp", { t: "rtc-local-description", ref }, "malformed rtc-local-description frame"],
    ["a candidate as text", { t: "rtc-local-candidate", ref, candidate: "candidate:1" }, "malformed rtc-local-candidate frame"],
    ["channel-open with a negative ref", { t: "rtc-channel-open", ref: -1 }, "malformed rtc-channel-open frame"],
    ["ice state as a number", { t: "rtc-ice-state", ref, state: 3 }, "malformed rtc-ice-state frame"],
    ["received bytes as an array", { t: "rtc-received", ref, bytes: [1, 2], sizes: [2] }, "malformed rtc-received frame"],
    [
      "received sizes that overrun the bytes",
      { t: "rtc-received", ref, bytes: new ArrayBuffer(4), sizes: [3, 3] },
      "malformed rtc-received frame",
    ],
    ["received sizes that fall short", { t: "rtc-received", ref, bytes: new ArrayBuffer(4), sizes: [3] }, "malformed rtc-received frame"],
    ["a negative size", { t: "rtc-received", ref, bytes: new ArrayBuffer(4), sizes: [6, -2] }, "malformed rtc-received frame"],
    ["received text as bytes", { t: "rtc-received-text", ref, text: new ArrayBuffer(2) }, "malformed rtc-received-text frame"],
    ["drained with NaN", { t: "rtc-drained", ref, accepted: Number.NaN, buffered: 0 }, "malformed rtc-drained frame"],
    ["drained with text", { t: "rtc-drained", ref, accepted: "100", buffered: 0 }, "malformed rtc-drained frame"],
    ["failed without message", { t: "rtc-failed", ref }, "malformed rtc-failed frame"],
    ["a channel plane without a port", { t: "channel-plane", port: {} }, "malformed channel-plane frame"],
  ])("%s is dropped: %s", (_, frame, reason) => {
    expect(checkFrame(frame)).toBe(reason);
  });
});

describe("the hub and a malformed frame", () => {
  const env = useHubEnv();

  test("drops it with its reason in the tab's log, and goes on with the frames after it", async () => {
    const tab = await env.harness.openTab();
    const member = await tab.attach("kim", { debug: 2 });
    const ref = await tab.connect(member, "nobody");
    tab.post({ t: "send", member, ref, value: "no sendId" } as unknown as ToWorker);
    tab.post({ t: "send", member, ref, value: "after", sendId: 2 });
    const log = await tab.next("log", (f) => String(f.args.at(-1)).startsWith("dropped"));
    expect(log.args).toEqual(["dropped a frame from this tab: malformed send frame"]);
    // The next frame was handled: a send before the connection opened is refused on that connection.
    expect((await tab.next("conn-error", (f) => f.ref === ref)).error).toEqual({
      type: "not-open-yet",
      message: "Connection is not open. You should listen for the `open` event before sending messages.",
    });
  });
});
