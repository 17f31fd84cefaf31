import { afterEach, beforeEach, expect, test } from "vitest";
import WebSocket from "ws";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import { HubHarness, useHubEnv, type TestTab } from "./support/hub-harness.js";
import { expectListed } from "./support/server-view.js";

const env = useHubEnv();
/** Bob's browser has a hub of its own; Alice's (two tabs share her) is the env's. */
let bob: HubHarness;
beforeEach(() => {
  bob = new HubHarness(env.server);
});
afterEach(() => bob.close());

async function openPeer(tab: TestTab, id: string): Promise<MemberId> {
  const member = await tab.attach(id);
  await tab.next("peer-open", (f) => f.member === member);
  return member;
}

/**
 * A connection from `caller` (whose tab plays the RTC host) to Bob's tab, negotiated through the
 * real PeerServer with the SDP the hosts would report; returns the ref on each side.
 */
async function connectToBob(caller: TestTab, member: MemberId, bobTab: TestTab): Promise<{ mine: ConnRef; bobs: ConnRef }> {
  const mine = await caller.connect(member, "bob");
  await caller.next("rtc-create", (f) => f.ref === mine);
  caller.post({ t: "rtc-local-description", ref: mine, sdp: { type: "offer", sdp: `v=0 offer ${mine}` } });
  const incoming = await bobTab.next("rtc-create", (f) => f.offer?.sdp === `v=0 offer ${mine}`);
  bobTab.post({ t: "rtc-local-description", ref: incoming.ref, sdp: { type: "answer", sdp: `v=0 answer ${mine}` } });
  await caller.next("rtc-remote-description", (f) => f.ref === mine && f.sdp.sdp === `v=0 answer ${mine}`);
  caller.post({ t: "rtc-channel-open", ref: mine });
  bobTab.post({ t: "rtc-channel-open", ref: incoming.ref });
  await caller.next("conn-open", (f) => f.ref === mine);
  return { mine, bobs: incoming.ref };
}

test("a tab dies: its connections close in the other tabs and at the remote, the peer lives on", async () => {
  const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
  const [ma, mb] = [await openPeer(a, "alice"), await openPeer(b, "alice")];
  const c = await bob.openTab();
  const mc = await openPeer(c, "bob");
  const fromA = await connectToBob(a, ma, c);
  const fromB = await connectToBob(b, mb, c);
  await b.next("conn-open", (f) => f.ref === fromA.mine && f.member === mb);

  a.die();

  const error = await b.next("conn-error", (f) => f.ref === fromA.mine);
  expect(error).toEqual({
    t: "conn-error",
    member: mb,
    ref: fromA.mine,
    error: { type: "connection-closed", message: "The tab that hosted this connection closed." },
  });
  await b.next("conn-closed", (f) => f.ref === fromA.mine && f.member === mb);
  // Bob hears of it through the server: a LEAVE naming that one connection, which his hub closes.
  await c.next("conn-closed", (f) => f.ref === fromA.bobs && f.member === mc);
  expect(await b.api.stats(mb)).toMatchObject({ peers: 1, tabs: 1, members: 1, connections: 1, peerTabs: 1 });
  // The connection B hosts was not touched on either side.
  expect(b.all("conn-closed", (f) => f.ref === fromB.mine)).toEqual([]);
  expect(c.all("conn-closed", (f) => f.ref === fromB.bobs)).toEqual([]);
  await expectListed(env.server, "alice", true);
});

test("the last tab of a peer dies: the peer ends and the server drops its id", async () => {
  const a = await env.harness.openTab();
  const other = await env.harness.openTab();
  await openPeer(a, "ivan");
  const watcher = await openPeer(other, "judy");
  a.die();
  expect(await other.api.stats(watcher)).toMatchObject({ peers: 1, tabs: 1, members: 1, sockets: 1 });
  await expectListed(env.server, "ivan", false);
  await expectListed(env.server, "judy", true);
});

test("a remote that cannot tell connections apart gets one LEAVE, once the dead tabs' last connection to it is gone", async () => {
  const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
  const [ma, mb] = [await openPeer(a, "alice"), await openPeer(b, "alice")];
  // Bob here speaks only the PeerServer protocol, as a peerjs 1.5.5 client: LEAVE ends all of alice's connections.
  const frames: { type: string; src?: string; dst?: string; payload?: unknown }[] = [];
  const socket = new WebSocket(`ws://127.0.0.1:${env.server.port}/peerjs?key=peerjs&id=bob&token=bobs-token`);
  socket.on("message", (data) => frames.push(JSON.parse(String(data)) as (typeof frames)[number]));
  await new Promise((resolve) => socket.once("open", resolve));
  const fromA = await a.connect(ma, "bob");
  await b.connect(mb, "bob");
  a.die();
  await b.next("conn-closed", (f) => f.ref === fromA && f.member === mb);
  // B's connection to him is still up: a LEAVE now would end it at his side too.
  expect(await b.api.stats(mb)).toMatchObject({ connections: 1 });
  b.die();
  for (let i = 0; i < 100 && !frames.some((f) => f.type === "LEAVE"); i++) await new Promise((r) => setTimeout(r, 20));
  // The server relays alice's frames in order: a LEAVE at A's death would have come first.
  expect(frames.filter((f) => f.type !== "OPEN")).toEqual([{ type: "LEAVE", src: "alice", dst: "bob" }]);
  socket.close();
});
