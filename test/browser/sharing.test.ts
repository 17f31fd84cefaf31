/** Several tabs, one peer: the capability sharedpeer exists for (peers/peerjs#647). */
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { testEngine, useBrowserEnv } from "../support/env.js";
import { idMaker } from "../support/seeded.js";

const env = useBrowserEnv();
const fresh = idMaker();

/** A user whose `count` tabs share a fresh id "alice-…" as "me", and a second user's tab with peer "bob" (sharedpeer or the official peerjs). */
async function aliceAndBob(count: number, lib: "sharedpeer" | "peerjs" = "sharedpeer") {
  const alice = fresh("alice");
  const bobId = fresh("bob");
  const [user, remote] = [await env.user(), await env.user()];
  const tabs = await env.sharedTabs(user, alice, count);
  const bob = await env.tab(remote, lib);
  await env.openPeer(bob, "bob", bobId);
  return { alice, bobId, user, remote, tabs, bob };
}

const stats = (tab: Page) => tab.evaluate(() => H.stats("me"));

test("three tabs asking for one id share one peer and one server socket", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  const tabs = await env.sharedTabs(user, alice, 3);
  for (const tab of tabs) {
    expect(await tab.evaluate(() => H.peerEvents("me"))).toEqual([`open:${alice}`]);
    expect(await tab.evaluate(() => H.peerState("me")?.mode)).toBe("shared");
  }
  expect(env.server.clients().filter((c) => c === alice)).toEqual([alice]);
  expect(await stats(tabs[0]!)).toMatchObject({ peers: 1, tabs: 3, members: 3, sockets: 1, peerTabs: 3 });
  await user.close();
});

test("an incoming connection reaches every tab; data reaches every listening tab in order; sends from two tabs keep each tab's order", async () => {
  const { alice, bobId, user, remote, tabs, bob } = await aliceAndBob(3);

  const bobKey = await bob.evaluate((to) => H.connect("bob", to, { reliable: true }), alice);
  await bob.evaluate((k) => H.waitOpen(k), bobKey);
  const connectionId = bobKey.split("/")[1]!;
  const keys: string[] = [];
  for (const tab of tabs) {
    const key = await tab.evaluate((from) => H.incoming("me", from), bobId);
    expect(key).toBe(`me/${connectionId}`);
    await tab.evaluate((k) => H.waitOpen(k), key);
    keys.push(key);
  }
  // The same connection is listed in every tab.
  for (const tab of tabs) expect(await tab.evaluate(() => H.peerState("me")?.connections)).toEqual({ [bobId]: [connectionId] });

  await bob.evaluate((k) => H.sendNumbered(k, "bob", 1000), bobKey);
  const expected = Array.from({ length: 1000 }, (_, i) => `bob:${i}`);
  for (const [i, tab] of tabs.entries()) {
    await tab.evaluate((k) => H.waitData(k, 1000), keys[i]!);
    expect(await tab.evaluate((k) => H.numbered(k), keys[i]!)).toEqual(expected);
  }

  await Promise.all([
    tabs[0]!.evaluate((k) => H.sendNumbered(k, "tab1", 500), keys[0]!),
    tabs[1]!.evaluate((k) => H.sendNumbered(k, "tab2", 500), keys[1]!),
  ]);
  await bob.evaluate((k) => H.waitData(k, 1000), bobKey);
  const got = await bob.evaluate((k) => H.numbered(k), bobKey);
  expect(got).toHaveLength(1000);
  for (const tag of ["tab1", "tab2"]) {
    expect(got.filter((m) => m.startsWith(`${tag}:`))).toEqual(Array.from({ length: 500 }, (_, i) => `${tag}:${i}`));
  }
  await Promise.all([user.close(), remote.close()]);
});

