/**
 * The demo (issue 7) as a web developer meets it: two tabs of one user share a peer, a second user
 * connects, they chat, and a 5 MiB file crosses with progress on both ends and arrives intact; the tab
 * hosting the connection closes while a 20 MiB file arrives, and the connection moves to the other tab.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";
import { launchBrowser, newUser } from "../../testing/browser.js";
import { startPeerServer, type RunningPeerServer } from "../../testing/peer-server.js";
import { testEngine } from "../support/env.js";

const root = new URL("../..", import.meta.url).pathname;
const shots = `${root}test-results`;
const FILE_BYTES = 5 * 1024 * 1024;
/** Large enough that the transfer is still under way when the hosting tab is closed. */
const BIG_FILE_BYTES = 20 * 1024 * 1024;

let server: RunningPeerServer;
let vite: ViteDevServer;
let browser: Browser;
let origin: string;
const users: BrowserContext[] = [];
const pageErrors: string[] = [];
const run = Math.random().toString(36).slice(2, 7);

beforeAll(async () => {
  // A short expiry, so that an offer to an absent peer fails fast (the error test).
  server = await startPeerServer({ expireTimeout: 1000 });
  process.env["VITE_PEER_HOST"] = server.host;
  process.env["VITE_PEER_PORT"] = String(server.port);
  // As scripts/start.mjs serves it.
  vite = await createServer({
    root: `${root}demo`,
    configFile: false,
    envDir: root,
    logLevel: "error",
    resolve: { alias: { sharedpeer: `${root}dist/index.js` } },
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false, watch: null, fs: { allow: [root] } },
    // Pre-bundled at start, so that no page load triggers a re-optimisation and reload.
    optimizeDeps: { include: ["comlink", "eventemitter3", "webrtc-adapter"] },
  });
  await vite.listen();
  const address = vite.httpServer?.address();
  if (!address || typeof address === "string") throw new Error("vite did not listen");
  origin = `http://127.0.0.1:${address.port}`;
  browser = await launchBrowser(testEngine());
  await mkdir(shots, { recursive: true });
});

afterAll(async () => {
  await Promise.all(users.map((u) => u.close().catch(() => undefined)));
  await browser?.close();
  await vite?.close();
  await server?.stop();
});

async function user(): Promise<BrowserContext> {
  const context = await newUser(browser);
  users.push(context);
  return context;
}

