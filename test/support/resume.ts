/**
 * What the connection-resuming tests share (test/browser/resume.test.ts, and
 * resume-crash.firefox.test.ts, which needs a Firefox of its own): two sharedpeers in several tabs
 * each, a load cut mid-transfer, and the checks that nothing was lost, doubled or reordered.
 */
import { expect } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { BrowserEnv } from "./env.js";
import { crashTab, workerHomes } from "./kill-worker.js";
import { idMaker } from "./seeded.js";

const MiB = 1024 * 1024;
/** Bob's load: BEFORE numbered messages, one BIG patterned ArrayBuffer, AFTER more numbered. */
const BEFORE = 2500;
const AFTER = 2500;
const BIG = 20 * MiB;
const SEED = 7;
const LOAD = BEFORE + 1 + AFTER;
/** How long a connection may take to resume; a bound, not a speed claim. */
const RESUME_MS = 10_000;

export type Timed = Array<[string, number]>;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** What a tab's `digest` reads after a load tagged `tag`. */
const loadDigest = (tag: string) => [
  ...range(0, BEFORE).map((i) => `${tag}:${i}`),
  `bytes:${BIG}:intact`,
  ...range(BEFORE, BEFORE + AFTER).map((i) => `${tag}:${i}`),
];

/** Lost and doubled entries, and where `got` first differs from `want` (null: nowhere). */
function audit(got: string[], want: string[]) {
  const have = new Set(got);
  const lost = want.filter((w) => !have.has(w)).length;
  // Two loads each carry one `bytes:…:intact` entry: only repeats beyond what `want` has count.
  const duplicated = got.length - have.size - (want.length - new Set(want).size);
  const at = range(0, Math.max(got.length, want.length)).find((i) => got[i] !== want[i]);
  const firstDifference = at === undefined ? null : { at, got: got.slice(at, at + 3), want: want.slice(at, at + 3) };
  return { lost, duplicated, firstDifference };
}
const CLEAN = { lost: 0, duplicated: 0, firstDifference: null };

/** Alice in some tabs, bob (another user) in some; bob's first tab dialled alice. */
export interface Pair {
  alice: string;
  bobId: string;
  aliceUser: BrowserContext;
  bobUser: BrowserContext;
  aliceTabs: Page[];
  bobTabs: Page[];
  /** "me/<connectionId>": the connection's key in every tab of both. */
  key: string;
}

/** How a host tab goes. */
export type Cut = (tab: Page) => Promise<unknown>;

/** Where the cut fell. */
interface CutMade {
  cutAt: number;
  /** "2500/5001 messages and 1310630/20971520 of the big one in at the cut", for the log line. */
  cutNote: string;
}

export const others = (tabs: Page[], gone: Page) => tabs.filter((t) => t !== gone);