/** A remote that cannot resume (the official peerjs): a sharedpeer one is resume.test.ts's. */
async function hostDies(kill: (tab: Page) => Promise<void>): Promise<void> {
  const { alice, bobId, user, remote, tabs, bob } = await aliceAndBob(3, "peerjs");
  const baseline = await stats(tabs[0]!);

  const bobKey = await bob.evaluate((to) => H.connect("bob", to, { reliable: true }), alice);
  await bob.evaluate((k) => H.waitOpen(k), bobKey);
  const key = `me/${bobKey.split("/")[1]!}`;
  const hosting: boolean[] = [];
  for (const tab of tabs) {
    await tab.evaluate((from) => H.incoming("me", from), bobId);
    await tab.evaluate((k) => H.waitOpen(k), key);
    hosting.push((await tab.evaluate((k) => H.connInfo(k)?.hosted, key)) === true);
  }
  // Exactly one tab hosts the RTCPeerConnection.
  expect(hosting.filter(Boolean)).toHaveLength(1);
  const hostIndex = hosting.indexOf(true);
  const host = tabs[hostIndex]!;
  const others = tabs.filter((_, i) => i !== hostIndex);

  await kill(host);
  // Within 2 s (the Web Lock frees in tens of ms) the other tabs and the remote see `close`.
  await Promise.all([
    ...others.map((tab) => tab.evaluate((k) => H.waitEvent(k, "close", 2000), key)),
    bob.evaluate((k) => H.waitEvent(k, "close", 2000), bobKey),
  ]);
  expect(await stats(others[0]!)).toEqual({ ...baseline, tabs: 2, members: 2, peerTabs: 2, ports: baseline.ports! - 2 });

  // A remaining tab can connect again.
  const again = await others[0]!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await others[0]!.evaluate((k) => H.waitOpen(k), again);
  await others[0]!.evaluate((k) => H.send(k, ["after the host died"]), again);
  const incoming = await bob.evaluate((from) => H.incoming("bob", from), alice);
  await bob.evaluate((k) => H.waitData(k, 1), incoming);
  expect(await bob.evaluate((k) => H.received(k), incoming)).toEqual(["after the host died"]);
  await others[0]!.evaluate((k) => H.close(k), again);
  await bob.evaluate((k) => H.waitEvent(k, "close"), incoming);
  await expect.poll(() => stats(others[0]!)).toEqual({ ...baseline, tabs: 2, members: 2, peerTabs: 2, ports: baseline.ports! - 2 });
  await Promise.all([user.close(), remote.close()]);
}

test("the host tab closes, the remote an official peerjs: the other tabs and the remote see close within 2 s, and counts return", async () => {
  await hostDies((tab) => tab.close());
});

// A renderer crash needs CDP (Page.crash): Chromium only (README, "Browser support").
if (testEngine() === "chromium") {
  test("the host tab crashes, the remote an official peerjs: the other tabs and the remote see close within 2 s, and counts return", async () => {
    await hostDies(async (tab) => {
      const cdp = await tab.context().newCDPSession(tab);
      // The renderer dies before it could answer, so the command never resolves: do not wait for it.
      void cdp.send("Page.crash").catch(() => undefined);
      await new Promise<void>((resolve) => tab.once("crash", () => resolve()));
    });
  });
}

test("a connection placed by one tab shows up in the others (sharedConnection), which can receive and send on it", async () => {
  const { alice, bobId, user, remote, tabs, bob } = await aliceAndBob(2);
  const out = await tabs[0]!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await tabs[0]!.evaluate((k) => H.waitOpen(k), out);
  await tabs[1]!.evaluate(() => H.waitPeerEvent("me", "shared:"));
  expect(await tabs[1]!.evaluate(() => H.peerEvents("me"))).toEqual([`open:${alice}`, `shared:${bobId}:${out}`]);
  await tabs[1]!.evaluate((k) => H.waitOpen(k), out);
  const incoming = await bob.evaluate((from) => H.incoming("bob", from), alice);
  await bob.evaluate((k) => H.waitOpen(k), incoming);
  await bob.evaluate((k) => H.send(k, ["to every alice tab"]), incoming);
  for (const tab of tabs) {
    await tab.evaluate((k) => H.waitData(k, 1), out);
    expect(await tab.evaluate((k) => H.received(k), out)).toEqual(["to every alice tab"]);
  }
  await tabs[1]!.evaluate((k) => H.send(k, ["from the tab that did not dial"]), out);
  await bob.evaluate((k) => H.waitData(k, 1), incoming);
  expect(await bob.evaluate((k) => H.received(k), incoming)).toEqual(["from the tab that did not dial"]);
  await Promise.all([user.close(), remote.close()]);
});

test("when every tab of a peer closes, the id is free at the server again", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  const tabs = await env.sharedTabs(user, alice, 2);
  expect(env.server.clients()).toContain(alice);
  for (const tab of tabs) await tab.close();
  await expect.poll(() => env.server.clients().includes(alice), { timeout: 5000 }).toBe(false);
  const other = await env.user();
  const tab = await env.tab(other);
  expect(await env.openPeer(tab, "me", alice)).toBe(`open:${alice}`);
  await Promise.all([user.close(), other.close()]);
});

