/**
 * The SharedWorker dies under its tabs (issue 12; architecture flow 7). Killed for real, per engine
 * (test/support/kill-worker.ts): Chromium's through CDP `Target.closeTarget`; Firefox's by SIGKILL
 * to the content process it runs in alone. The assertions are written once for both.
 *
 * Chromium only for now: in Firefox, after a real kill, a tab sometimes never opens again (8 s;
 * 2 of 4 tests in a full-file run, each passes alone). Firefox hands a `new SharedWorker` made right
 * as the dead worker's Web Lock is released to that dead worker (probed with `close()`: it never
 * answers), which is the likely cause (issue 16). Rename to worker-death.test.ts once the attach
 * path survives that.
 */
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { useBrowserEnv } from "../support/env.js";
import { killableWorkerEnv, killStuckWorker, killWorker, workerHomes } from "../support/kill-worker.js";
import { idMaker } from "../support/seeded.js";
import { bobDials } from "../support/exchange.js";

const env = useBrowserEnv({}, killableWorkerEnv());
const fresh = idMaker();

type Timed = Array<[string, number]>;
const firstAt = (events: Timed, prefix: string, after = 0) => events.find(([e, at]) => e.startsWith(prefix) && at >= after)?.[1];

/** Every tab saw the loss: `error` (network, naming the worker), `disconnected`, and `error` + `close` on `key`. */
async function lossSeen(tab: Page, key: string, killedAt: number): Promise<{ detected: number; reopened: number }> {
  await tab.evaluate((k) => H.waitEvent(k, "close", 5000), key);
  await tab.evaluate(() => H.waitPeerEvents("me", "open:", 2, 8000));
  const peer = await tab.evaluate(() => H.timedPeerEvents("me"));
  const conn = await tab.evaluate((k) => H.timedConnEvents(k), key);
  const error = peer.find(([e, at]) => e.startsWith("error:network:") && at >= killedAt);
  expect(error?.[0]).toMatch(/worker/);
  const times = [
    error?.[1],
    firstAt(peer, "disconnected", killedAt),
    firstAt(conn, "error:connection-closed", killedAt),
    firstAt(conn, "close", killedAt),
  ];
  for (const at of times) expect(at).toBeDefined();
  const reopened = firstAt(peer, "open:", killedAt);
  expect(peer.filter(([e]) => e.startsWith("open:")).map(([e]) => e)).toEqual([peer[0]![0], peer[0]![0]]);
  return { detected: Math.max(...(times as number[])) - killedAt, reopened: (reopened ?? Infinity) - killedAt };
}