export function resumeKit(env: BrowserEnv) {
  const fresh = idMaker();

  async function pair(aliceCount: number, bobCount: number, options: { crashable?: boolean } = {}): Promise<Pair> {
    const alice = fresh("alice");
    const bobId = fresh("bob");
    const [aliceUser, bobUser] = [await env.user(), await env.user()];
    // Firefox runs a SharedWorker in the process of the page that started it: a home page of its
    // own, so that killing a tab's process does not take the worker too (kill-worker.ts).
    if (options.crashable) await workerHomes(env, aliceUser);
    const aliceTabs = await env.sharedTabs(aliceUser, alice, aliceCount);
    const bobTabs = await env.sharedTabs(bobUser, bobId, bobCount);
    const key = await bobTabs[0]!.evaluate((to) => H.connect("me", to, { reliable: true }), alice);
    for (const tab of aliceTabs) expect(await tab.evaluate((from) => H.incoming("me", from), bobId)).toBe(key);
    for (const tab of [...aliceTabs, ...bobTabs]) await tab.evaluate((k) => H.waitOpen(k), key);
    return { alice, bobId, aliceUser, bobUser, aliceTabs, bobTabs, key };
  }

  /** The one tab of `tabs` that hosts `key`'s RTCPeerConnection (`peerConnection` set there only). */
  async function host(tabs: Page[], key: string): Promise<Page> {
    const hosting = () => Promise.all(tabs.map((t) => t.evaluate((k) => H.connInfo(k)?.hosted ?? false, key)));
    await expect.poll(async () => (await hosting()).filter(Boolean).length, { timeout: 2000 }).toBe(1);
    return tabs[(await hosting()).indexOf(true)]!;
  }

  const closeTab: Cut = (tab) => tab.close();
  // The page comes back as a new tab with no Peer: the connection must have moved to another.
  const reload: Cut = (tab) => tab.reload();
  const crash: Cut = async (tab) => {
    // Chromium says when the renderer is gone; Firefox's SIGKILL is done when crashTab returns.
    const crashed = env.engine === "chromium" ? tab.waitForEvent("crash", { timeout: 5000 }) : undefined;
    await crashTab(env, tab);
    await crashed;
  };

  /**
   * `sender` sends the load tagged `tag` in one go; once `watcher` (a tab that stays) receives the
   * big message's parts, `cut` takes `victim`. Fails unless the big message was still on its way.
   */
  async function cutMidTransfer(key: string, sender: Page, watcher: Page, victim: Page, cut: Cut, tag: string): Promise<CutMade> {
    const baseline = await watcher.evaluate((k) => H.receivedCount(k), key);
    await sender.evaluate(([k, t, b, n, a, s]) => H.sendLoad(k, t, b, n, a, s), [key, tag, BEFORE, BIG, AFTER, SEED] as const);
    await watcher.waitForFunction((k) => H.receivingPart(k), key, { polling: 10, timeout: 15_000 });
    const cutAt = Date.now();
    await cut(victim);
    // The host is gone: nothing more arrives until the connection is dialled again.
    const atCut = await watcher.evaluate(
      (k) => ({
        received: H.receivedCount(k),
        progress:
          H.progress(k)
            .filter((p) => p.startsWith("receive:"))
            .at(-1) ?? "",
      }),
      key,
    );
    const received = atCut.received - baseline;
    // The big message comes after BEFORE numbered ones: not in yet means the cut came mid-transfer.
    expect(received, `the cut came after ${received} of the load's ${LOAD} messages`).toBeLessThanOrEqual(BEFORE);
    return { cutAt, cutNote: `${received}/${LOAD} messages and ${atCut.progress.split(":")[2] ?? "?"} of the big one in at the cut` };
  }

  /** Waits for the `count`th `resumed` on `key` in every tab of `tabs`; ms from the cut to it, per tab. */
  async function resumedIn(tabs: Page[], key: string, cut: CutMade, count = 1): Promise<number[]> {
    await Promise.all(tabs.map((t) => t.evaluate(([k, n, ms]) => H.waitResumed(k, n, ms), [key, count, RESUME_MS] as const))).catch(
      (error: unknown) => {
        throw new Error(`${cut.cutNote}; then: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return Promise.all(
      tabs.map(async (t) => {
        const events: Timed = await t.evaluate((k) => H.timedConnEvents(k), key);
        return events.filter(([e]) => e === "resumed")[count - 1]![1] - cut.cutAt;
      }),
    );
  }

  /**
   * `sender` sends one more message, "end:0"; each of `receivers` must then have read exactly `want`
   * and then it (a message doubled or resent late shows before it).
   */
  async function deliveredOnce(sender: Page, receivers: Page[], key: string, want: string[]): Promise<void> {
    await sender.evaluate((k) => H.sendNumbered(k, "end", 1), key);
    const all = [...want, "end:0"];
    for (const tab of receivers) {
      await tab
        .evaluate(([k, n]) => H.waitData(k, n, 30_000), [key, all.length] as const)
        .catch(async (error: unknown) => {
          // Say what did arrive and what the connection saw, not only that the count fell short.
          const got = await tab.evaluate(([k, s]) => H.digest(k, s), [key, SEED] as const);
          const events = await tab.evaluate((k) => H.connEvents(k), key);
          throw new Error(`${String(error)}; ${JSON.stringify(audit(got, all))}; events: ${events.join(", ")}`);
        });
      expect(audit(await tab.evaluate(([k, s]) => H.digest(k, s), [key, SEED] as const), all)).toEqual(CLEAN);
    }
  }

  const peerEventsOf = async (tabs: Page[]) =>
    new Map(await Promise.all(tabs.map(async (t) => [t, await t.evaluate(() => H.peerEvents("me"))] as const)));

  /** In every tab: `key` saw open and `resumes` × resumed, nothing else, and is open; the Peer saw nothing since `peerBefore`. */
  async function unbroken(tabs: Page[], key: string, resumes: number, peerBefore: Map<Page, string[]>): Promise<void> {
    for (const tab of tabs) {
      expect(await tab.evaluate((k) => H.connEvents(k), key)).toEqual(["open", ...Array<string>(resumes).fill("resumed")]);
      expect(await tab.evaluate((k) => H.connInfo(k)?.open, key)).toBe(true);
      expect(await tab.evaluate(() => H.peerEvents("me"))).toEqual(peerBefore.get(tab));
    }
  }

  /** Alice 3 tabs, bob 2; one host tab (alice's or bob's) goes mid-transfer; bob sends from a tab that stays. */
  async function hostGoes(side: "alice" | "bob", how: "close" | "crash" | "reload"): Promise<void> {
    const p = await pair(3, 2, { crashable: how === "crash" });
    const aliceHost = await host(p.aliceTabs, p.key);
    const bobHost = await host(p.bobTabs, p.key);
    expect(bobHost, "the tab that dialled hosts").toBe(p.bobTabs[0]);
    const victim = side === "alice" ? aliceHost : bobHost;
    const aliceLeft = others(p.aliceTabs, victim);
    const bobLeft = others(p.bobTabs, victim);
    const sender = others(p.bobTabs, bobHost)[0]!;
    const peerBefore = await peerEventsOf([...aliceLeft, ...bobLeft]);

    const cuts = { close: closeTab, crash, reload };
    const cut = await cutMidTransfer(p.key, sender, aliceLeft[0]!, victim, cuts[how], "bob");
    const aliceResumed = await resumedIn(aliceLeft, p.key, cut);
    const bobResumed = await resumedIn(bobLeft, p.key, cut);
    await deliveredOnce(sender, aliceLeft, p.key, loadDigest("bob"));
    const deliveredIn = Date.now() - cut.cutAt;
    await unbroken([...aliceLeft, ...bobLeft], p.key, 1, peerBefore);
    console.log(
      `resume [${env.engine}] ${side}'s host tab ${{ close: "closes", crash: "crashes", reload: "reloads" }[how]}: ${cut.cutNote}; resumed after ` +
        `${aliceResumed.join("/")} ms at alice, ${bobResumed.join("/")} ms at bob; all delivered and checked ${deliveredIn} ms after the cut`,
    );
    await Promise.all([p.aliceUser.close(), p.bobUser.close()]);
  }

  /** Alice's host closes mid-transfer, then, once resumed, bob's host mid-transfer of a second load. */
  async function bothInTurn(): Promise<void> {
    const p = await pair(3, 2);
    const aliceHost = await host(p.aliceTabs, p.key);
    const aliceLeft = others(p.aliceTabs, aliceHost);
    const firstSender = others(p.bobTabs, await host(p.bobTabs, p.key))[0]!;
    const peerBefore = await peerEventsOf([...aliceLeft, ...p.bobTabs]);

    const first = await cutMidTransfer(p.key, firstSender, aliceLeft[0]!, aliceHost, closeTab, "a");
    const aliceFirst = await resumedIn(aliceLeft, p.key, first);
    const bobFirst = await resumedIn(p.bobTabs, p.key, first);

    // The first load is in before the second starts, so that the second cut falls in the second.
    for (const tab of aliceLeft) await tab.evaluate(([k, n]) => H.waitData(k, n, 30_000), [p.key, LOAD] as const);
    // Bob's host may have moved with the new dial: find it again; the other bob tab sends.
    const bobHost = await host(p.bobTabs, p.key);
    const bobLeft = others(p.bobTabs, bobHost);
    const second = await cutMidTransfer(p.key, bobLeft[0]!, aliceLeft[0]!, bobHost, closeTab, "b");
    const aliceSecond = await resumedIn(aliceLeft, p.key, second, 2);
    const bobSecond = await resumedIn(bobLeft, p.key, second, 2);
    await deliveredOnce(bobLeft[0]!, aliceLeft, p.key, [...loadDigest("a"), ...loadDigest("b")]);
    await unbroken([...aliceLeft, ...bobLeft], p.key, 2, peerBefore);
    console.log(
      `resume [${env.engine}] both in turn: alice's host closed (${first.cutNote}): resumed after ${aliceFirst.join("/")} ms at alice, ` +
        `${bobFirst.join("/")} ms at bob; bob's host closed (${second.cutNote}): resumed after ${aliceSecond.join("/")} ms at alice, ${bobSecond.join("/")} ms at bob`,
    );
    await Promise.all([p.aliceUser.close(), p.bobUser.close()]);
  }

  return { fresh, pair, host, crash, hostGoes, bothInTurn };
}