test("a reloaded tab gets its shared id back at once", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  const [tab] = await env.sharedTabs(user, alice, 1);
  await tab!.reload();
  await tab!.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  expect(await env.openPeer(tab!, "me", alice)).toBe(`open:${alice}`);
  await user.close();
});

test("destroy() ends one tab's Peer only; the last one ends the shared peer", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  const tabs = await env.sharedTabs(user, alice, 2);
  await tabs[0]!.evaluate(() => H.destroy("me"));
  expect(await tabs[0]!.evaluate(() => H.peerState("me"))).toMatchObject({ destroyed: true, open: false });
  expect(await tabs[0]!.evaluate(() => H.peerEvents("me"))).toEqual([`open:${alice}`, "close"]);
  expect(await tabs[1]!.evaluate(() => H.peerState("me"))).toMatchObject({ open: true, id: alice });
  expect(env.server.clients()).toContain(alice);
  await tabs[1]!.evaluate(() => H.destroy("me"));
  await expect.poll(() => env.server.clients().includes(alice), { timeout: 5000 }).toBe(false);
  await user.close();
});

test("disconnect() and reconnect() act on the shared socket: every tab sees both", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  const tabs = await env.sharedTabs(user, alice, 2);
  await tabs[1]!.evaluate(() => H.peer("me")?.disconnect());
  for (const tab of tabs) await tab.evaluate(() => H.waitPeerEvent("me", "disconnected"));
  expect(await tabs[0]!.evaluate(() => H.peerState("me"))).toMatchObject({ open: false, disconnected: true, destroyed: false });
  await tabs[0]!.evaluate(() => H.peer("me")?.reconnect());
  for (const tab of tabs) {
    await tab.evaluate(() => H.waitPeerEvent("me", "open", 5000));
    await expect.poll(() => tab.evaluate(() => H.peerEvents("me").filter((e) => e.startsWith("open")).length)).toBe(2);
    expect(await tab.evaluate(() => H.peerState("me"))).toMatchObject({ open: true, disconnected: false, id: alice });
  }
  await user.close();
});

test("share:false behaves like peerjs: a second Peer with the id gets unavailable-id", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  const [tab1, tab2] = [await env.tab(user), await env.tab(user)];
  expect(await env.openPeer(tab1!, "me", alice, { share: false })).toBe(`open:${alice}`);
  const second = await env.openPeer(tab2!, "me", alice, { share: false });
  expect(second).toMatch(/^error:unavailable-id:ID "alice-.*" is taken/);
  await user.close();
});

test("churn: 10 tabs attach and leave in random order while messages flow; no error, counts return", async () => {
  const {
    alice,
    bobId,
    user,
    remote,
    tabs: [anchor],
    bob,
  } = await aliceAndBob(1);
  const baseline = await stats(anchor!);
  const out = await anchor!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await anchor!.evaluate((k) => H.waitOpen(k), out);
  const incoming = await bob.evaluate((from) => H.incoming("bob", from), alice);

  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const open: Page[] = [];
  let sent = 0;
  for (let step = 0; step < 20; step++) {
    if (open.length < 10 && (random() < 0.6 || open.length === 0)) {
      const tab = await env.tab(user);
      expect(await env.openPeer(tab, "me", alice)).toBe(`open:${alice}`);
      open.push(tab);
    } else {
      const [tab] = open.splice(Math.floor(random() * open.length), 1);
      await tab!.close();
    }
    await anchor!.evaluate(([k, n]) => H.sendNumbered(k, `step${n}`, 10), [out, step] as const);
    sent += 10;
  }
  for (const tab of open) await tab.close();
  await bob.evaluate(([k, n]) => H.waitData(k, n), [incoming, sent] as const);
  expect(await bob.evaluate((k) => H.numbered(k), incoming)).toHaveLength(sent);
  expect((await anchor!.evaluate(() => H.peerEvents("me"))).filter((e) => e.startsWith("error"))).toEqual([]);
  expect(await anchor!.evaluate((k) => H.connEvents(k), out)).toEqual(["open"]);
  await anchor!.evaluate((k) => H.close(k), out);
  await expect.poll(() => stats(anchor!)).toEqual(baseline);
  await Promise.all([user.close(), remote.close()]);
});
