/**
 * A Firefox user and a Chromium user on one PeerServer: the everyday case of a WebRTC app. Both
 * directions, every serialization, media calls; sharedpeer on both ends, and sharedpeer with the
 * official peerjs 1.5.5 in the other engine. (Each engine alone: every other browser test file.)
 */
import { describe as suite, expect, test } from "vitest";
import type { Page } from "playwright-core";
import type { Engine } from "../../testing/browser.js";
import { useBrowserEnv } from "../support/env.js";
import { idMaker } from "../support/seeded.js";
import { callBothWays, expectTransfer, type ValueSet } from "../support/exchange.js";
import {
  binaryValues,
  msgpackValues,
  officialStructuredValues,
  rawValues,
  smallBinaryValues,
  structuredValues,
} from "../fixtures/basic-values.js";

const env = useBrowserEnv();
const fresh = idMaker();

interface End {
  readonly tab: Page;
  readonly id: string;
}

/** A new user of `engine` with one `lib` tab whose Peer "me" is open (and takes calls). */
async function end(engine: Engine, lib: "sharedpeer" | "peerjs"): Promise<End> {
  const tab = await env.tab(await env.user(engine), lib);
  const id = fresh(`${lib}-${engine}`);
  expect(await env.openPeer(tab, "me", id)).toBe(`open:${id}`);
  await tab.evaluate(() => M.listen("me"));
  return { tab, id };
}

/** `dialer` connects to `answerer`; resolves with both ends' keys once both are open. */
async function connect(dialer: End, answerer: End, serialization: string): Promise<{ out: string; inc: string }> {
  const out = await dialer.tab.evaluate(([to, s]) => H.connect("me", to, { serialization: s, reliable: true }), [
    answerer.id,
    serialization,
  ] as const);
  await dialer.tab.evaluate((k) => H.waitOpen(k), out);
  const inc = `me/${out.split("/")[1]!}`;
  await answerer.tab.evaluate((k) => H.waitOpen(k), inc);
  return { out, inc };
}

/** What each serialization carries between two sharedpeers: structure, binary up to 1 MiB (chunked), raw as is. */
const SHAREDPEER_SETS: Record<string, ValueSet[]> = {
  binary: ["structuredValues", "binaryValues"],
  "binary-utf8": ["structuredValues"],
  json: ["structuredValues"],
  raw: ["rawValues"],
  MsgPack: ["msgpackValues"],
};
const VALUES: Record<ValueSet, () => unknown[]> = {
  structuredValues,
  binaryValues,
  officialStructuredValues,
  smallBinaryValues,
  rawValues,
  msgpackValues,
};

/** Both ways on one connection, then the dialer closes and the answerer sees it. */
async function exchange(dialer: End, answerer: End, serialization: string, sets: ValueSet[]): Promise<void> {
  const { out, inc } = await connect(dialer, answerer, serialization);
  for (const set of sets) {
    await expectTransfer(dialer.tab, out, answerer.tab, inc, set, VALUES[set]());
    await expectTransfer(answerer.tab, inc, dialer.tab, out, set, VALUES[set]());
  }
  await dialer.tab.evaluate((k) => H.close(k), out);
  await answerer.tab.evaluate((k) => H.waitEvent(k, "close"), inc);
}

const DIRECTIONS: ReadonlyArray<{ from: Engine; to: Engine }> = [
  { from: "firefox", to: "chromium" },
  { from: "chromium", to: "firefox" },
];

suite.each(DIRECTIONS)("a $from user dials a $to user", ({ from, to }) => {
  test("sharedpeer on both ends: every serialization, values both ways", async () => {
    const [dialer, answerer] = [await end(from, "sharedpeer"), await end(to, "sharedpeer")];
    for (const [serialization, sets] of Object.entries(SHAREDPEER_SETS)) await exchange(dialer, answerer, serialization, sets);
  });

  test("sharedpeer on both ends: a video call both ways, hang-up from the callee", async () => {
    const [caller, callee] = [await end(from, "sharedpeer"), await end(to, "sharedpeer")];
    await callBothWays(caller.tab, callee.tab, callee.id, "callee");
  });

  test("raw: a message larger than the channel takes (256 KiB between the engines) gives message-too-big; the connection carries on", async () => {
    const [dialer, answerer] = [await end(from, "sharedpeer"), await end(to, "sharedpeer")];
    const { out, inc } = await connect(dialer, answerer, "raw");
    await dialer.tab.evaluate((k) => H.send(k, [V.filled(262_145, 1), "x".repeat(262_145), "after"]), out);
    await answerer.tab.evaluate((k) => H.waitData(k, 1), inc);
    expect(await answerer.tab.evaluate((k) => H.received(k), inc)).toEqual(["after"]);
    const events = await dialer.tab.evaluate((k) => H.connEvents(k), out);
    expect(events).toEqual(["open", ...Array<unknown>(2).fill(expect.stringMatching(/^error:message-too-big:.*\(262144 bytes/))]);
    await dialer.tab.evaluate((k) => H.close(k), out);
    await answerer.tab.evaluate((k) => H.waitEvent(k, "close"), inc);
  });

  for (const [dialerLib, answererLib] of [
    ["sharedpeer", "peerjs"],
    ["peerjs", "sharedpeer"],
  ] as const) {
    test(`${dialerLib} (${from}) and ${answererLib} (${to}): every serialization, values both ways; a video call`, async () => {
      const [dialer, answerer] = [await end(from, dialerLib), await end(to, answererLib)];
      // What 1.5.5 delivers unchanged (interop.test.ts has its quirks): no chunked binary.
      await exchange(dialer, answerer, "binary", ["officialStructuredValues", "smallBinaryValues"]);
      await exchange(dialer, answerer, "binary-utf8", ["officialStructuredValues"]);
      await exchange(dialer, answerer, "json", ["officialStructuredValues"]);
      await exchange(dialer, answerer, "raw", ["rawValues"]);
      await callBothWays(dialer.tab, answerer.tab, answerer.id, "caller");
    });
  }
});

/**
 * WebRTC scales a camera down when the sender's CPU is short (measured here under load: 640×480 sent,
 * 320×240 received), so the frames are checked for their 4:3 shape; the audio track tells the
 * getUserMedia stream from the canvas one.
 */
test("Firefox's fake camera and microphone (getUserMedia) call a Chromium user: its 4:3 video and audio arrive, Chromium's canvas video goes back", async () => {
  const [caller, callee] = [await end("firefox", "sharedpeer"), await end("chromium", "sharedpeer")];
  expect(await caller.tab.evaluate(() => M.useUserMedia())).toEqual(["audio", "video"]);
  const out = await caller.tab.evaluate((to) => M.call("me", to), callee.id);
  const inc = await callee.tab.evaluate(() => M.incoming("me"));
  await callee.tab.evaluate((k) => M.answer(k), inc);
  const video = await callee.tab.evaluate((k) => M.remoteVideo(k), inc);
  expect({ live: video.live, shape: video.width * 3 === video.height * 4 }).toEqual({ live: true, shape: true });
  expect(await callee.tab.evaluate((k) => M.remoteTracks(k), inc)).toEqual(["audio", "video"]);
  expect(await caller.tab.evaluate((k) => M.remoteVideo(k), out)).toEqual({ width: 320, height: 240, live: true });
  expect(await caller.tab.evaluate((k) => M.remoteTracks(k), out)).toEqual(["video"]);
  await caller.tab.evaluate((k) => M.hangUp(k), out);
  await callee.tab.evaluate((k) => M.waitEvent(k, "close", 10_000), inc);
});
