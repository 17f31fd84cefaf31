/**
 * Resume soak: alice in five tabs, two sharedpeer remotes (bob1 in two tabs, who dials alice; bob2
 * in one, whom alice dials). Numbered messages flow both ways on both connections (one stream per
 * alice tab, one per remote) while, every 2–3 s, the host tab of one connection at random closes and
 * a new alice tab opens (so there are always five). Each connection must resume every time: no
 * `close`, no `error`, and every stream arrives with nothing lost, doubled or reordered.
 *
 * RESUME_SOAK_SECONDS (default 10) is how long tabs are cut; `npm run soak` runs 60.
 */
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { useBrowserEnv } from "../support/env.js";
import { resumeKit, type Timed } from "../support/resume.js";
import { prng } from "../support/seeded.js";

const SECONDS = Number(process.env["RESUME_SOAK_SECONDS"] ?? 10);
if (!Number.isFinite(SECONDS) || SECONDS <= 0)
  throw new Error(`RESUME_SOAK_SECONDS must be a positive number, not "${process.env["RESUME_SOAK_SECONDS"]}"`);
const TABS = 5;
/** Each stream: PER_TICK messages every TICK_MS (250 a second). */
const PER_TICK = 5;
const TICK_MS = 20;
/** Bounds on waits, not speed claims. */
const RESUME_MS = 10_000;
const DRAIN_MS = 30_000;

const env = useBrowserEnv();
const kit = resumeKit(env);

interface Conn {
  key: string;
  /** The remote's tabs that listen on it, and the one that sends its stream. */
  remoteTabs: Page[];
  remoteSender: Page;
  remoteTag: string;
}

