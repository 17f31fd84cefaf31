import { afterEach, beforeEach, expect, test } from "vitest";
import WebSocket from "ws";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import type { PeerSettings } from "../../contract/options.js";
import { HubHarness, useHubEnv, type TestTab } from "./support/hub-harness.js";
import { expectListed } from "./support/server-view.js";

const env = useHubEnv();
/** Bob's browser has a hub of its own; Alice's (two tabs share her) is the env's. */
let bob: HubHarness;
beforeEach(() => {
  bob = new HubHarness(env.server);
});
afterEach(() => bob.close());

async function openPeer(tab: TestTab, id: string, overrides: Partial<PeerSettings> = {}): Promise<MemberId> {
  const member = await tab.attach(id, overrides);
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

test("a tab dies: its connections that cannot resume close in the other tabs and at the remote, the peer lives on", async () => {
  const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
  // Without the wire extension a connection never resumes (README, "Resuming").
  const noResume = { wireExtension: false };
  const [ma, mb] = [await openPeer(a, "alice", noResume), await openPeer(b, "alice", noResume)];
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

test("a tab dies: a connection that resumes moves to another tab, and the remote takes the new leg as the same connection", async () => {
  const [a, b] = [await env.harness.openTab(), await env.harness.openTab()];
  const [ma, mb] = [await openPeer(a, "erin"), await openPeer(b, "erin")];
  const c = await bob.openTab();
  const mc = await openPeer(c, "bob");
  const { mine, bobs } = await connectToBob(a, ma, c);
  await b.next("conn-open", (f) => f.ref === mine && f.member === mb);

  a.die();

  // B builds the next leg under a ref of its own, for the same connection, and offers it.
  const leg = await b.next("rtc-create", (f) => f.conn === mine);
  expect(leg.ref).not.toBe(mine);
  expect(leg.offer).toBeUndefined();
  b.post({ t: "rtc-local-description", ref: leg.ref, sdp: { type: "offer", sdp: "v=0 resumed offer" } });
  // Bob's hub closes the old leg and answers on a new one, in the tab that hosts the connection.
  await c.next("rtc-close", (f) => f.ref === bobs);
  const answering = await c.next("rtc-create", (f) => f.conn === bobs && f.offer?.sdp === "v=0 resumed offer");
  c.post({ t: "rtc-local-description", ref: answering.ref, sdp: { type: "answer", sdp: "v=0 resumed answer" } });
  await b.next("rtc-remote-description", (f) => f.ref === leg.ref && f.sdp.sdp === "v=0 resumed answer");
  b.post({ t: "rtc-channel-open", ref: leg.ref });
  c.post({ t: "rtc-channel-open", ref: answering.ref });
  await b.next("conn-resumed", (f) => f.ref === mine && f.member === mb);
  await c.next("conn-resumed", (f) => f.ref === bobs && f.member === mc);
  expect(b.all("conn-closed")).toEqual([]);
  expect(c.all("conn-closed")).toEqual([]);
  expect(b.all("conn-error")).toEqual([]);
  // The dead leg's ref means nothing now: a report under it does not touch the connection.
  c.post({ t: "rtc-channel-closed", ref: bobs });
  await c.settle(mc);
  expect(c.all("conn-closed")).toEqual([]);
});

test("a tab dies with no other tab of its peer: a connection that resumes closes at the remote, with an error that says why", async () => {
  const a = await env.harness.openTab();
  const ma = await openPeer(a, "frank");
  const c = await bob.openTab();
  const mc = await openPeer(c, "bob");
  const { bobs } = await connectToBob(a, ma, c);
  a.die();
  const error = await c.next("conn-error", (f) => f.ref === bobs && f.member === mc);
  expect(error.error).toEqual({
    type: "connection-closed",
    message: "The tab of frank that hosted this connection closed, and no other tab of frank could take it over.",
  });
  await c.next("conn-closed", (f) => f.ref === bobs);
});
