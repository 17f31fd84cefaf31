/**
 * The channel plane (issue 13): the RTCDataChannels a tab hosts live in its channel worker, so
 * their bytes never run on the page's main thread. The test page's `?probe` counts what the page's
 * own RTCDataChannel objects do; `?refuseChannelTransfer` makes the page's Worker refuse a channel,
 * as an engine without transferable channels does, so that the page fallback carries the data.
 */
import { createHash } from "node:crypto";
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { useBrowserEnv } from "../support/env.js";
import { idMaker } from "../support/seeded.js";

const env = useBrowserEnv();
const fresh = idMaker();
const MiB = 1024 * 1024;
const numbered = (tag: string, count: number) => Array.from({ length: count }, (_, i) => `${tag}:${i}`);

/** A sharedpeer tab (page query `query`, extra Peer options) with peer "me", and an official peerjs tab with peer "pj". */
async function sharedpeerAndPeerjs(query: string, extra: Record<string, unknown> = {}) {
  const meId = fresh("me");
  const pjId = fresh("pj");
  const [user, remote] = [await env.user(), await env.user()];
  const me = await env.tab(user, "sharedpeer", query);
  expect(await env.openPeer(me, "me", meId, extra)).toBe(`open:${meId}`);
  const pj = await env.tab(remote, "peerjs");
  expect(await env.openPeer(pj, "pj", pjId)).toBe(`open:${pjId}`);
  const close = () => Promise.all([user.close(), remote.close()]);
  return { me, meId, pj, pjId, close };
}

/** peerjs dials `me` and sends 1,000 numbered messages the instant its connection opens; `me` must get them all, in order. */
async function burstOnOpen(me: Page, pj: Page, meId: string, pjId: string): Promise<string> {
  await pj.evaluate(([to]) => H.connectAndBurst("pj", to!, "pj", 1000, { reliable: true }), [meId] as const);
  const key = await me.evaluate((from) => H.incoming("me", from), pjId);
  await me.evaluate((k) => H.waitData(k, 1000, 30_000), key);
  expect(await me.evaluate((k) => H.numbered(k), key)).toEqual(numbered("pj", 1000));
  return key;
}

test("the answering tab gets 1,000 messages sent the instant the channel opens: none lost, in order, none on the main thread; its replies leave without it", async () => {
  const { me, meId, pj, pjId, close } = await sharedpeerAndPeerjs("?probe");
  const key = await burstOnOpen(me, pj, meId, pjId);
  // The page saw the channel arrive (and handed it over in that task), and no message on it.
  expect(await me.evaluate(() => ({ ...probe }))).toEqual({ channels: 1, messages: 0, sends: 0 });
  expect(await me.evaluate((k) => H.hasDataChannel(k), key)).toBe(false);

  await me.evaluate((k) => H.sendNumbered(k, "me", 1000), key);
  const pjKey = `pj/${key.split("/")[1]!}`;
  await pj.evaluate((k) => H.waitData(k, 1000, 30_000), pjKey);
  expect(await pj.evaluate((k) => H.numbered(k), pjKey)).toEqual(numbered("me", 1000));
  expect(await me.evaluate(() => probe.sends)).toBe(0);
  await close();
});

test("an engine that refuses to transfer a channel: the page keeps it, loses nothing, and data flows both ways", async () => {
  const { me, meId, pj, pjId, close } = await sharedpeerAndPeerjs("?probe&refuseChannelTransfer");
  // Incoming: the refusal comes inside ondatachannel, and the page listens in that same task.
  const key = await burstOnOpen(me, pj, meId, pjId);
  expect(await me.evaluate(() => probe.messages)).toBe(1000);
  expect(await me.evaluate((k) => H.hasDataChannel(k), key)).toBe(true);

  // Outgoing: the refusal comes right after createDataChannel.
  const out = await me.evaluate((to) => H.connect("me", to, { reliable: true }), pjId);
  await me.evaluate((k) => H.waitOpen(k), out);
  await me.evaluate((k) => H.sendNumbered(k, "me", 1000), out);
  const pjKey = await pj.evaluate((from) => H.incoming("pj", from), meId);
  await pj.evaluate((k) => H.waitData(k, 1000, 30_000), pjKey);
  expect(await pj.evaluate((k) => H.numbered(k), pjKey)).toEqual(numbered("me", 1000));
  expect(await me.evaluate(() => probe.channels)).toBe(2);
  expect(await me.evaluate(() => probe.sends)).toBeGreaterThan(0);
  await close();
});

