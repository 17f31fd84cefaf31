/**
 * An insecure origin (a dev server opened by LAN address) has no `navigator.locks` (issue 12). The
 * pages are served as http://lan.test:PORT, mapped to 127.0.0.1 by Chromium's --host-resolver-rules
 * and Firefox's `network.dns.localDomains` (`localhost` and 127.0.0.1 count as secure). The tab crash
 * and the worker kill are per engine (test/support/kill-worker.ts).
 */
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { useBrowserEnv } from "../support/env.js";
import { crashTab, killableWorkerEnv, killWorker, workerHomes } from "../support/kill-worker.js";
import { idMaker } from "../support/seeded.js";
import { bobDials } from "../support/exchange.js";

const env = useBrowserEnv({}, killableWorkerEnv({ pageHost: "lan.test" }));
const fresh = idMaker();

type Timed = Array<[string, number]>;
const firstAt = (events: Timed, prefix: string, after = 0) => events.find(([e, at]) => e.startsWith(prefix) && at >= after)?.[1];

const hosts = (tab: Page, key: string) => tab.evaluate((k) => H.connInfo(k)?.hosted ?? false, key);

test("no Web Locks: tabs share one id, a remote connects, a tab that goes is noticed within 5 s, a worker that dies within 2 s", async () => {
  expect(env.origin).toMatch(/^http:\/\/lan\.test:\d+$/);
  const alice = fresh("alice");
  const bobId = fresh("bob");
  const [user, remote] = [await env.user(), await env.user()];
  await workerHomes(env, user);
  const tabs = await env.sharedTabs(user, alice, 3);
  for (const tab of tabs) {
    expect(await tab.evaluate(() => ({ secure: isSecureContext, locks: "locks" in navigator }))).toEqual({ secure: false, locks: false });
    expect(await tab.evaluate(() => H.peerState("me")?.mode)).toBe("shared");
  }
  expect(await tabs[0]!.evaluate(() => H.stats("me"))).toMatchObject({ peers: 1, tabs: 3, sockets: 1, peerTabs: 3 });
  expect(env.server.clients().filter((c) => c === alice)).toEqual([alice]);

  const bob = await env.tab(remote, "peerjs");
  await env.openPeer(bob, "bob", bobId);
  const { bobKey, key } = await bobDials(bob, alice, tabs);
  await bob.evaluate((k) => H.sendNumbered(k, "bob", 10), bobKey);
  for (const tab of tabs) await tab.evaluate((k) => H.waitData(k, 10), key);

  // The host tab closes (pagehide: the fast path): the others and the remote are told.
  const hostIndex = (await Promise.all(tabs.map((t) => hosts(t, key)))).indexOf(true);
  expect(hostIndex).toBeGreaterThanOrEqual(0);
  const [host] = tabs.splice(hostIndex, 1);
  const closedAt = Date.now();
  await host!.close();
  for (const tab of tabs) await tab.evaluate((k) => H.waitEvent(k, "close", 5000), key);
  await bob.evaluate((k) => H.waitEvent(k, "close", 5000), bobKey);
  const told = [
    ...(await Promise.all(tabs.map(async (t) => firstAt(await t.evaluate((k) => H.timedConnEvents(k), key), "close")!))),
    firstAt(await bob.evaluate((k) => H.timedConnEvents(k), bobKey), "close")!,
  ].map((at) => at - closedAt);
  for (const ms of told) expect(ms).toBeLessThan(5000);

  // A tab that crashes says nothing: the heartbeat notices.
  const { askedAt: crashedAt } = await crashTab(env, tabs.pop()!);
  await expect.poll(() => tabs[0]!.evaluate(() => H.stats("me").then((s) => s["peerTabs"])), { timeout: 6000, interval: 100 }).toBe(1);
  const crashNoticed = Date.now() - crashedAt;
  expect(crashNoticed).toBeLessThan(5000);

  // The worker dies: the remaining tab learns through the heartbeat and comes back.
  const [last] = tabs;
  const { askedAt } = await killWorker(env, last!);
  await last!.evaluate(() => H.waitPeerEvents("me", "open:", 2, 8000));
  const peer = await last!.evaluate(() => H.timedPeerEvents("me"));
  const lost = firstAt(peer, "disconnected", askedAt)! - askedAt;
  const reopened = firstAt(peer, "open:", askedAt)! - askedAt;
  console.log(
    `no Web Locks: host tab close told in ${told.join("/")} ms, crash noticed in ≤${crashNoticed} ms, worker loss in ${lost} ms, open again in ${reopened} ms`,
  );
  expect(lost).toBeLessThan(2000);
  expect(reopened).toBeLessThan(5000);
  expect(await last!.evaluate(() => H.peerState("me")?.mode)).toBe("shared");

  // And it works: a new connection from the remote carries data.
  const { bobKey: bobKey2, key: key2 } = await bobDials(bob, alice, [last!]);
  await last!.evaluate((k) => H.sendNumbered(k, "alice", 10), key2);
  await bob.evaluate((k) => H.waitData(k, 10), bobKey2);
  expect(await bob.evaluate((k) => H.numbered(k), bobKey2)).toEqual(Array.from({ length: 10 }, (_, i) => `alice:${i}`));
  await Promise.all([user.close(), remote.close()]);
});