/** An alice tab: its stream's tag, and whether it was there from the start (then it must get every remote message). */
interface AliceTab {
  page: Page;
  tag: string;
  fromStart: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `seqs` runs first, first+1, … up to `last` (from 0 when `fromZero`). */
function contiguous(seqs: number[], last: number, fromZero: boolean) {
  const first = fromZero ? 0 : (seqs[0] ?? 0);
  const gaps = seqs.filter((s, i) => s !== first + i).length;
  return { ok: gaps === 0 && seqs.at(-1) === last, received: seqs.length, first: seqs[0] ?? null, last: seqs.at(-1) ?? null, want: last };
}

test(
  `resume soak: ${TABS} alice tabs, two sharedpeer remotes, a host tab closed every 2–3 s for ${SECONDS} s: every connection resumes, no message lost, doubled or reordered`,
  async () => {
    const random = prng(20260);
    const alice = kit.fresh("alice");
    const [bob1Id, bob2Id] = [kit.fresh("bob1"), kit.fresh("bob2")];
    const [aliceUser, bob1User, bob2User] = [await env.user(), await env.user(), await env.user()];
    const alicePages = await env.sharedTabs(aliceUser, alice, TABS);
    const bob1 = await env.sharedTabs(bob1User, bob1Id, 2);
    const bob2 = await env.sharedTabs(bob2User, bob2Id, 1);

    // bob1 dials alice (her worker picks the host); alice's first tab dials bob2 (and hosts it).
    const key1 = await bob1[0]!.evaluate((to) => H.connect("me", to, { reliable: true }), alice);
    const key2 = await alicePages[0]!.evaluate((to) => H.connect("me", to, { reliable: true }), bob2Id);
    const conns: Conn[] = [
      { key: key1, remoteTabs: bob1, remoteSender: bob1[1]!, remoteTag: "bob1" },
      { key: key2, remoteTabs: bob2, remoteSender: bob2[0]!, remoteTag: "bob2" },
    ];
    const isOpen = (page: Page, key: string) =>
      page.waitForFunction((k) => H.connInfo(k)?.open === true, key, { polling: 20, timeout: 10_000 });
    /** Resolves once `page` (alice's) has both connections open. */
    const connected = (page: Page) => Promise.all(conns.map((c) => isOpen(page, c.key)));
    for (const page of alicePages) await connected(page);
    for (const c of conns) for (const page of c.remoteTabs) await isOpen(page, c.key);
    const remoteEventsBefore = await Promise.all([...bob1, ...bob2].map((p) => p.evaluate(() => H.peerEvents("me"))));

    let tabCount = 0;
    /** Starts an alice tab's stream on both connections. */
    const startAlice = async (page: Page, fromStart: boolean): Promise<AliceTab> => {
      const tag = `alice${tabCount++}`;
      for (const c of conns) await page.evaluate(([k, t, n, ms]) => H.startPump(k, t, n, ms), [c.key, tag, PER_TICK, TICK_MS] as const);
      return { page, tag, fromStart };
    };
    const aliceTabs: AliceTab[] = [];
    for (const page of alicePages) aliceTabs.push(await startAlice(page, true));
    for (const c of conns)
      await c.remoteSender.evaluate(([k, t, n, ms]) => H.startPump(k, t, n, ms), [c.key, c.remoteTag, PER_TICK, TICK_MS] as const);
    /** How many each alice tab's stream sent per connection, once stopped: tag → key → count. */
    const aliceSent = new Map<string, Map<string, number>>();
    /** Stops an alice tab's streams; resolves once the remotes received all of them. */
    const drainAlice = async (tab: AliceTab) => {
      const sent = new Map<string, number>();
      for (const c of conns) sent.set(c.key, await tab.page.evaluate(([k, t]) => H.stopPump(k, t), [c.key, tab.tag] as const));
      aliceSent.set(tab.tag, sent);
      for (const c of conns)
        for (const r of c.remoteTabs)
          await r.evaluate(([k, t, n, ms]) => H.waitTagged(k, t, n, ms), [c.key, tab.tag, sent.get(c.key)!, DRAIN_MS] as const);
    };

    const resumedAfter: number[] = [];
    const resumes = new Map(conns.map((c) => [c.key, 0]));
    const resumedCount = (page: Page, key: string) => page.evaluate((k) => H.connEvents(k).filter((e) => e === "resumed").length, key);
    const deadline = Date.now() + SECONDS * 1000;
    let cuts = 0;
    while (Date.now() < deadline) {
      await sleep(2000 + random() * 1000);
      // The host of a connection picked at random (it may host the other one too).
      const conn = conns[Math.floor(random() * conns.length)]!;
      const hostPage = await kit.host(
        aliceTabs.map((t) => t.page),
        conn.key,
      );
      const victim = aliceTabs.find((t) => t.page === hostPage)!;
      const hosted: Conn[] = [];
      for (const c of conns) if (await victim.page.evaluate((k) => H.connInfo(k)?.hosted ?? false, c.key)) hosted.push(c);
      // Its own stream first reaches the remotes: what a closing tab sent is not this test's question.
      await drainAlice(victim);
      aliceTabs.splice(aliceTabs.indexOf(victim), 1);
      const before = await Promise.all(hosted.map((c) => Promise.all(aliceTabs.map((t) => resumedCount(t.page, c.key)))));
      const cutAt = Date.now();
      await victim.page.close();
      cuts++;
      for (const [h, c] of hosted.entries()) {
        resumes.set(c.key, resumes.get(c.key)! + 1);
        for (const [i, t] of aliceTabs.entries()) {
          await t.page.evaluate(([k, n, ms]) => H.waitResumed(k, n, ms), [c.key, before[h]![i]! + 1, RESUME_MS] as const);
          const events: Timed = await t.page.evaluate((k) => H.timedConnEvents(k), c.key);
          resumedAfter.push(events.filter(([e]) => e === "resumed").at(-1)![1] - cutAt);
        }
      }
      const page = await env.tab(aliceUser);
      expect(await env.openPeer(page, "me", alice)).toBe(`open:${alice}`);
      await connected(page);
      aliceTabs.push(await startAlice(page, false));
    }

    // Everything stops; every stream must then have arrived whole.
    for (const t of aliceTabs) await drainAlice(t);
    const remoteSent = new Map<string, number>();
    for (const c of conns)
      remoteSent.set(c.key, await c.remoteSender.evaluate(([k, t]) => H.stopPump(k, t), [c.key, c.remoteTag] as const));
    const problems: string[] = [];
    let checked = 0;
    const audit = async (page: Page, key: string, tag: string, sent: number, fromStart: boolean, who: string) => {
      await page
        .waitForFunction(([k, t, last]) => H.tagged(k, t).at(-1) === last, [key, tag, sent - 1] as const, {
          polling: 50,
          timeout: DRAIN_MS,
        })
        .catch(() => undefined);
      const result = contiguous(await page.evaluate(([k, t]) => H.tagged(k, t), [key, tag] as const), sent - 1, fromStart);
      checked += result.received;
      if (!result.ok) problems.push(`${tag} at ${who}: ${JSON.stringify(result)}`);
    };
    for (const c of conns) {
      for (const t of aliceTabs) await audit(t.page, c.key, c.remoteTag, remoteSent.get(c.key)!, t.fromStart, `alice (${t.tag}'s tab)`);
      for (const [r, page] of c.remoteTabs.entries())
        for (const [tag, sent] of aliceSent) await audit(page, c.key, tag, sent.get(c.key)!, true, `${c.remoteTag} tab ${r}`);
    }
    expect(problems).toEqual([]);

    // No close, no error anywhere; the remotes' Peers saw nothing new; each resumed once per cut of its connection.
    for (const t of aliceTabs) {
      for (const c of conns)
        expect((await t.page.evaluate((k) => H.connEvents(k), c.key)).filter((e) => e !== "open" && e !== "resumed")).toEqual([]);
      expect((await t.page.evaluate(() => H.peerEvents("me"))).filter((e) => e.startsWith("error"))).toEqual([]);
    }
    const remotePages = [...bob1, ...bob2];
    for (const [i, page] of remotePages.entries()) expect(await page.evaluate(() => H.peerEvents("me"))).toEqual(remoteEventsBefore[i]);
    for (const c of conns)
      for (const page of c.remoteTabs)
        expect(await page.evaluate((k) => H.connEvents(k), c.key)).toEqual(["open", ...Array<string>(resumes.get(c.key)!).fill("resumed")]);

    expect(cuts).toBeGreaterThan(0);
    const sorted = [...resumedAfter].sort((x, y) => x - y);
    console.log(
      `resume soak [${env.engine}]: ${cuts} host tabs closed in ${SECONDS} s (connection 1 resumed ×${resumes.get(key1)}, 2 ×${resumes.get(key2)}); ` +
        `resumed at alice's tabs ${sorted[0]}–${sorted.at(-1)} ms after the cut (median ${sorted[sorted.length >> 1]}); ${checked} received messages checked`,
    );
    await Promise.all([aliceUser.close(), bob1User.close(), bob2User.close()]);
  },
  90_000 + SECONDS * 3000,
);