test("an app that does not serve channel-worker.js: one warning, and the channels stay on the page, losing nothing", async () => {
  const logs: string[] = [];
  const [meId, pjId] = [fresh("me"), fresh("pj")];
  const [user, remote] = [await env.user(), await env.user()];
  const me = await env.tab(user, "sharedpeer", "?probe&noChannelWorker");
  me.on("console", (message) => logs.push(message.text()));
  expect(await env.openPeer(me, "me", meId, { debug: 2 })).toBe(`open:${meId}`);
  const pj = await env.tab(remote, "peerjs");
  expect(await env.openPeer(pj, "pj", pjId)).toBe(`open:${pjId}`);
  // The worker starts when the Peer opens; its script's 404 comes back before anyone dials.
  await expect.poll(() => logs.filter((l) => l.includes("the channel worker did not start")), { timeout: 10_000 }).toHaveLength(1);
  const key = await burstOnOpen(me, pj, meId, pjId);
  expect(await me.evaluate(() => probe.messages)).toBe(1000);
  expect(await me.evaluate((k) => H.hasDataChannel(k), key)).toBe(true);
  await Promise.all([user.close(), remote.close()]);
});

test('dataPlane: "page" keeps the channel on the page, where dataConnection.dataChannel is', async () => {
  const { me, meId, pj, pjId, close } = await sharedpeerAndPeerjs("?probe", { dataPlane: "page" });
  const key = await burstOnOpen(me, pj, meId, pjId);
  expect(await me.evaluate(() => probe.messages)).toBe(1000);
  expect(await me.evaluate((k) => H.hasDataChannel(k), key)).toBe(true);
  await close();
});

test("a 50 MiB message between two tabs whose channels live in channel workers arrives intact, past the backpressure, without either main thread", async () => {
  const [aliceId, bobId] = [fresh("alice"), fresh("bob")];
  const users = [await env.user(), await env.user()];
  const alice = await env.tab(users[0]!, "sharedpeer", "?probe");
  const bob = await env.tab(users[1]!, "sharedpeer", "?probe");
  expect(await env.openPeer(bob, "bob", bobId)).toBe(`open:${bobId}`);
  expect(await env.openPeer(alice, "alice", aliceId)).toBe(`open:${aliceId}`);
  const out = await alice.evaluate((to) => H.connect("alice", to, { reliable: true }), bobId);
  await alice.evaluate((k) => H.waitOpen(k), out);
  const inc = await bob.evaluate((from) => H.incoming("bob", from), aliceId);

  const size = 50 * MiB;
  const pattern = (n: number) => {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = (i * 131 + (i >>> 16)) & 255;
    return bytes;
  };
  await alice.evaluate(([k, n, make]) => H.send(k, [(new Function(`return ${make}`)() as (n: number) => Uint8Array)(n).buffer]), [
    out,
    size,
    pattern.toString(),
  ] as const);
  await bob.evaluate((k) => H.waitData(k, 1, 120_000), inc);
  const sha256 = createHash("sha256").update(pattern(size)).digest("hex");
  expect(await bob.evaluate((k) => H.received(k), inc)).toEqual([{ $: "ArrayBuffer", length: size, sha256 }]);
  expect(await alice.evaluate(() => probe.sends)).toBe(0);
  expect(await bob.evaluate(() => probe.messages)).toBe(0);
  await Promise.all(users.map((u) => u.close()));
});

test("what the channel worker sees reaches every tab: the remote closes one connection, then its page goes; both tabs that share the peer see close", async () => {
  const meId = fresh("me");
  const [user, remote] = [await env.user(), await env.user()];
  const tabs = await env.sharedTabs(user, meId, 2);
  // A sharedpeer remote: its page closes its RTCPeerConnections as it goes, which our channel sees at once.
  const bob = await env.tab(remote);
  const bobId = fresh("bob");
  expect(await env.openPeer(bob, "bob", bobId)).toBe(`open:${bobId}`);

  const connectBoth = async (nth: number) => {
    const bobKey = await bob.evaluate((to) => H.connect("bob", to, { reliable: true }), meId);
    await bob.evaluate((k) => H.waitOpen(k), bobKey);
    const key = `me/${bobKey.split("/")[1]!}`;
    for (const tab of tabs) {
      expect(await tab.evaluate(([from, n]) => H.incoming("me", from!, n), [bobId, nth] as const)).toBe(key);
      await tab.evaluate((k) => H.waitOpen(k), key);
      // The host tab's channel is in its channel worker: no tab holds it.
      expect(await tab.evaluate((k) => H.hasDataChannel(k), key)).toBe(false);
    }
    return { bobKey, key };
  };

  const first = await connectBoth(0);
  await bob.evaluate((k) => H.close(k), first.bobKey);
  for (const tab of tabs) await tab.evaluate((k) => H.waitEvent(k, "close"), first.key);

  const second = await connectBoth(1);
  await bob.close();
  for (const tab of tabs) await tab.evaluate((k) => H.waitEvent(k, "close"), second.key);
  for (const tab of tabs) {
    expect(await tab.evaluate((k) => H.connEvents(k), first.key)).toEqual(["open", "close"]);
    // The page went with the only tab of bob's peer: nobody resumes it, and the error says so (README, "Resuming").
    expect(await tab.evaluate((k) => H.connEvents(k), second.key)).toEqual([
      "open",
      expect.stringMatching(/^error:connection-closed:.*bob-.+ (went away|that hosted)/),
      "close",
    ]);
  }
  await Promise.all([user.close(), remote.close()]);
});