test("the worker dies under three tabs while a peerjs remote sends: every tab and the remote learn within 2 s, every tab is open again under its id within 5 s", async () => {
  const alice = fresh("alice");
  const bobId = fresh("bob");
  const [user, remote] = [await env.user(), await env.user()];
  await workerHomes(env, user);
  const tabs = await env.sharedTabs(user, alice, 3);
  const bob = await env.tab(remote, "peerjs");
  await env.openPeer(bob, "bob", bobId);

  const { bobKey, key: oldKey } = await bobDials(bob, alice, tabs);
  // bob sends every 10 ms until its connection closes.
  await bob.evaluate((k) => {
    const conn = H.conn(k)!;
    let i = 0;
    const timer = setInterval(() => conn.open && conn.send({ tag: "before", i: i++ }), 10);
    conn.on("close", () => clearInterval(timer));
  }, bobKey);
  for (const tab of tabs) await tab.evaluate((k) => H.waitData(k, 20), oldKey);

  const { askedAt: killedAt } = await killWorker(env, tabs[0]!);

  await bob.evaluate((k) => H.waitEvent(k, "close", 5000), bobKey);
  const bobClosed = firstAt(await bob.evaluate((k) => H.timedConnEvents(k), bobKey), "close")! - killedAt;
  const seen = [];
  for (const tab of tabs) seen.push(await lossSeen(tab, oldKey, killedAt));
  console.log(
    `worker death: tabs detected in ${seen.map((s) => s.detected).join("/")} ms, open again in ${seen.map((s) => s.reopened).join("/")} ms; remote closed in ${bobClosed} ms`,
  );
  for (const { detected, reopened } of seen) {
    expect(detected).toBeLessThan(2000);
    expect(reopened).toBeLessThan(5000);
  }
  expect(bobClosed).toBeLessThan(2000);
  for (const tab of tabs) {
    expect(await tab.evaluate(() => H.flagsNow("me"))).toEqual({ id: alice, open: true, disconnected: false, destroyed: false });
    expect(await tab.evaluate(() => H.peerState("me")?.connections)).toEqual({});
  }
  expect(env.server.clients().filter((c) => c === alice)).toEqual([alice]);
  expect(await tabs[0]!.evaluate(() => H.stats("me"))).toMatchObject({ peers: 1, tabs: 3, members: 3, sockets: 1, peerTabs: 3 });

  // A new connection from the remote carries data both ways, and only what was sent after the death.
  const { bobKey: bobKey2, key: newKey } = await bobDials(bob, alice, tabs);
  await bob.evaluate((k) => H.sendNumbered(k, "after", 50), bobKey2);
  const after = Array.from({ length: 50 }, (_, i) => `after:${i}`);
  for (const tab of tabs) {
    await tab.evaluate((k) => H.waitData(k, 50), newKey);
    expect(await tab.evaluate((k) => H.numbered(k), newKey)).toEqual(after);
    // Nothing sent before the death surfaced once the tab knew of it.
    const closedAt = firstAt(await tab.evaluate((k) => H.timedConnEvents(k), oldKey), "close")!;
    const late = (await tab.evaluate((k) => H.dataTimes(k), oldKey)).filter((at) => at >= closedAt);
    expect(late).toEqual([]);
  }
  await tabs[1]!.evaluate((k) => H.sendNumbered(k, "tab2", 30), newKey);
  await bob.evaluate((k) => H.waitData(k, 30), bobKey2);
  expect(await bob.evaluate((k) => H.numbered(k), bobKey2)).toEqual(Array.from({ length: 30 }, (_, i) => `tab2:${i}`));

  // And one from a tab.
  const tabKey = await tabs[2]!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await tabs[2]!.evaluate((k) => H.waitOpen(k), tabKey);
  const atBob = await bob.evaluate((from) => H.incoming("bob", from), alice);
  await bob.evaluate((k) => H.waitOpen(k), atBob);
  await tabs[2]!.evaluate((k) => H.sendNumbered(k, "tab3", 20), tabKey);
  await bob.evaluate((k) => H.waitData(k, 20), atBob);
  expect(await bob.evaluate((k) => H.numbered(k), atBob)).toEqual(Array.from({ length: 20 }, (_, i) => `tab3:${i}`));
  await bob.evaluate((k) => H.sendNumbered(k, "bob", 20), atBob);
  await tabs[2]!.evaluate((k) => H.waitData(k, 20), tabKey);
  expect(await tabs[2]!.evaluate((k) => H.numbered(k), tabKey)).toEqual(Array.from({ length: 20 }, (_, i) => `bob:${i}`));
  await Promise.all([user.close(), remote.close()]);
});