/** A tab of `who` showing the demo as peer `id`, once it is online. */
async function openDemo(who: BrowserContext, id: string): Promise<Page> {
  const page = await who.newPage();
  await page.setViewportSize({ width: 1366, height: 900 });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/?id=${encodeURIComponent(id)}`);
  await page.locator("#peer-status[data-state=open]").waitFor({ timeout: 15_000 });
  expect(await page.locator("#my-id").textContent()).toBe(id);
  return page;
}

const row = (page: Page, remote: string, state?: "open" | "closed") =>
  page.locator(`#connections li[data-remote="${remote}"]${state ? `[data-state=${state}]` : ""}`);
const chatLines = (page: Page) => page.locator("#chat-log [data-testid=chat-line] .chat-text").allTextContents();

/** Every value a progress bar of this page showed, recorded as it changes. */
async function recordPercents(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number[]> = { send: [], receive: [] };
    Object.assign(window, { percentsSeen: seen });
    new MutationObserver((records) => {
      for (const r of records) {
        const bar = r.target as HTMLElement;
        const kind = bar.dataset["testid"]?.replace("-progress", "");
        // Records arrive batched after the changes: the old value of each is the value it replaced.
        if (r.type === "attributes" && kind && kind in seen) seen[kind]!.push(Number(r.oldValue));
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-percent"] });
  });
}
const percentsSeen = (page: Page) => page.evaluate(() => (window as unknown as { percentsSeen: Record<string, number[]> }).percentsSeen);

/**
 * SHA-256 of the newest received file's bytes, through the page's own download link. Playwright
 * over WebDriver BiDi (Firefox) reports no download of a `blob:` URL: there the link's Blob is read.
 */
async function downloadedHash(page: Page): Promise<string> {
  if (testEngine() === "firefox") return blobHash(page);
  const link = page.locator("[data-testid=transfer][data-direction=receive] a[data-testid=download]").first();
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const path = await download.path();
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/** The same, fetched from the Blob URL inside the page. */
function blobHash(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const link = document.querySelector<HTMLAnchorElement>("[data-testid=transfer][data-direction=receive] a[data-testid=download]");
    const bytes = await (await fetch(link!.href)).arrayBuffer();
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  });
}

async function sendFile(page: Page, remote: string, name: string, bytes: Buffer): Promise<void> {
  await page.setInputFiles("#file-input", { name, mimeType: "application/octet-stream", buffer: bytes });
  await expect.poll(() => page.locator("#file-chosen").textContent(), { timeout: 10_000 }).toContain(name);
  const value = await page.locator(`#file-target option[data-remote="${remote}"]`).first().getAttribute("value");
  await page.selectOption("#file-target", value!);
  await page.click("#file-send");
}

async function expectDone(page: Page, direction: "send" | "receive", name: string, size = "5.00 MB"): Promise<void> {
  const transfer = page.locator(`[data-testid=transfer][data-direction=${direction}]`, { hasText: name }).first();
  await transfer.locator(`[data-testid=${direction}-progress][data-percent="100"]`).waitFor({ timeout: 30_000 });
  expect(await transfer.locator("[data-testid=percent]").textContent()).toBe("100%");
  expect(await transfer.getAttribute("data-state")).toBe("done");
  expect(await transfer.locator("[data-testid=transfer-detail]").textContent()).toContain(`${size} in `);
}

test("two tabs share a peer, a second user connects, chats, swaps files with progress, and the connection survives its tab", async () => {
  const aliceId = `alice-${run}`;
  const bobId = `bob-${run}`;
  const [aliceUser, bobUser] = [await user(), await user()];
  const alice1 = await openDemo(aliceUser, aliceId);
  const alice2 = await openDemo(aliceUser, aliceId);
  const bob = await openDemo(bobUser, bobId);

  // One peer, two tabs; the other user is alone.
  for (const tab of [alice1, alice2]) {
    expect(await tab.locator("#mode").textContent()).toBe("shared");
    await expect.poll(() => tab.locator("#tab-count").textContent(), { timeout: 10_000 }).toBe("2");
  }
  await expect.poll(() => bob.locator("#tab-count").textContent(), { timeout: 10_000 }).toBe("1");
  expect(server.clients().filter((c) => c === aliceId)).toEqual([aliceId]);

  // The first Alice tab dials Bob: it hosts the RTCPeerConnection; the sibling tab lists it too.
  await alice1.fill("#remote-id", bobId);
  await alice1.click("#connect");
  await row(alice1, bobId, "open").waitFor({ timeout: 15_000 });
  await row(alice2, bobId, "open").waitFor({ timeout: 10_000 });
  await row(bob, aliceId, "open").waitFor({ timeout: 10_000 });
  expect(await row(alice1, bobId).getAttribute("data-host")).toBe("this");
  expect(await row(alice1, bobId).locator("[data-testid=conn-host]").textContent()).toBe("this tab");
  expect(await row(alice2, bobId).getAttribute("data-host")).toBe("other");
  expect(await row(alice2, bobId).locator("[data-testid=conn-host]").textContent()).toBe("another tab");
  expect(await row(bob, aliceId).getAttribute("data-host")).toBe("this");
  expect(await row(bob, aliceId).locator("[data-testid=conn-serialization]").textContent()).toBe("binary");

  // Chat: a line from the tab that does not host the connection reaches its sibling and Bob.
  await alice2.fill("#chat-input", "hello from alice's second tab");
  await alice2.click("#chat-send");
  await expect.poll(() => chatLines(alice1), { timeout: 10_000 }).toEqual(["hello from alice's second tab"]);
  await expect.poll(() => chatLines(bob), { timeout: 10_000 }).toEqual(["hello from alice's second tab"]);
  expect(await alice1.locator("[data-testid=chat-line]").getAttribute("data-from")).toBe("sibling");
  expect(await bob.locator("[data-testid=chat-line]").getAttribute("data-peer")).toBe(aliceId);
  // Bob answers: both of Alice's tabs get it.
  await bob.fill("#chat-input", "hi alice, both of you");
  await bob.press("#chat-input", "Enter");
  for (const tab of [alice1, alice2]) {
    await expect.poll(() => chatLines(tab), { timeout: 10_000 }).toEqual(["hello from alice's second tab", "hi alice, both of you"]);
  }
  expect(await chatLines(bob)).toEqual(["hello from alice's second tab", "hi alice, both of you"]);

  // 5 MiB from Alice's second tab (its bytes go through the worker to the first tab's channel) to Bob.
  for (const tab of [alice1, alice2, bob]) await recordPercents(tab);
  const toBob = randomBytes(FILE_BYTES);
  await sendFile(alice2, bobId, "to-bob.bin", toBob);
  await expectDone(alice2, "send", "to-bob.bin");
  await expectDone(bob, "receive", "to-bob.bin");
  expect(await downloadedHash(bob)).toBe(createHash("sha256").update(toBob).digest("hex"));
  const aliceSent = await percentsSeen(alice2);
  const bobReceived = await percentsSeen(bob);
  expect(
    aliceSent.send!.some((p) => p > 0 && p < 100),
    `send progress seen: ${aliceSent.send}`,
  ).toBe(true);
  expect(
    bobReceived.receive!.some((p) => p > 0 && p < 100),
    `receive progress seen: ${bobReceived.receive}`,
  ).toBe(true);

  // 5 MiB back from Bob: both of Alice's tabs receive it, with progress.
  const toAlice = randomBytes(FILE_BYTES);
  await sendFile(bob, aliceId, "to-alice.bin", toAlice);
  await expectDone(bob, "send", "to-alice.bin");
  const want = createHash("sha256").update(toAlice).digest("hex");
  for (const tab of [alice1, alice2]) {
    await expectDone(tab, "receive", "to-alice.bin");
    expect((await percentsSeen(tab)).receive!.some((p) => p > 0 && p < 100)).toBe(true);
  }
  expect(await downloadedHash(alice1)).toBe(want);
  expect(await blobHash(alice2)).toBe(want);

  // A small file (one chunk, so no progress events) is done at once on both ends.
  await sendFile(bob, aliceId, "note.txt", Buffer.from("a short note\n".repeat(100)));
  await expectDone(bob, "send", "note.txt", "1.3 KB");
  await expectDone(alice1, "receive", "note.txt", "1.3 KB");
  expect(
    await alice1.evaluate(async () => {
      const link = document.querySelector<HTMLAnchorElement>("[data-testid=transfer][data-direction=receive] a[data-testid=download]");
      return (await (await fetch(link!.href)).text()).length;
    }),
  ).toBe(1300);

  await alice1.screenshot({ path: `${shots}/demo-alice-tab1.png`, fullPage: true });
  await alice2.screenshot({ path: `${shots}/demo-alice-tab2.png`, fullPage: true });
  await bob.screenshot({ path: `${shots}/demo-bob.png`, fullPage: true });

  // Disconnecting from the server acts on the shared socket: both tabs see it; the connection stays.
  await alice2.click("#disconnect");
  for (const tab of [alice1, alice2]) await tab.locator("#peer-status[data-state=disconnected]").waitFor({ timeout: 10_000 });
  expect(await row(alice1, bobId).getAttribute("data-state")).toBe("open");
  await alice1.click("#reconnect");
  for (const tab of [alice1, alice2]) await tab.locator("#peer-status[data-state=open]").waitFor({ timeout: 10_000 });
  await bob.fill("#chat-input", "still here");
  await bob.click("#chat-send");
  await expect.poll(() => chatLines(alice2), { timeout: 10_000 }).toContain("still here");

  // Bob sends 20 MiB; while it arrives, the tab hosting the connection on Alice's side (the first,
  // which dialled) closes. The connection moves to her second tab and resumes, still open on both
  // ends: the file is sent again whole and arrives once, intact.
  const big = randomBytes(BIG_FILE_BYTES);
  await sendFile(bob, aliceId, "big.bin", big);
  const arriving = alice2.locator("[data-testid=transfer][data-direction=receive]", { hasText: "big.bin" });
  // Active rows show at most 99 %.
  await arriving
    .and(alice2.locator("[data-state=active]"))
    .locator("[data-testid=receive-progress]:not([data-percent='0'])")
    .waitFor({ timeout: 30_000 });
  await alice1.close();
  const resumed = (page: Page, remote: string) =>
    page.locator(`#connections li[data-remote="${remote}"][data-state=open][data-resumed="1"]`);
  await resumed(alice2, bobId).waitFor({ timeout: 15_000 });
  await resumed(bob, aliceId).waitFor({ timeout: 10_000 });
  expect(await row(alice2, bobId).getAttribute("data-host")).toBe("this");
  expect(await row(alice2, bobId).locator("[data-testid=conn-host]").textContent()).toBe("this tab");
  expect(await row(alice2, bobId).locator("[data-testid=conn-resumed]").textContent()).toContain("moved to this tab");
  expect(await row(bob, aliceId).locator("[data-testid=conn-resumed]").textContent()).toContain("resumed in this tab");
  expect(await alice2.locator("#activity").textContent()).toContain(`Connection to ${bobId} resumed`);
  await expectDone(bob, "send", "big.bin", "20.00 MB");
  await expectDone(alice2, "receive", "big.bin", "20.00 MB");
  // One row for the file, which started over once (the cut came mid-transfer) and finished.
  expect(await arriving.count()).toBe(1);
  expect(await arriving.getAttribute("data-restarts")).toBe("1");
  expect(await alice2.locator("[data-testid=transfer][data-state=active]").count()).toBe(0);
  expect(await downloadedHash(alice2)).toBe(createHash("sha256").update(big).digest("hex"));
  await expect.poll(() => alice2.locator("#tab-count").textContent(), { timeout: 10_000 }).toBe("1");

  // Chat goes on both ways over the moved connection.
  await bob.fill("#chat-input", "you moved");
  await bob.click("#chat-send");
  await expect.poll(() => chatLines(alice2), { timeout: 10_000 }).toContain("you moved");
  await alice2.fill("#chat-input", "still the same connection");
  await alice2.click("#chat-send");
  await expect.poll(() => chatLines(bob), { timeout: 10_000 }).toContain("still the same connection");
  await alice2.screenshot({ path: `${shots}/demo-alice-after-host-closed.png`, fullPage: true });
  await bob.screenshot({ path: `${shots}/demo-bob-after-alice-host-closed.png`, fullPage: true });
  expect(pageErrors).toEqual([]);
});

test("errors show: a peer that is not there, and an id already taken by another browser", async () => {
  const carolId = `carol-${run}`;
  const carol = await openDemo(await user(), carolId);
  await carol.fill("#remote-id", `nobody-${run}`);
  await carol.click("#connect");
  await carol.locator("#peer-error[data-type=peer-unavailable]").waitFor({ state: "visible", timeout: 15_000 });
  expect(await carol.locator("#peer-error-message").textContent()).toContain(`nobody-${run}`);
  await row(carol, `nobody-${run}`, "closed").waitFor({ timeout: 10_000 });
  expect(await carol.locator("[data-testid=error][data-type=peer-unavailable]").count()).toBeGreaterThan(0);

  // Another profile asks for Carol's id: the server refuses it, and the page says so.
  const page = await (await user()).newPage();
  await page.goto(`${origin}/?id=${carolId}`);
  await page.locator("#peer-error[data-type=unavailable-id]").waitFor({ state: "visible", timeout: 15_000 });
  expect(await page.locator("#peer-status").getAttribute("data-state")).not.toBe("open");
  await page.screenshot({ path: `${shots}/demo-id-taken.png`, fullPage: true });
  await carol.screenshot({ path: `${shots}/demo-errors.png`, fullPage: true });
  expect(pageErrors).toEqual([]);
});

test("tabs opened without ?id= share the profile's remembered id; another id can be chosen", async () => {
  const who = await user();
  const first = await who.newPage();
  await first.goto(`${origin}/`);
  await first.locator("#peer-status[data-state=open]").waitFor({ timeout: 15_000 });
  const id = (await first.locator("#my-id").textContent())!;
  expect(id).toMatch(/^demo-/);
  const second = await who.newPage();
  await second.goto(`${origin}/`);
  await second.locator("#peer-status[data-state=open]").waitFor({ timeout: 15_000 });
  expect(await second.locator("#my-id").textContent()).toBe(id);
  await expect.poll(() => second.locator("#tab-count").textContent(), { timeout: 10_000 }).toBe("2");

  // The second tab picks another id: it becomes the default, and that tab reloads with it.
  const next = `dora-${run}`;
  await second.click("#switch-id summary");
  await second.fill("#id-input", next);
  await Promise.all([second.waitForEvent("load"), second.click("#id-apply")]);
  await second.locator("#peer-status[data-state=open]").waitFor({ timeout: 15_000 });
  expect(await second.locator("#my-id").textContent()).toBe(next);
  expect(await first.locator("#my-id").textContent()).toBe(id);
  const third = await who.newPage();
  await third.goto(`${origin}/`);
  await third.locator("#peer-status[data-state=open]").waitFor({ timeout: 15_000 });
  expect(await third.locator("#my-id").textContent()).toBe(next);
  // Two peers on this profile's hub now, three tabs.
  await expect.poll(() => third.locator("#hub-stats").textContent(), { timeout: 10_000 }).toMatch(/^2 peers · 3 Peer objects/);
  expect(pageErrors).toEqual([]);
});
