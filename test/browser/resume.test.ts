/**
 * Connection resuming between two sharedpeers. When the tab that hosts a data connection's
 * RTCPeerConnection goes (closed, crashed), another tab of that peer dials again under the same
 * connectionId; every DataConnection object, in every tab left and at the remote, stays the same
 * object, stays open and emits `resumed`, and nothing is lost, doubled or reordered: a large message
 * cut mid-transfer arrives whole, once. With no other tab left, or a remote that vanishes, the
 * connection closes with an error; towards the official peerjs nothing changes (sharing.test.ts).
 *
 * Each scenario logs one line of timings (cut → `resumed` per tab, close latencies) for the README.
 * A tab crash here is CDP `Page.crash`, so Chromium only; Firefox's crash (SIGKILL to the tab's
 * process) needs a Firefox of its own: resume-crash.firefox.test.ts.
 */
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { testEngine, useBrowserEnv } from "../support/env.js";
import { others, resumeKit, type Timed } from "../support/resume.js";
import { bobDials } from "../support/exchange.js";

const env = useBrowserEnv();
const kit = resumeKit(env);

test("alice's host tab closes mid-transfer: the connection resumes on another alice tab; nothing lost, doubled or reordered", async () => {
  await kit.hostGoes("alice", "close");
});

if (testEngine() === "chromium") {
  test("alice's host tab crashes mid-transfer: the connection resumes on another alice tab; nothing lost, doubled or reordered", async () => {
    await kit.hostGoes("alice", "crash");
  });
}

// A reload is a close as far as the worker can tell (its Web Lock goes): one engine is enough, for CI's time.
if (testEngine() === "chromium") {
  test("alice's host tab reloads mid-transfer: the connection resumes on another alice tab; nothing lost, doubled or reordered", async () => {
    await kit.hostGoes("alice", "reload");
  });
}

test("bob's host tab closes mid-transfer (bob sending from his other tab): the connection resumes; nothing lost, doubled or reordered", async () => {
  await kit.hostGoes("bob", "close");
});

test("both in turn: alice's host closes mid-transfer, then, once resumed, bob's; both loads arrive whole, once, in order", async () => {
  await kit.bothInTurn();
}, 90_000);

/** `key`'s events in `tab` from `after` on are an `error` matching `error`, then `close` (waited for `within` ms); ms to each. */
async function errorThenClose(tab: Page, key: string, after: number, within: number, error: RegExp) {
  await tab.evaluate(([k, ms]) => H.waitEvent(k, "close", ms), [key, within] as const);
  const events: Timed = await tab.evaluate((k) => H.timedConnEvents(k), key);
  const later = events.filter(([, at]) => at >= after);
  expect(later.map(([e]) => e)).toEqual([expect.stringMatching(error), "close"]);
  expect(events.map(([e]) => e)).not.toContain("resumed");
  return { error: later[0]![0], errorMs: later[0]![1] - after, closeMs: later[1]![1] - after };
}

const seenText = (seen: Array<{ error: string; errorMs: number; closeMs: number }>) =>
  seen.map((s) => `"${s.error}" ${s.errorMs} ms, close ${s.closeMs} ms`).join("; ");

test("no other tab of alice left: her only tab, the host, closes; bob sees error (connection-closed) then close within 2 s", async () => {
  const p = await kit.pair(1, 1);
  expect(await kit.host(p.aliceTabs, p.key)).toBe(p.aliceTabs[0]);
  const cutAt = Date.now();
  await p.aliceTabs[0]!.close();
  const seen = await errorThenClose(p.bobTabs[0]!, p.key, cutAt, 2000, /^error:connection-closed:/);
  expect((await p.bobTabs[0]!.evaluate(() => H.peerEvents("me"))).filter((e) => e.startsWith("error"))).toEqual([]);
  console.log(`resume [${env.engine}] no other tab: bob saw ${seenText([seen])} after alice's only tab closed`);
  await Promise.all([p.aliceUser.close(), p.bobUser.close()]);
});

test("the remote vanishes without a word (its browser context closes): alice's tabs see error then close within 3 s", async () => {
  const p = await kit.pair(2, 1);
  const cutAt = Date.now();
  await p.bobUser.close();
  const seen = await Promise.all(p.aliceTabs.map((t) => errorThenClose(t, p.key, cutAt, 3000, /^error:/)));
  console.log(`resume [${env.engine}] remote context closed: alice saw ${seenText(seen)}`);
  await p.aliceUser.close();
});

// Firefox runs the remote's SharedWorker in its only page's process, and crashTab cannot tell that
// process apart by a new worker thread (it has one already): Chromium only.
if (testEngine() === "chromium") {
  test("the remote's only page crashes: alice's tabs see error then close within 3 s", async () => {
    const p = await kit.pair(2, 1);
    const cutAt = Date.now();
    await kit.crash(p.bobTabs[0]!);
    const seen = await Promise.all(p.aliceTabs.map((t) => errorThenClose(t, p.key, cutAt, 3000, /^error:/)));
    console.log(`resume [${env.engine}] remote page crashed: alice saw ${seenText(seen)}`);
    await Promise.all([p.aliceUser.close(), p.bobUser.close()]);
  });
}

test("an official peerjs remote: alice's host tab closes; the remote and alice's other tab see close within 2 s, no resumed", async () => {
  const alice = kit.fresh("alice");
  const bobId = kit.fresh("bob");
  const [aliceUser, bobUser] = [await env.user(), await env.user()];
  const aliceTabs = await env.sharedTabs(aliceUser, alice, 2);
  const bob = await env.tab(bobUser, "peerjs");
  await env.openPeer(bob, "bob", bobId);
  const { bobKey, key } = await bobDials(bob, alice, aliceTabs);
  const host = await kit.host(aliceTabs, key);
  const [other] = others(aliceTabs, host);

  const cutAt = Date.now();
  await host.close();
  await Promise.all([
    other!.evaluate((k) => H.waitEvent(k, "close", 2000), key),
    bob.evaluate((k) => H.waitEvent(k, "close", 2000), bobKey),
  ]);
  const closeMs = async (tab: Page, k: string) => {
    const events: Timed = await tab.evaluate((c) => H.timedConnEvents(c), k);
    expect(events.map(([e]) => e)).not.toContain("resumed");
    return events.find(([e]) => e === "close")![1] - cutAt;
  };
  const [otherMs, bobMs] = [await closeMs(other!, key), await closeMs(bob, bobKey)];
  console.log(
    `resume [${env.engine}] peerjs remote: alice's other tab saw close ${otherMs} ms, the peerjs remote ${bobMs} ms after the host closed`,
  );
  await Promise.all([aliceUser.close(), bobUser.close()]);
});