test("killed during a 20 MiB transfer and again right after recovering: every send() and control call settles, and the peer comes back each time", async () => {
  const alice = fresh("alice");
  const bobId = fresh("bob");
  const [user, remote] = [await env.user(), await env.user()];
  await workerHomes(env, user, 2);
  const tabs = await env.sharedTabs(user, alice, 2);
  const bob = await env.tab(remote, "peerjs");
  await env.openPeer(bob, "bob", bobId);
  const key = await tabs[0]!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await tabs[0]!.evaluate((k) => H.waitOpen(k), key);
  const atBob = await bob.evaluate((from) => H.incoming("bob", from), alice);
  await bob.evaluate((k) => H.waitOpen(k), atBob);

  // First death: in the middle of a 20 MiB message.
  await tabs[0]!.evaluate((k) => H.send(k, [new Uint8Array(20 * 1024 * 1024).buffer]), key);
  const { askedAt: killedAt } = await killWorker(env, tabs[0]!);
  await tabs[0]!.evaluate((k) => H.waitEvent(k, "close", 5000), key);
  const events = await tabs[0]!.evaluate((k) => H.timedConnEvents(k), key);
  expect(firstAt(events, "error:connection-closed", killedAt)! - killedAt).toBeLessThan(2000);
  // The big message never finished, and says so through that error, not by silence.
  expect(await tabs[0]!.evaluate((k) => H.progress(k).some((p) => p.endsWith(":done")), key)).toBe(false);
  // send() on the dead connection: an error at once.
  const before = events.length;
  await tabs[0]!.evaluate((k) => H.send(k, ["late"]), key);
  const later = (await tabs[0]!.evaluate((k) => H.connEvents(k), key)).slice(before);
  expect(later).toEqual([expect.stringMatching(/^error:not-open-yet:/)]);
  await bob.evaluate((k) => H.waitEvent(k, "close", 5000), atBob);
  expect(await bob.evaluate((k) => H.receivedCount(k), atBob)).toBe(0);
  for (const tab of tabs) await tab.evaluate(() => H.waitPeerEvents("me", "open:", 2, 8000));

  // Second death, right after: the worker is stuck first, so a control call and sends wait on it.
  const key1 = await tabs[1]!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await tabs[1]!.evaluate((k) => H.waitOpen(k), key1);
  const { askedAt: secondAt } = await killStuckWorker(env, tabs[1]!, async () => {
    await tabs[1]!.evaluate(() => {
      const w = window as unknown as { statsOutcome?: string };
      H.stats("me").then(
        () => (w.statsOutcome = "resolved"),
        (e: { type?: string }) => (w.statsOutcome = `rejected:${e.type ?? "?"}`),
      );
    });
    await tabs[1]!.evaluate((k) => H.send(k, ["into the void", { n: 1 }]), key1);
  });
  const outcome = () => tabs[1]!.evaluate(() => (window as unknown as { statsOutcome?: string }).statsOutcome);
  await expect.poll(outcome, { timeout: 6000 }).toBe("rejected:network");
  await tabs[1]!.evaluate((k) => H.waitEvent(k, "close", 6000), key1);
  expect((await tabs[1]!.evaluate((k) => H.connEvents(k), key1)).filter((e) => e.startsWith("error:"))).toHaveLength(1);
  for (const tab of tabs) {
    await tab.evaluate(() => H.waitPeerEvents("me", "open:", 3, 10_000));
    const peer = await tab.evaluate(() => H.timedPeerEvents("me"));
    // A busy worker thread is stopped only after Blink's forcible-termination delay (2 s), then as above.
    expect(firstAt(peer, "disconnected", secondAt)! - secondAt).toBeLessThan(2000 + 2000);
    expect(firstAt(peer, "open:", secondAt)! - secondAt).toBeLessThan(2000 + 5000);
    expect(await tab.evaluate(() => H.flagsNow("me"))).toEqual({ id: alice, open: true, disconnected: false, destroyed: false });
  }
  expect(await tabs[1]!.evaluate(() => H.stats("me"))).toMatchObject({ peers: 1, tabs: 2, members: 2, sockets: 1, peerTabs: 2 });

  // Still useful: a connection carries a large message after two deaths.
  const key2 = await tabs[1]!.evaluate((to) => H.connect("me", to, { reliable: true }), bobId);
  await tabs[1]!.evaluate((k) => H.waitOpen(k), key2);
  const atBob2 = await bob.evaluate((from) => H.incoming("bob", from, 2), alice);
  await bob.evaluate((k) => H.waitOpen(k), atBob2);
  await tabs[1]!.evaluate((k) => H.send(k, [new Uint8Array(1024 * 1024).fill(7).buffer]), key2);
  await bob.evaluate((k) => H.waitData(k, 1), atBob2);
  expect(await bob.evaluate((k) => H.received(k), atBob2)).toHaveLength(1);
  await Promise.all([user.close(), remote.close()]);
});

test("a media call ends with the worker, in its tab (with an error) and at the peerjs remote; a new call works after recovery", async () => {
  const alice = fresh("alice");
  const bobId = fresh("bob");
  const [user, remote] = [await env.user(), await env.user()];
  await workerHomes(env, user);
  const tabs = await env.sharedTabs(user, alice, 2);
  for (const tab of tabs) await tab.evaluate(() => M.listen("me"));
  const bob = await env.tab(remote, "peerjs");
  await env.openPeer(bob, "bob", bobId);
  await bob.evaluate(() => M.listen("bob"));
  const out = await tabs[0]!.evaluate((to) => M.call("me", to), bobId);
  const atBob = await bob.evaluate(() => M.incoming("bob"));
  await bob.evaluate((k) => M.answer(k), atBob);
  expect(await tabs[0]!.evaluate((k) => M.remoteVideo(k), out)).toEqual({ width: 320, height: 240, live: true });

  const { askedAt } = await killWorker(env, tabs[0]!);
  // Polled in the pages (every 10 ms), so the times are the pages' own.
  const closedAt = (page: typeof bob, k: string) => page.evaluate((key) => M.waitEvent(key, "close", 5000).then(() => Date.now()), k);
  const [here, there] = await Promise.all([closedAt(tabs[0]!, out), closedAt(bob, atBob)]);
  expect(await tabs[0]!.evaluate((k) => M.events(k), out)).toEqual(expect.arrayContaining(["error:connection-closed", "close"]));
  expect(here - askedAt).toBeLessThan(2000);
  expect(there - askedAt).toBeLessThan(2000);

  for (const tab of tabs) await tab.evaluate(() => H.waitPeerEvents("me", "open:", 2, 8000));
  const again = await bob.evaluate((to) => M.call("bob", to), alice);
  const key = await tabs[1]!.evaluate(() => M.incoming("me"));
  await tabs[1]!.evaluate((k) => M.answer(k), key);
  expect(await tabs[1]!.evaluate((k) => M.remoteVideo(k), key)).toEqual({ width: 320, height: 240, live: true });
  expect(await bob.evaluate((k) => M.remoteVideo(k), again)).toEqual({ width: 320, height: 240, live: true });
  await Promise.all([user.close(), remote.close()]);
});

test("a Peer the app had disconnected stays disconnected through a worker loss, and reconnect() brings it back with its id", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  await workerHomes(env, user);
  const [tab] = await env.sharedTabs(user, alice, 1);
  // disconnect() reaches a stuck worker, so its call is still in flight at the death: one error, not two.
  // Events are stamped with the page's clock: `since` is read there, after disconnect() has emitted.
  let since = 0;
  await killStuckWorker(env, tab!, async () => {
    since = await tab!.evaluate(() => (H.peer("me")!.disconnect(), Date.now()));
  });
  await tab!.evaluate(() => H.waitPeerEvent("me", "error:network", 5000));
  // Given time to come back by itself, it does not.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(await tab!.evaluate(() => H.flagsNow("me"))).toEqual({ id: null, open: false, disconnected: true, destroyed: false });
  const after = (await tab!.evaluate(() => H.timedPeerEvents("me"))).filter(([, at]) => at > since);
  expect(
    after.map(([e]) => e.split(":")[0]),
    JSON.stringify(after),
  ).toEqual(["error"]);
  await tab!.evaluate(() => H.peer("me")!.reconnect());
  await tab!.evaluate(() => H.waitPeerEvents("me", "open:", 2, 8000));
  expect(await tab!.evaluate(() => H.flagsNow("me"))).toEqual({ id: alice, open: true, disconnected: false, destroyed: false });
  await user.close();
});

test("a tab opened after a worker loss joins the tabs that came back: one worker, one socket, one id", async () => {
  const alice = fresh("alice");
  const user = await env.user();
  await workerHomes(env, user);
  const tabs = await env.sharedTabs(user, alice, 2);
  await killWorker(env, tabs[0]!);
  for (const tab of tabs) await tab.evaluate(() => H.waitPeerEvents("me", "open:", 2, 8000));
  const [late] = await env.sharedTabs(user, alice, 1);
  expect(await late!.evaluate(() => H.peerState("me")?.mode)).toBe("shared");
  expect(await late!.evaluate(() => H.stats("me"))).toMatchObject({ peers: 1, tabs: 3, members: 3, sockets: 1, peerTabs: 3 });
  expect(env.server.clients().filter((c) => c === alice)).toEqual([alice]);
  await user.close();
});
